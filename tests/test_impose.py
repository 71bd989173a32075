"""Imposition: grids that fit the printable area, mirrored backs, fold pairs, fixed bytes."""

from __future__ import annotations

import io
import re
from collections.abc import Iterator

import pikepdf
import pytest
from pikepdf import Operator
from pypdf import PdfReader
from weasyprint import HTML

from stretchguide import impose
from stretchguide.impose import MM, Box, Grid, Meta

A4 = (210.0, 297.0)
LETTER = (215.9, 279.4)
CARDS = {"A6": (105.0, 148.0), "A7": (74.0, 105.0), "3x5in": (76.2, 127.0), "4x6in": (101.6, 152.4)}
META = Meta(title="Test sheets", author="Test clinic", language="en", date="2000-01-01T00:00:00Z")
PLACED = re.compile(rb"q\s+" + rb"([-\d.]+)\s+" * 6 + rb"cm\s+/(\w+)\s+Do\s+Q")


def corners(ctm: tuple[float, ...], width: float, height: float) -> tuple[float, float, float, float]:
    """Return the (x0, y0, x1, y1) in points that a width x height page covers under `ctm`."""
    a, b, c, d, e, f = ctm
    points = [(a * x + c * y + e, b * x + d * y + f) for x in (0, width) for y in (0, height)]
    xs, ys = [p[0] for p in points], [p[1] for p in points]
    return min(xs), min(ys), max(xs), max(ys)


def placements(page: object) -> list[tuple[tuple[float, ...], str]]:
    """Return each card drawn on a sheet page: its matrix and XObject name, in drawing order."""
    contents = page.get_contents()  # type: ignore[attr-defined]
    return [(tuple(float(v) for v in m.groups()[:6]), m.group(7).decode())
            for m in PLACED.finditer(contents.get_data())]


def save(pdf: pikepdf.Pdf) -> bytes:
    out = io.BytesIO()
    pdf.save(out)
    return out.getvalue()


def square(size: float, at: tuple[float, float] = (0.0, 0.0)) -> bytes:
    """Return a content stream that fills a black square of `size` points at `at`."""
    return pikepdf.unparse_content_stream([([0, 0, 0], Operator("rg")), ([*at, size, size], Operator("re")),
                                           ([], Operator("f"))])


def make_deck(pages: int, width_mm: float, height_mm: float) -> bytes:
    """Make a deck of `pages` card pages, each with a small mark at its top-left corner."""
    pdf = pikepdf.new()
    for _ in range(pages):
        page = pdf.add_blank_page(page_size=(width_mm * MM, height_mm * MM))
        page.Contents = pdf.make_stream(square(10, (0, height_mm * MM - 10)))
    return save(pdf)


def make_overlay(pages: int, sheet: tuple[float, float]) -> bytes:
    """Make overlay pages that tell themselves apart: page k draws a square of k + 1 points."""
    pdf = pikepdf.new()
    for k in range(pages):
        page = pdf.add_blank_page(page_size=(sheet[0] * MM, sheet[1] * MM))
        page.Contents = pdf.make_stream(square(k + 1))
    return save(pdf)


def overlay_drawn(data: bytes) -> list[int]:
    """Return which overlay page (by make_overlay's squares) each sheet page draws."""
    with pikepdf.open(io.BytesIO(data)) as pdf:
        return [int(pikepdf.parse_content_stream(page.Resources.XObject.Marks)[-2].operands[2]) - 1
                for page in pdf.pages]


def tagged_card(title: str, lang: str = "en") -> bytes:
    """Render a tagged two-page card with a link, as the card stage does (PDF/UA-1)."""
    html = (f'<html lang="{lang}"><title>{title}</title><style>@page {{ size: 74mm 105mm }}</style>'
            f'<h1>{title}</h1><p>Front</p><p style="break-before: page">Back, '
            '<a href="https://example.org/">a link</a></p></html>')
    return bytes(HTML(string=html).write_pdf(pdf_variant="pdf/ua-1"))


