"""Imposition: grids that fit the printable area, mirrored backs, fold pairs, fixed bytes."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from pypdf import PdfReader, PdfWriter
from pypdf.generic import DecodedStreamObject, NameObject

from stretchguide import impose
from stretchguide.cache import Store
from stretchguide.impose import MM, Box, Grid, Meta

A4 = (210.0, 297.0)
LETTER = (215.9, 279.4)
CARDS = {"A6": (105.0, 148.0), "A7": (74.0, 105.0), "3x5in": (76.2, 127.0), "4x6in": (101.6, 152.4)}
META = Meta(title="Test sheets", author="Test clinic", language="en", date="D:20000101000000Z")
PLACED = re.compile(rb"q ([-\d.]+) ([-\d.]+) ([-\d.]+) ([-\d.]+) ([-\d.]+) ([-\d.]+) cm /(\w+) Do Q")


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


def make_deck(pages: int, width_mm: float, height_mm: float) -> bytes:
    """Make a deck of `pages` card pages, each with a small mark at its top-left corner."""
    writer = PdfWriter()
    for _ in range(pages):
        page = writer.add_blank_page(width_mm * MM, height_mm * MM)
        stream = DecodedStreamObject()
        stream.set_data(f"0 0 0 rg 0 {height_mm * MM - 10:.3f} 10 10 re f".encode())
        page[NameObject("/Contents")] = writer._add_object(stream)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def make_overlay(pages: int, sheet: tuple[float, float]) -> bytes:
    writer = PdfWriter()
    for _ in range(pages):
        writer.add_blank_page(sheet[0] * MM, sheet[1] * MM)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


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
    data = impose.impose_duplex(deck, pairs, grid, offset, make_overlay(2 * sheets, A4), "t", META)
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
    data = impose.impose_fold(deck, pairs, grid, make_overlay(impose.sheet_count(grid, 3), A4), "t", META)
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
    first = impose.impose_duplex(deck, [(0, 1), (2, 3)], grid, (0.0, 0.0), overlay, "t", META)
    second = impose.impose_duplex(deck, [(0, 1), (2, 3)], grid, (0.0, 0.0), overlay, "t", META)
    assert first == second
    reader = PdfReader(io.BytesIO(first))
    assert reader.metadata is not None and reader.metadata.title == "Test sheets"
    assert reader.trailer["/Root"]["/Lang"] == "en"
    assert reader.trailer["/ID"][0] == reader.trailer["/ID"][1]


def test_label_goes_where_there_is_room() -> None:
    grid = impose.plan_grid(*A4, *CARDS["A6"])
    box = impose.label_box(grid, 2)
    assert box is not None and box.h >= impose.LABEL_BAND_MM
    assert box.y + box.h <= grid.top - impose.MARK_ZONE_MM + 1e-9
    crowded = Grid(100.0, 100.0, 90.0, 90.0, 1, 1, False, 5.0, 5.0)
    assert impose.label_box(crowded, 1) is None


def test_files_from_cached_blocks_are_the_files_made_from_scratch(tmp_path: Path) -> None:
    # Parts of different sizes, so that their blocks differ.
    pages = [2 + k % 3 for k in range(6)]
    parts = [make_deck(count, *CARDS["A7"]) for count in pages]
    titles = [f"Card {k}" for k in range(6)]
    grid = impose.plan_grid(*A4, *CARDS["A7"])
    overlay = make_overlay(2 * impose.sheet_count(grid, 6), A4)
    store = Store(tmp_path, "joins")

    def build(parts: list[bytes], store: Store | None) -> tuple[bytes, bytes]:
        read = impose.read_parts(parts, store, forms=True)
        return (impose.join_tagged(read, titles, "deck"),
                impose.impose_duplex(read, [(2 * k, 2 * k + 1) for k in range(6)], grid, (0.0, 0.0), overlay,
                                     "t", META))

    fresh = build(parts, None)
    assert build(parts, store) == fresh  # made, and stored
    assert build(parts, store) == fresh  # from the store
    # One part edited: what comes out is what a build from scratch makes of the new parts.
    pages[3] = 5
    parts[3] = make_deck(pages[3], *CARDS["A7"])
    edited = build(parts, store)
    assert edited == build(parts, None)
    assert edited[0] != fresh[0]
    deck = PdfReader(io.BytesIO(edited[0]))
    assert len(deck.pages) == sum(pages)
    assert [item.title for item in deck.outline] == titles  # type: ignore[union-attr]
    starts = [deck.get_destination_page_number(item) for item in deck.outline]  # type: ignore[arg-type]
    assert starts == [sum(pages[:k]) for k in range(6)]


def test_join_leaves_text_that_looks_like_a_reference_alone() -> None:
    writer = PdfWriter()
    writer.add_blank_page(100, 100)
    title = "Stretch 1 0 R (the (first) one)"
    writer.add_metadata({"/Title": title})
    out = io.BytesIO()
    writer.write(out)
    deck = PdfReader(io.BytesIO(impose.merge_pdfs([out.getvalue(), make_deck(2, *CARDS["A7"])], ["a", "b"], "d")))
    assert deck.metadata is not None and deck.metadata.title == title
    assert len(deck.pages) == 3


def test_a_part_larger_than_its_cross_reference_table_tells_still_joins(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(impose, "_object_bound", lambda data: 1)  # every part seems to hold one object
    parts = [make_deck(40, *CARDS["A7"]), make_deck(2, *CARDS["A7"])]  # 80 objects: more than one room
    deck = PdfReader(io.BytesIO(impose.merge_pdfs(parts, ["a", "b"], "d")))
    assert len(deck.pages) == 42
    assert [deck.get_destination_page_number(item) for item in deck.outline] == [0, 40]  # type: ignore[arg-type]