@pytest.mark.parametrize("sheet", [A4, LETTER], ids=["a4", "letter"])
@pytest.mark.parametrize("card", list(CARDS))
def test_grid_keeps_cards_and_marks_inside_the_printable_area(sheet: tuple[float, float], card: str) -> None:
    grid = impose.plan_grid(*sheet, *CARDS[card])
    assert grid.per_sheet >= 2
    boxes = [grid.cell(i) for i in range(grid.per_sheet)]
    for box in boxes:
        assert box.x >= impose.MARGIN_MM + impose.MARK_ZONE_MM - 1e-9
        assert box.y >= impose.MARGIN_MM + impose.MARK_ZONE_MM - 1e-9
        assert box.x + box.w <= sheet[0] - impose.MARGIN_MM - impose.MARK_ZONE_MM + 1e-9
        assert box.y + box.h <= sheet[1] - impose.MARGIN_MM - impose.MARK_ZONE_MM + 1e-9
    for segment in impose.cut_marks(grid, grid.per_sheet):
        for x, y in ((segment.x1, segment.y1), (segment.x2, segment.y2)):
            assert impose.MARGIN_MM - 1e-9 <= x <= sheet[0] - impose.MARGIN_MM + 1e-9
            assert impose.MARGIN_MM - 1e-9 <= y <= sheet[1] - impose.MARGIN_MM + 1e-9
            inside = any(b.x + 1e-9 < x < b.x + b.w - 1e-9 and b.y + 1e-9 < y < b.y + b.h - 1e-9
                         for b in boxes)
            assert not inside, "a cut mark runs into a card"


def test_grid_fits_as_many_as_possible() -> None:
    # A6 on A4: two fit (turned a quarter), three cannot (3 x 105 > 200 mm printable width).
    grid = impose.plan_grid(*A4, *CARDS["A6"])
    assert grid.per_sheet == 2
    assert impose.plan_grid(*A4, *CARDS["A7"]).per_sheet == 4
    # Front and back side by side: an A6 pair (210 x 148 mm) fits once on A4.
    assert impose.plan_grid(*A4, 2 * 105.0, 148.0).per_sheet == 1


def test_mirror_is_a_long_edge_flip() -> None:
    grid = impose.plan_grid(*A4, *CARDS["A7"])
    cells = {grid.cell(i) for i in range(grid.per_sheet)}
    for cell in cells:
        mirrored = grid.mirror(cell)
        assert mirrored.y == cell.y and mirrored.w == cell.w
        assert mirrored.x + mirrored.w == pytest.approx(grid.sheet_w - cell.x)
        assert grid.mirror(mirrored) == cell
    # A centred grid maps onto itself, so every back lands on a cell.
    assert all(any(abs(m.x - c.x) < 1e-9 and m.y == c.y for c in cells) for m in map(grid.mirror, cells))


@pytest.mark.parametrize("turn", [0, 90, -90])
def test_place_fills_the_box_and_turns_the_card_top(turn: int) -> None:
    box = Box(20.0, 30.0, 148.0, 105.0) if turn else Box(20.0, 30.0, 105.0, 148.0)
    card_w, card_h = 105.0 * MM, 148.0 * MM
    ctm = impose.place(box, 297.0, turn)
    x0, y0, x1, y1 = corners(ctm, card_w, card_h)
    assert x0 == pytest.approx(box.x * MM) and x1 == pytest.approx((box.x + box.w) * MM)
    assert y1 == pytest.approx((297.0 - box.y) * MM) and y0 == pytest.approx((297.0 - box.y - box.h) * MM)
    # Where the middle of the card's top edge goes.
    a, b, c, d, e, f = ctm
    top = (a * card_w / 2 + c * card_h + e, b * card_w / 2 + d * card_h + f)
    if turn == 0:
        assert top[1] == pytest.approx(y1)
    elif turn == 90:
        assert top[0] == pytest.approx(x0)  # top to the left
    else:
        assert top[0] == pytest.approx(x1)  # top to the right


def test_duplex_backs_sit_behind_their_fronts_shifted_by_the_offset() -> None:
    cards = 5  # 3 sheets of 2
    grid = impose.plan_grid(*A4, *CARDS["A6"])
    deck = make_deck(2 * cards, *CARDS["A6"])
    pairs = [(2 * k, 2 * k + 1) for k in range(cards)]
    sheets = impose.sheet_count(grid, cards)
    offset = (1.5, -2.0)
    data = impose.impose_duplex(deck, pairs, grid, offset, make_overlay(2 * sheets, A4), range(2 * sheets), META)
    reader = PdfReader(io.BytesIO(data))
    assert len(reader.pages) == 2 * sheets
    card_w, card_h = CARDS["A6"][0] * MM, CARDS["A6"][1] * MM
    sheet_w = A4[0] * MM
    for s in range(sheets):
        fronts, backs = placements(reader.pages[2 * s]), placements(reader.pages[2 * s + 1])
        assert len(fronts) == len(backs) == min(2, cards - 2 * s)
        for (front_ctm, _), (back_ctm, _) in zip(fronts, backs, strict=True):
            fx0, fy0, fx1, fy1 = corners(front_ctm, card_w, card_h)
            bx0, by0, bx1, by1 = corners(back_ctm, card_w, card_h)
            # Seen through the paper, the back's x runs the other way: mirror, then shift.
            assert bx0 == pytest.approx(sheet_w - fx1 + offset[0] * MM, abs=0.01)
            assert bx1 == pytest.approx(sheet_w - fx0 + offset[0] * MM, abs=0.01)
            assert by0 == pytest.approx(fy0 - offset[1] * MM, abs=0.01)
            assert by1 == pytest.approx(fy1 - offset[1] * MM, abs=0.01)


def test_fold_sheets_put_each_back_beside_its_front() -> None:
    width, height = CARDS["A7"]
    grid = impose.plan_grid(*A4, 2 * width, height)
    deck = make_deck(6, width, height)
    pairs = [(0, 1), (2, 3), (4, 5)]
    sheets = impose.sheet_count(grid, 3)
    data = impose.impose_fold(deck, pairs, grid, make_overlay(sheets, A4), range(sheets), META)
    reader = PdfReader(io.BytesIO(data))
    placed = [p for page in reader.pages for p in placements(page)]
    assert len(placed) == 6
    for (front_ctm, _), (back_ctm, _) in zip(placed[::2], placed[1::2], strict=True):
        front = corners(front_ctm, width * MM, height * MM)
        back = corners(back_ctm, width * MM, height * MM)
        assert back[2] - back[0] == pytest.approx(front[2] - front[0])
        if grid.rotated:  # stacked: the fold is the shared horizontal edge
            assert back[1] == pytest.approx(front[3], abs=0.01)
            assert back[0] == pytest.approx(front[0], abs=0.01)
        else:  # side by side: the fold is the shared vertical edge
            assert back[0] == pytest.approx(front[2], abs=0.01)
            assert back[1] == pytest.approx(front[1], abs=0.01)
    fold = impose.fold_lines(grid, 3)
    assert len(fold) == 3 and all(s.kind == "fold" for s in fold)


def test_imposed_bytes_repeat_and_carry_metadata() -> None:
    grid = impose.plan_grid(*LETTER, *CARDS["3x5in"])
    deck = make_deck(4, *CARDS["3x5in"])
    overlay = make_overlay(2, LETTER)
    first = impose.impose_duplex(deck, [(0, 1), (2, 3)], grid, (0.0, 0.0), overlay, [0, 1], META)
    second = impose.impose_duplex(deck, [(0, 1), (2, 3)], grid, (0.0, 0.0), overlay, [0, 1], META)
    assert first == second
    reader = PdfReader(io.BytesIO(first))
    assert reader.metadata is not None and reader.metadata.title == "Test sheets"
    assert reader.trailer["/Root"]["/Lang"] == "en"
    assert reader.trailer["/ID"][0] == reader.trailer["/ID"][1]


def test_sheet_files_drawn_from_one_opened_deck_match_each_drawn_alone() -> None:
    # The four sheet files are drawn from one opened deck, whose pages they replace in turn: nothing one
    # file leaves in it (its sheets, its overlay) may reach the next.
    deck = make_deck(6, *CARDS["A6"])
    pairs = [(0, 1), (2, 3), (4, 5)]
    duplex = impose.plan_grid(*A4, *CARDS["A6"])
    fold = impose.plan_grid(*A4, 2 * CARDS["A6"][0], CARDS["A6"][1])
    overlay = make_overlay(2, A4)
    sides = [0, 1] * impose.sheet_count(duplex, 3)
    folded = [0] * impose.sheet_count(fold, 3)

    def both(source: impose.Deck | bytes) -> list[bytes]:
        return [impose.impose_duplex(source, pairs, duplex, (0.0, 0.0), overlay, sides, META),
                impose.impose_fold(source, pairs, fold, overlay, folded, META)]

    alone = both(deck)
    with impose.Deck(deck) as opened:
        assert both(opened) == alone
    with pikepdf.open(io.BytesIO(alone[1])) as pdf:
        # Each card's front and back, drawn once: nothing of the file drawn before it.
        assert len(pdf.pages) == len(folded)
        assert sum(len(page.Resources.XObject) - 1 for page in pdf.pages) == 2 * len(pairs)


def test_label_goes_where_there_is_room() -> None:
    grid = impose.plan_grid(*A4, *CARDS["A6"])
    box = impose.label_box(grid, 2)
    assert box is not None and box.h >= impose.LABEL_BAND_MM
    assert box.y + box.h <= grid.top - impose.MARK_ZONE_MM + 1e-9
    crowded = Grid(100.0, 100.0, 90.0, 90.0, 1, 1, False, 5.0, 5.0)
    assert impose.label_box(crowded, 1) is None


def test_each_different_sheet_side_is_laid_out_once() -> None:
    grid = impose.plan_grid(*A4, *CARDS["A6"])  # two cards a sheet
    sides = impose.duplex_marks(grid, 5, "A4")  # three sheets: two full, one with a single card
    different, shown = impose.distinct(sides)
    assert len(sides) == 6 and len(different) == 3  # a full front, the last front, a back
    assert [different[k] for k in shown] == sides
    assert shown == [0, 1, 0, 1, 2, 1]
    many = impose.duplex_marks(grid, 1000, "A4")
    assert len(impose.distinct(many)[0]) == 2  # 500 full sheets: one front and one back
    assert len(impose.distinct(impose.fold_marks(impose.plan_grid(*A4, 210.0, 148.0), 1000))[0]) == 1


def test_each_sheet_side_draws_its_own_overlay_page() -> None:
    grid = impose.plan_grid(*A4, *CARDS["A6"])
    deck = make_deck(10, *CARDS["A6"])
    pairs = [(2 * k, 2 * k + 1) for k in range(5)]
    shown = impose.distinct(impose.duplex_marks(grid, 5, "A4"))[1]
    data = impose.impose_duplex(deck, pairs, grid, (0.0, 0.0), make_overlay(3, A4), shown, META)
    assert overlay_drawn(data) == shown
    fold = impose.plan_grid(*A4, 2 * CARDS["A6"][0], CARDS["A6"][1])
    data = impose.impose_fold(deck, pairs, fold, make_overlay(2, A4), [0, 0, 0, 0, 1], META)
    assert overlay_drawn(data) == [0, 0, 0, 0, 1]


def elements(element: pikepdf.Object) -> Iterator[pikepdf.Dictionary]:
    """Yield a tag tree element and every element below it."""
    yield element
    kids = element.get("/K")
    for kid in kids if isinstance(kids, pikepdf.Array) else [kids]:
        if isinstance(kid, pikepdf.Dictionary) and kid.get("/Type", pikepdf.Name.StructElem) == "/StructElem":
            yield from elements(kid)


def test_joined_cards_keep_their_tags_language_metadata_and_a_bookmark_each() -> None:
    titles = ["Cover", "Cat-cow", "Pigeon"]
    parts = [tagged_card(title) for title in titles]
    data = impose.join_tagged(parts, titles)
    assert data == impose.join_tagged(parts, titles)
    with pikepdf.open(io.BytesIO(data)) as deck, pikepdf.open(io.BytesIO(parts[0])) as first:
        assert deck.check_pdf_syntax() == []
        assert len(deck.pages) == 6 and deck.pdf_version == first.pdf_version == "1.7"
        assert deck.Root.Lang == "en" and deck.Root.MarkInfo.Marked
        assert deck.docinfo.Title == "Cover" and deck.open_metadata()["dc:title"] == "Cover"
        with deck.open_outline() as outline:
            assert [(item.title, deck.pages.index(pikepdf.Page(item.destination[0]))) for item in outline.root] == [
                ("Cover", 0), ("Cat-cow", 2), ("Pigeon", 4)]
        root = deck.Root.StructTreeRoot
        document = root.K
        assert document.S == "/Document" and document.P.objgen == root.objgen and len(document.K) == 3
        # Every element points at a page of the deck, and every part's text is under its own element.
        pages = {page.obj.objgen for page in deck.pages}
        for kid in document.K:
            assert kid.P.objgen == document.objgen
            assert all(e.Pg.objgen in pages for e in elements(kid) if "/Pg" in e)
        # Each page and link has a key of its own, and the parent tree finds its elements.
        nums = list(root.ParentTree.Nums)
        tree = dict(zip((int(key) for key in nums[::2]), nums[1::2], strict=True))
        keys = [int(page.obj.StructParents) for page in deck.pages]
        links = [int(a.StructParent) for page in deck.pages for a in page.obj.get("/Annots", [])]
        assert len(links) == 3 and len(set(keys + links)) == len(keys + links)
        assert set(keys + links) <= set(tree) and int(root.ParentTreeNextKey) == max(tree) + 1
        for page in deck.pages:
            for element in tree[int(page.obj.StructParents)]:
                assert element.Pg.objgen == page.obj.objgen


def test_join_leaves_text_that_looks_like_pdf_syntax_alone() -> None:
    title = "Stretch 1 0 R (the (first) one) >> endobj"
    card = tagged_card(title)
    data = impose.join_tagged([card, make_deck(2, *CARDS["A7"])], [title, "b"])
    with pikepdf.open(io.BytesIO(data)) as deck, pikepdf.open(io.BytesIO(card)) as part:
        assert deck.docinfo.Title == title and len(deck.pages) == len(part.pages) + 2


def test_enlarged_pages_keep_their_tags_and_links_where_the_text_went() -> None:
    square_svg = "data:image/svg+xml,<svg xmlns='http://www.w3.org/2000/svg' width='20' height='20'/>"
    html = ('<html lang="en"><title>Cat-cow</title><style>@page { size: 74mm 105mm }</style><h1>Cat-cow</h1>'
            f'<img alt="A square" src="{square_svg}"><p><a href="https://example.org/">a link</a></p></html>')
    deck = impose.join_tagged([bytes(HTML(string=html).write_pdf(pdf_variant="pdf/ua-1"))], ["Cat-cow"])
    width, height = 210 * MM, 279.4 * MM
    scale = min(width / (74 * MM), height / (105 * MM))
    data = impose.enlarge(deck, width, height, "Cat-cow (large print)")
    assert data == impose.enlarge(deck, width, height, "Cat-cow (large print)")
    with pikepdf.open(io.BytesIO(deck)) as small, pikepdf.open(io.BytesIO(data)) as large:
        assert large.check_pdf_syntax() == []
        assert large.docinfo.Title == "Cat-cow (large print)" == large.open_metadata()["dc:title"]
        assert large.Root.StructTreeRoot.K.S == "/Document" and large.Root.Lang == "en"
        page, before = large.pages[0], small.pages[0]
        assert [float(v) for v in page.mediabox] == pytest.approx([0, 0, width, height])
        shift = (width - scale * 74 * MM) / 2

        def moved(rect: pikepdf.Object) -> list[float]:
            x0, y0, x1, y1 = (float(v) for v in rect)
            return [scale * x0 + shift, scale * y0, scale * x1 + shift, scale * y1]

        link, = page.obj.Annots
        assert [float(v) for v in link.Rect] == pytest.approx(moved(before.obj.Annots[0].Rect), abs=0.01)
        boxes = [(e.A.BBox, f.A.BBox) for e, f in zip(elements(large.Root.StructTreeRoot),
                                                      elements(small.Root.StructTreeRoot), strict=True)
                 if "/A" in e and "/BBox" in e.A]
        assert boxes, "the figure has a layout box"
        for new, old in boxes:
            assert [float(v) for v in new] == pytest.approx(moved(old), abs=0.01)
        first = pikepdf.parse_content_stream(page)[:2]
        assert [str(op.operator) for op in first] == ["q", "cm"]
        assert [float(v) for v in first[1].operands] == pytest.approx([scale, 0, 0, scale, shift, 0], abs=1e-4)
