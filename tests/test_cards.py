"""Pocket cards, handouts and sheets of the default guide: what a printer and a reader get."""

from __future__ import annotations

import math
import re
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import markupsafe
import pikepdf
import pytest
from PIL import Image
from pypdf import PdfReader
from weasyprint import Document
from weasyprint.formatting_structure.boxes import TextBox

from stretchguide import cards, figures, impose, pdf, typeset
from stretchguide.cli import main, make_parser, options_from
from stretchguide.models import RenderContext
from stretchguide.pipeline import load_checked
from stretchguide.problems import Problem
from stretchguide.templates import make_env

from .conftest import CONTENT, copy_content, fresh_cache, require_debian_packages

PT_PER_MM = 72 / 25.4
SIZES_PT = {"A4": (595.276, 841.89), "Letter": (612.0, 792.0), "A5": (419.528, 595.276)}


def make_context(content: Path, out: Path, *extra: str) -> RenderContext:
    """Load a content folder as the pipeline does and return the renderers' context."""
    options = options_from(make_parser().parse_args(
        ["build", "--content", str(content), "--out", str(out), *extra]))
    library, _ = load_checked(content)
    return RenderContext(library, figures.draw_figures(library), options, make_env(options.theme_dir))


class Built:
    """The cards of the default guide, rendered once for this module."""

    def __init__(self, context: RenderContext, folder: Path, problems: list[Problem]) -> None:
        self.context = context
        self.folder = folder
        self.problems = problems

    def pdf(self, name: str) -> PdfReader:
        return PdfReader(self.folder / name)


@pytest.fixture(scope="module", autouse=True)
def poppler() -> None:
    """The tests read the PDFs with poppler's tools, as a printer's software would."""
    require_debian_packages([] if shutil.which("pdftotext") else ["poppler-utils"], "reading PDFs")


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Built:
    out = tmp_path_factory.mktemp("cards")
    context = make_context(CONTENT, out, "--cache-dir", str(fresh_cache(tmp_path_factory)))
    problems = cards.render_cards(context, out)
    return Built(context, out / "cards", problems)


def page_size(reader: PdfReader, index: int) -> tuple[float, float]:
    box = reader.pages[index].mediabox
    return float(box.width), float(box.height)


def text_of(path: Path, page: int | None = None) -> str:
    """Return a PDF's text (one page or all) as poppler extracts it, whitespace collapsed."""
    pages = ["-f", str(page), "-l", str(page)] if page else []
    out = subprocess.run(["pdftotext", *pages, "-enc", "UTF-8", str(path), "-"], capture_output=True,
                         check=True, text=True).stdout
    return " ".join(out.replace("\u00ad", "").split())


def text_boxes(document: Document) -> Iterator[TextBox]:
    for page in document.pages:
        for box in page._page_box.descendants():
            if isinstance(box, TextBox) and box.text.strip():
                yield box


def test_no_weasyprint_warnings(built: Built) -> None:
    assert [p.format() for p in built.problems] == []


def test_deck_has_a_cover_and_two_faces_per_stretch_at_card_size(built: Built) -> None:
    deck = built.pdf("stretch-cards.pdf")
    stretches = built.context.library.stretches
    assert len(deck.pages) == 2 + 2 * len(stretches)
    width, height = 105 * PT_PER_MM, 148 * PT_PER_MM  # A6, the default
    for index in range(len(deck.pages)):
        assert page_size(deck, index) == pytest.approx((width, height), abs=0.5)
    for stretch_id in stretches:
        single = built.pdf(Path(built.context.url("card", stretch_id)).name)
        assert len(single.pages) == 2
        assert page_size(single, 1) == pytest.approx((width, height), abs=0.5)


def test_every_title_and_dose_line_is_text_on_its_front(built: Built) -> None:
    deck = built.folder / "stretch-cards.pdf"
    guide = built.context.library.guide
    assert guide.title.split()[0] in text_of(deck, 1)
    assert "Get emergency help now".upper() in text_of(deck, 2).upper()
    for k, stretch in enumerate(built.context.library.stretches.values()):
        front = text_of(deck, 3 + 2 * k)
        assert stretch.title in front
        assert stretch.dose_line() in front
        back = text_of(deck, 4 + 2 * k)
        assert "STOP IF" in back.upper() and "helper" in back


def test_pigeon_card_back_names_its_alternative_and_links_to_it(built: Built) -> None:
    card = built.folder / "pigeon.pdf"
    assert "Another option: do the Reclined figure-four instead if your knees or hips object" in text_of(card, 2)
    annots = built.pdf("pigeon.pdf").pages[1].get("/Annots", [])
    uris = [annot.get_object().get("/A", {}).get("/URI") for annot in annots]
    assert "https://stretches.example.org/stretches/figure-four/" in uris


def test_card_backs_carry_the_precautions_word_for_word(built: Built) -> None:
    osteoporosis = "bend forward gently and not too far"
    for sid, stretch in built.context.library.stretches.items():
        back = text_of(built.folder / f"{sid}.pdf", 2)
        assert ("TAKE CARE IF" in back.upper()) == bool(stretch.safety.precautions), sid
        assert (osteoporosis in back) == ("osteoporosis" in stretch.safety.precautions), sid


def test_every_card_back_points_to_the_warning_signs(built: Built) -> None:
    for sid in built.context.library.stretches:
        back = text_of(built.folder / f"{sid}.pdf", 2)
        assert "Warning signs: see the cover card or stretches.example.org/before-you-start/." in back, sid


def test_a_clinic_dose_reads_the_same_on_its_card(clinic_content: Path, tmp_path: Path) -> None:
    context = make_context(clinic_content, tmp_path)
    renderer = cards.CardRenderer(context)
    stretch = context.library.stretches["bird-dog"]
    document = renderer.stretch_card(stretch, cards.CARD_PAGES["A6"])
    front = " ".join(box.text for box in text_boxes(document) if box.text.strip())
    assert "8–10 slow repetitions · hold each 5 s · each side, alternating" in " ".join(front.split())


def test_routine_handout_names_the_pigeon_alternative(built: Built) -> None:
    text = text_of(built.folder / "routine-lower-back-basics-a4.pdf")
    assert "Another option: do the Reclined figure-four instead if your knees or hips object" in text


def test_fonts_are_embedded_and_subset(built: Built) -> None:
    for name in ("stretch-cards.pdf", "sheets-a4.pdf", "routine-lower-back-basics-a4.pdf",
                 "stretch-cards-large-print.pdf", "calibration-letter.pdf"):
        listing = subprocess.run(["pdffonts", str(built.folder / name)], capture_output=True, text=True,
                                 check=True).stdout.splitlines()[2:]
        assert listing, f"{name} has no fonts"
        for line in listing:
            emb, sub = line.split()[-5:-3]
            assert (emb, sub) == ("yes", "yes"), f"{name}: {line}"
            assert "+Atkinson" in line.split()[0] or "Atkinson" in line, f"{name} uses a fallback font: {line}"


def test_deck_is_tagged_with_metadata_and_a_bookmark_per_stretch(built: Built) -> None:
    deck = built.pdf("stretch-cards.pdf")
    guide = built.context.library.guide
    root = deck.trailer["/Root"]
    assert "/StructTreeRoot" in root and root["/MarkInfo"]["/Marked"]
    assert root["/Lang"] == guide.language
    assert deck.metadata is not None
    assert deck.metadata.title == guide.title
    assert deck.metadata.author == guide.branding.clinic_name
    titles = [item.title for item in deck.outline if not isinstance(item, list)]
    assert titles == [guide.title, *(s.title for s in built.context.library.stretches.values())]


def test_every_pdf_passes_qpdf_check_and_only_sheets_are_untagged(built: Built) -> None:
    for path in sorted(built.folder.glob("*.pdf")):
        with pikepdf.open(path) as pdf:
            assert pdf.check_pdf_syntax() == [], path.name  # what `qpdf --check` checks
            # Sheets are for printers (docs/manual/performance.md says why); the rest is tagged.
            assert ("/StructTreeRoot" in pdf.Root) == (not path.name.startswith("sheets-")), path.name


def test_qr_code_on_the_back_decodes_to_the_stretch_page(built: Built, tmp_path: Path) -> None:
    import zxingcpp

    stretch_id = next(iter(built.context.library.stretches))
    pdf = built.folder / Path(built.context.url("card", stretch_id)).name
    subprocess.run(["pdftoppm", "-r", "200", "-f", "2", "-l", "2", "-png", "-singlefile", str(pdf),
                    str(tmp_path / "back")], check=True)
    image = Image.open(tmp_path / "back.png")
    found = [r.text for r in zxingcpp.read_barcodes(image)]
    url = built.context.absolute_url("stretch", stretch_id)
    assert found == [url]
    assert url is not None and url.split("://")[1] in text_of(pdf, 2).replace(" ", "")


def test_no_text_under_9pt_on_cards(built: Built) -> None:
    renderer = cards.CardRenderer(built.context)
    stretch = next(iter(built.context.library.stretches.values()))
    page = cards.CARD_PAGES["A6"]
    for document in (renderer.stretch_card(stretch, page), renderer.cover_card(page)):
        sizes = {box.style["font_size"] * 0.75 for box in text_boxes(document)}
        assert min(sizes) >= 9 - 0.01, (page, sorted(sizes))
    assert renderer.warnings == []


def word_heights(path: Path) -> dict[tuple[int, str], float]:
    """Return the height of each word poppler finds, by page number and word, the first time it is seen."""
    out = subprocess.run(["pdftotext", "-bbox", str(path), "-"], capture_output=True, check=True, text=True).stdout
    heights: dict[tuple[int, str], float] = {}
    for number, page in enumerate(out.split("<page ")[1:]):
        for y0, y1, word in re.findall(r'yMin="([\d.]+)" xMax="[\d.]+" yMax="([\d.]+)">([^<]+)</word>', page):
            heights.setdefault((number, word), float(y1) - float(y0))
    return heights


def test_large_print_is_the_deck_enlarged_to_16pt_and_more(built: Built) -> None:
    # Each word is the deck's word enlarged: A6 to 279.4 mm high, text of 9pt and more to 16pt and more.
    card = word_heights(built.folder / "stretch-cards.pdf")
    large = word_heights(built.folder / "stretch-cards-large-print.pdf")
    assert card.keys() == large.keys() and len(card) > 500
    for key, height in card.items():
        assert large[key] == pytest.approx(height * 279.4 / 148, rel=0.02), key
    assert 279.4 / 148 > 16 / 9
    with pikepdf.open(built.folder / "stretch-cards-large-print.pdf") as deck:
        assert deck.Root.StructTreeRoot.K.S == "/Document" and deck.Root.MarkInfo.Marked
        assert deck.docinfo.Title == f"{built.context.library.guide.title} (large print)"
        with deck.open_outline() as outline:
            assert len(outline.root) == 1 + len(built.context.library.stretches)


def test_large_print_deck_has_one_page_per_face_that_prints_on_a4_and_letter(built: Built) -> None:
    deck = built.pdf("stretch-cards-large-print.pdf")
    assert len(deck.pages) == 2 + 2 * len(built.context.library.stretches)
    width, height = (210 * PT_PER_MM, 279.4 * PT_PER_MM)
    assert width <= min(SIZES_PT["A4"][0], SIZES_PT["Letter"][0]) + 0.5
    assert height <= min(SIZES_PT["A4"][1], SIZES_PT["Letter"][1]) + 0.5
    assert all(page_size(deck, i) == pytest.approx((width, height), abs=0.5) for i in range(len(deck.pages)))
    text = text_of(built.folder / "stretch-cards-large-print.pdf")
    for stretch in built.context.library.stretches.values():
        assert stretch.title in text and stretch.dose_line() in text


@pytest.mark.parametrize(("sheet", "paper"), [("a4", "A4"), ("letter", "Letter")])
def test_duplex_sheets_put_each_back_behind_its_front(built: Built, sheet: str, paper: str) -> None:
    from .test_impose import corners, placements

    reader = built.pdf(f"sheets-{sheet}.pdf")
    count = 1 + len(built.context.library.stretches)
    grid = impose.plan_grid(*cards.SHEETS[sheet], 105.0, 148.0)
    assert len(reader.pages) == 2 * math.ceil(count / grid.per_sheet)
    sheet_w = SIZES_PT[paper][0]
    card = (105 * PT_PER_MM, 148 * PT_PER_MM)
    for index in range(len(reader.pages)):
        assert page_size(reader, index) == pytest.approx(SIZES_PT[paper], abs=0.5)
    for s in range(0, len(reader.pages), 2):
        fronts, backs = placements(reader.pages[s]), placements(reader.pages[s + 1])
        assert len(fronts) == len(backs) > 0
        for (front, _), (back, _) in zip(fronts, backs, strict=True):
            fx0, fy0, fx1, fy1 = corners(front, *card)
            bx0, by0, bx1, by1 = corners(back, *card)
            assert (bx0, bx1, by0, by1) == pytest.approx((sheet_w - fx1, sheet_w - fx0, fy0, fy1), abs=0.01)
        # The same cards, read through the paper: every front title has its back on the next page.
        front_text, back_text = (text_of(built.folder / f"sheets-{sheet}.pdf", s + n) for n in (1, 2))
        for stretch in built.context.library.stretches.values():
            assert (stretch.title in front_text) == (f"{stretch.title}: for the helper" in back_text)


def test_fold_sheets_put_each_back_beside_its_front(built: Built) -> None:
    from .test_impose import corners, placements

    reader = built.pdf("sheets-a4-fold.pdf")
    card = (105 * PT_PER_MM, 148 * PT_PER_MM)
    placed = [p for page in reader.pages for p in placements(page)]
    assert len(placed) == 2 * (1 + len(built.context.library.stretches))
    for (front, _), (back, _) in zip(placed[::2], placed[1::2], strict=True):
        f, b = corners(front, *card), corners(back, *card)
        shares_edge = (abs(b[0] - f[2]) < 0.01 and abs(b[1] - f[1]) < 0.01) or (
            abs(b[1] - f[3]) < 0.01 and abs(b[0] - f[0]) < 0.01)
        assert shares_edge, (f, b)
    assert "fold on the dashed line" in text_of(built.folder / "sheets-a4-fold.pdf", 1)


def test_calibration_sheets(built: Built) -> None:
    for sheet, paper in (("a4", "A4"), ("letter", "Letter")):
        reader = built.pdf(f"calibration-{sheet}.pdf")
        assert len(reader.pages) == 2
        assert page_size(reader, 1) == pytest.approx(SIZES_PT[paper], abs=0.5)
        assert "back_offset_mm" in text_of(built.folder / f"calibration-{sheet}.pdf", 2)


def test_handouts_list_every_step_in_order_with_time_log_and_contact(built: Built) -> None:
    library = built.context.library
    for routine_id, routine in library.routines.items():
        for sheet, paper in (("a4", "A4"), ("letter", "Letter")):
            path = built.folder / Path(built.context.url(f"handout-{sheet}", routine_id)).name
            reader = PdfReader(path)
            assert page_size(reader, 0) == pytest.approx(SIZES_PT[paper], abs=0.5)
            text = text_of(path)
            positions = []
            for step in library.steps(routine):
                assert step.dose_line() in text
                positions.append(text.index(step.stretch.title))
            assert positions == sorted(positions)
            assert cards_minutes(library.routine_seconds(routine)) in text
            assert "Day 7" in text
            assert (library.guide.branding.contact or library.guide.branding.clinic_name) in text


def test_a_handout_prints_the_same_page_at_full_size_on_a4_and_on_letter(built: Built, tmp_path: Path) -> None:
    # Laid out once on the area both papers share (210 x 279.4 mm): the same text, and the same ink
    # at the same size, moved only by the paper around it (A4 is 17.6 mm taller, Letter 5.9 mm wider).
    dpi = 50
    for routine_id in built.context.library.routines:
        a4, letter = (built.folder / Path(built.context.url(f"handout-{sheet}", routine_id)).name
                      for sheet in ("a4", "letter"))
        assert text_of(a4) == text_of(letter)
        ink = {}
        for path in (a4, letter):
            subprocess.run(["pdftoppm", "-r", str(dpi), "-gray", "-f", "1", "-l", "1", "-singlefile", str(path),
                            str(tmp_path / path.stem)], check=True)
            with Image.open(tmp_path / f"{path.stem}.pgm") as image:
                box = Image.eval(image, lambda value: 255 - value).getbbox()
            assert box is not None
            ink[path] = box
        px = dpi / 25.4  # pixels per mm
        (a_left, a_top, a_right, a_bottom), (l_left, l_top, l_right, l_bottom) = ink[a4], ink[letter]
        assert a_right - a_left == pytest.approx(l_right - l_left, abs=2)
        assert a_bottom - a_top == pytest.approx(l_bottom - l_top, abs=2)
        assert a_top - l_top == pytest.approx((297 - 279.4) / 2 * px, abs=2)
        assert l_left - a_left == pytest.approx((215.9 - 210) / 2 * px, abs=2)


def test_handouts_carry_the_figure_key_beside_each_figure(built: Built) -> None:
    library = built.context.library
    for routine_id, routine in library.routines.items():
        path = built.folder / Path(built.context.url("handout-a4", routine_id)).name
        text = text_of(path)
        steps = library.steps(routine)
        assert text.count("Feel it here") == len(steps)
        assert text.count("Other-side arm or leg") == len(steps)
        helpers = [s for s in steps if s.stretch.figure is not None and s.stretch.figure.drawn_helper is not None]
        assert helpers and text.count("Helper") == len(helpers)  # the key names the helper where one is drawn


def cards_minutes(seconds: tuple[int, int]) -> str:
    from stretchguide.models import format_minutes

    return format_minutes(seconds)


def test_two_builds_are_byte_identical(built: Built, built_site: Path) -> None:
    # The session's command-line build of the same content is the second build; each started
    # from an empty cache of its own.
    again = built_site / "cards"
    names = sorted(p.name for p in built.folder.iterdir())
    assert names == sorted(p.name for p in again.iterdir())
    for name in names:
        assert (built.folder / name).read_bytes() == (again / name).read_bytes(), name


def test_source_date_epoch_sets_the_pdf_dates(built: Built, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    assert pdf.build_stamp() == "2023-11-14T22:13:20Z"
    monkeypatch.delenv("SOURCE_DATE_EPOCH")
    assert pdf.build_stamp() == pdf.FIXED_DATE
    info = built.pdf("stretch-cards.pdf").metadata
    assert info is not None and str(info["/CreationDate"]).startswith("D:2000")


def test_other_card_sizes(tmp_path: Path) -> None:
    context = make_context(CONTENT, tmp_path, "--card-size", "4x6in")
    renderer = cards.CardRenderer(context)
    stretch = next(iter(context.library.stretches.values()))
    document = renderer.stretch_card(stretch, cards.CARD_PAGES[context.card_size])
    assert len(document.pages) == 2
    width, height = document.pages[0].width * 0.75, document.pages[0].height * 0.75
    assert (width, height) == pytest.approx((4 * 72, 6 * 72), abs=0.5)
    assert renderer.overflow_problems(document, stretch.id, Path("x.yml"), "4x6in") == []


def test_an_overflowing_card_fails_the_build_naming_its_file(tmp_path: Path,
                                                             capsys: pytest.CaptureFixture[str]) -> None:
    content = copy_content(tmp_path / "content", stretches=["cat-cow"])  # the one stretch is enough
    path = content / "stretches" / "cat-cow.yml"
    text = path.read_text(encoding="utf-8")
    long_steps = "\n".join(f"  - Step {n}, " + "move slowly and breathe out, keeping the back long. " * 4
                           for n in range(12))
    text = re.sub(r"^steps:\n(?:  - .*\n(?:    .*\n)*)+", "steps:\n" + long_steps + "\n", text, flags=re.M)
    path.write_text(text, encoding="utf-8")
    out = tmp_path / "site"
    assert main(["build", "--content", str(content), "--out", str(out), "--quiet"]) == 1
    err = capsys.readouterr().err
    assert "stretches/cat-cow.yml" in err
    assert "front of the A6 card does not fit" in err and "--card-size" in err
    assert not out.exists()


def test_the_fetcher_refuses_the_network_and_outside_files(built: Built) -> None:
    theme = built.context.options.theme_dir
    options = pdf.RenderOptions((theme / "cards").resolve().as_uri() + "/", (theme.resolve(),))
    html = ('<html lang="en"><head><title>t</title></head><body>'
            '<img src="https://example.org/x.png" alt="x"><img src="file:///etc/hostname" alt="y">'
            '<img src="../fonts/OFL.txt" alt="z"></body></html>')
    rendered = typeset.layout_html(html, options)
    joined = "\n".join(rendered.warnings)
    assert "refusing to fetch https://example.org/x.png" in joined
    assert "outside the theme and content folders" in joined
    fetcher = typeset.FolderFetcher([theme])
    assert fetcher.fetch((theme / "cards" / "cards.css").resolve().as_uri()).read()
    with pytest.raises(ValueError):
        fetcher.fetch("http://127.0.0.1/")


def test_the_workers_end_before_the_files_are_assembled_and_each_output_is_handed_over_once(
        built: Built, tmp_path: Path) -> None:
    import multiprocessing

    theme = built.context.options.theme_dir
    options = pdf.RenderOptions((theme / "cards").resolve().as_uri() + "/", (theme.resolve(),))
    with pdf.Renderer(tmp_path / "cache", jobs=2) as renderer:
        tickets = [renderer.submit(pdf.Job(f"doc{n}", f'<html lang="en"><title>{n}</title><p>Page {n}</p></html>',
                                           f"doc{n}", f"doc{n}", options))
                   for n in range(pdf.MIN_JOBS_FOR_WORKERS)]
        assert multiprocessing.active_children()  # enough documents to start the workers
        outputs = [renderer.result(ticket) for ticket in tickets]
        # Every document is rendered; the workers (and the memory they hold) are gone before assembly.
        assert multiprocessing.active_children() == []
        assert len(outputs) == len(tickets) and all(output.pdf.startswith(b"%PDF") for output in outputs)
        with pytest.raises(KeyError):  # not kept once handed over
            renderer.result(tickets[0])


def test_jobs_marked_last_render_on_one_worker_of_their_own_while_the_rest_are_assembled(
        built: Built, tmp_path: Path) -> None:
    # The routines' handouts are marked `last`: once every other document is rendered, the card
    # workers end and one worker renders the handouts while the build assembles the decks.
    import multiprocessing

    theme = built.context.options.theme_dir
    options = pdf.RenderOptions((theme / "cards").resolve().as_uri() + "/", (theme.resolve(),))

    def job(name: str, last: bool) -> pdf.Job:
        return pdf.Job(name, f'<html lang="en"><title>{name}</title><p>{name}</p></html>', name, name, options,
                       last=last)

    count = pdf.MIN_JOBS_FOR_WORKERS
    with pdf.Renderer(tmp_path / "cache", jobs=2) as renderer:
        handouts = [renderer.submit(job(f"handout{n}", last=True)) for n in range(count)]
        firsts = [renderer.submit(job(f"card{n}", last=False)) for n in range(count)]
        renderer.finish(last=False)
        assert len(multiprocessing.active_children()) == 1  # the card workers are gone, one renders the rest
        assert all(renderer.result(ticket).pdf.startswith(b"%PDF") for ticket in firsts)
        assert all(renderer.result(ticket).pdf.startswith(b"%PDF") for ticket in handouts)
        assert multiprocessing.active_children() == []
    # Asked for before the rest are rendered, a document marked `last` is still rendered.
    with pdf.Renderer(tmp_path / "other", jobs=2) as renderer:
        tickets = [renderer.submit(job(f"solo{n}", last=n % 2 == 0)) for n in range(count)]
        assert all(renderer.result(ticket).pdf.startswith(b"%PDF") for ticket in reversed(tickets))


def test_deck_pages_render_without_clipping(built: Built, tmp_path: Path) -> None:
    # A face's content stays inside its page margin: the outermost 2 mm of every card is blank.
    subprocess.run(["pdftoppm", "-r", "60", "-gray", str(built.folder / "stretch-cards.pdf"),
                    str(tmp_path / "p")], check=True)
    border = round(2 / 25.4 * 60)
    for png in sorted(tmp_path.glob("p-*.pgm")):
        image = Image.open(png)
        w, h = image.size
        for box in ((0, 0, w, border), (0, h - border, w, h), (0, 0, border, h), (w - border, 0, w, h)):
            assert image.crop(box).getextrema()[0] > 200, png.name


def test_weasyprint_messages_become_w005_warnings_on_the_source_file(built: Built) -> None:
    renderer = cards.CardRenderer(built.context)
    source = Path("content/stretches/example.yml")
    renderer.layout('<html lang="en"><head><title>t</title><style>p { colour: red; }</style></head>'
                    "<body><p>x</p></body></html>", source, "card example")
    assert renderer.warnings
    assert {(p.path, p.code) for p in renderer.warnings} == {(source, "W005")}
    assert "card example" in renderer.warnings[0].message


def test_without_a_site_url_the_back_has_no_qr_code(content_copy: Path, tmp_path: Path) -> None:
    guide = content_copy / "guide.yml"
    guide.write_text(re.sub(r"^site_url:.*\n", "", guide.read_text(encoding="utf-8"), flags=re.M),
                     encoding="utf-8")
    context = make_context(content_copy, tmp_path)
    assert context.site_url is None
    renderer = cards.CardRenderer(context)
    stretch = next(iter(context.library.stretches.values()))
    values = renderer.stretch_values(stretch, cards.CARD_PAGES["A6"])
    assert values["qr_svg"] is None and values["short_url"] is None
    html = renderer.html("stretch.html", **values)
    assert "<svg" not in html and "Online:" not in html
    assert len(renderer.stretch_card(stretch, cards.CARD_PAGES["A6"]).pages) == 2


def test_a_crowded_card_is_set_tighter_before_it_fails(content_copy: Path, tmp_path: Path) -> None:
    # Child's pose's back (cues, precautions, the warning-signs pointer) is crowded as it ships.
    path = content_copy / "stretches" / "childs-pose.yml"
    context = make_context(content_copy, tmp_path)
    renderer = cards.CardRenderer(context)
    stretch = context.library.stretches["childs-pose"]
    page = cards.CARD_PAGES["A6"]
    roomy = renderer.layout(renderer.html("stretch.html", **renderer.stretch_values(stretch, page)),
                            path, "card")
    assert renderer.overflow_problems(roomy, stretch.id, path, "A6"), "the test needs a crowded card"
    fitted = renderer.stretch_card(stretch, page)
    assert renderer.overflow_problems(fitted, stretch.id, path, "A6") == []
    sizes = {box.style["font_size"] * 0.75 for box in text_boxes(fitted)}
    assert min(sizes) >= 9 - 0.01


def word_boxes(pdf: Path, page: int, word: str) -> list[tuple[float, float]]:
    """Return the top-left corners (in points) of every `word` on a page, as poppler finds them."""
    out = subprocess.run(["pdftotext", "-bbox", "-f", str(page), "-l", str(page), str(pdf), "-"],
                         capture_output=True, text=True, check=True).stdout
    return [(float(m.group(1)), float(m.group(2))) for m in re.finditer(
        rf'<word xMin="([\d.]+)" yMin="([\d.]+)"[^>]*>{re.escape(word)}</word>', out)]


def test_calibration_back_moves_by_the_back_offset(built: Built, tmp_path: Path) -> None:
    import dataclasses

    from stretchguide.models import Offset

    context = built.context
    guide = context.library.guide
    shifted_guide = guide.model_copy(update={"print": guide.print.model_copy(
        update={"back_offset_mm": Offset(x=2.0, y=3.0)})})
    shifted = dataclasses.replace(context, library=dataclasses.replace(context.library, guide=shifted_guide))
    for name, ctx in (("plain", context), ("shifted", shifted)):
        (tmp_path / f"{name}.pdf").write_bytes(cards.CardRenderer(ctx).calibration("a4"))
    plain, moved = (word_boxes(tmp_path / f"{n}.pdf", 2, "(mm)") for n in ("plain", "shifted"))
    assert len(plain) == len(moved) == 2
    for (x0, y0), (x1, y1) in zip(plain, moved, strict=True):
        assert (x1 - x0, y1 - y0) == pytest.approx((2 * PT_PER_MM, 3 * PT_PER_MM), abs=0.05)
    # The front's cross stays at the centre of the page.
    assert word_boxes(tmp_path / "plain.pdf", 1, "front") == word_boxes(tmp_path / "shifted.pdf", 1, "front")


@pytest.mark.parametrize("size", sorted(cards.CARD_PAGES))
def test_every_advertised_card_size_carries_the_default_guide(size: str, tmp_path: Path) -> None:
    # The sizes offered (CLI, guide.yml's schema) are exactly the card pages, and each fits.
    from stretchguide.vocab import CARD_SIZES

    assert set(CARD_SIZES) == set(cards.CARD_PAGES)
    context = make_context(CONTENT, tmp_path, "--card-size", size, "--cache-dir", str(tmp_path / "cache"))
    assert [p.format() for p in cards.fit_problems(context)] == []


def effective_text_sizes(path: Path) -> list[list[float]]:
    """Return the size in points of every piece of text on each page, as printed: font size x text and page matrices."""
    sizes: list[list[float]] = []
    for page in PdfReader(path).pages:
        found: list[float] = []

        def visit(text: str, cm: list[float], tm: list[float], font: object, size: float,
                  found: list[float] = found) -> None:
            if text.strip():
                found.append(size * math.hypot(tm[2], tm[3]) * math.hypot(cm[2], cm[3]))

        page.extract_text(visitor_text=visit)
        sizes.append(found)
    return sizes


def largest_blank_band(path: Path, folder: Path) -> list[float]:
    """Return, for each page, the tallest run of rows without ink as a share of the page's height."""
    subprocess.run(["pdftoppm", "-r", "30", "-gray", str(path), str(folder / "band")], check=True)
    shares = []
    for png in sorted(folder.glob("band-*.pgm")):
        image = Image.open(png)
        w, h = image.size
        inked = [image.crop((0, y, w, y + 1)).getextrema()[0] < 200 for y in range(h)]
        longest = run = 0
        for ink in inked:
            run = 0 if ink else run + 1
            longest = max(longest, run)
        shares.append(longest / h)
    return shares


@pytest.mark.parametrize("size", sorted(cards.CARD_PAGES))
def test_large_print_body_is_16pt_or_more_and_no_page_is_40_percent_empty(size: str, tmp_path: Path) -> None:
    out = tmp_path / "site"
    context = make_context(CONTENT, out, "--card-size", size, "--cache-dir", str(tmp_path / "cache"))
    cards.render_cards(context, out)
    large = out / "cards" / "stretch-cards-large-print.pdf"
    for number, sizes in enumerate(effective_text_sizes(large)):
        assert sizes and min(sizes) >= 16 - 0.05, (size, number, min(sizes))
    for number, share in enumerate(largest_blank_band(large, tmp_path)):
        assert share < 0.4, (size, number, share)


def boxes_of_class(document: Document, name: str) -> list[Any]:
    """Return every laid-out box whose element carries the CSS class `name`."""
    found = []
    for page in document.pages:
        for box in page._page_box.descendants():
            element = getattr(box, "element", None)
            if element is not None and name in (element.get("class") or "").split() and box.element_tag != "#text":
                found.append(box)
    return found


@pytest.mark.parametrize("sheet", sorted(cards.SHEETS))
def test_no_handout_page_holds_only_the_footer(built: Built, sheet: str) -> None:
    guide = built.context.library.guide
    for routine_id in built.context.library.routines:
        path = built.folder / Path(built.context.url(f"handout-{sheet}", routine_id)).name
        pages = len(PdfReader(path).pages)
        last = text_of(path, pages)
        rest = last.replace(guide.disclaimer, "").replace(guide.branding.contact or guide.branding.clinic_name, "")
        rest = re.sub(r"Page \d+ of \d+", "", rest).strip()
        assert len(rest) > 200, (sheet, last)
        # The warning signs and the footer share the last page.
        assert "WARNING SIGNS" in last.upper() and guide.disclaimer in last


def test_handout_log_names_fit_on_two_lines_with_a_box_per_time_of_day(built: Built) -> None:
    library = built.context.library
    renderer = cards.CardRenderer(built.context)
    routine = library.routines["lower-back-basics"]
    job = renderer.handout_job(routine)  # laid out once, for A4 and Letter
    rendered, _ = typeset.layout_job(job, renderer.cache)
    steps = library.steps(routine)
    rows = [box for box in boxes_of_class(rendered.document, "ho-log__table")
            if type(box).__name__ == "TableBox"]
    assert rows, "the handout has a tick log"
    names = [cell for cell in rows[0].descendants() if type(cell).__name__ == "TableCellBox"
             and cell.element_tag == "th" and cell.element.get("scope") == "row"]
    assert [" ".join(cell.element.itertext().__iter__()).split(". ", 1)[1] for cell in names] == [
        step.stretch.title for step in steps]
    for cell in names:
        lines = [line for line in cell.descendants() if type(line).__name__ == "LineBox"]
        assert 1 <= len(lines) <= 2, (cell.element.text, len(lines))
    assert any(cell.element.text and "Kneeling hip flexor stretch" in "".join(cell.element.itertext())
               for cell in names)
    # Twice a day (dose.times_a_day: 2) gives two boxes a day, am and pm; otherwise one.
    html = job.html
    for step in steps:
        title = re.escape(str(markupsafe.escape(step.stretch.title)))
        row = re.search(rf"<tr><th scope=\"row\">\d+\. {title}</th>(.*?)</tr>", html)
        assert row is not None, step.stretch.title
        per_day = step.dose.times_a_day or 1
        assert row.group(1).count('class="ho-log__box"') == 7 * per_day, step.stretch.title
        assert row.group(1).count(">am<") == (7 if per_day > 1 else 0)
    assert {step.dose.times_a_day for step in steps} >= {2, None}, "the default routine mixes both"


def test_a_short_steps_safety_boxes_on_a_handout_keep_clear_of_its_figure_and_key(tmp_path: Path) -> None:
    # A new clinic's first stretch has little text, so its figure and key reach below the steps;
    # the boxed "Stop if" and "Take care if" come below them, not drawn through the key.
    guide = tmp_path / "guide"
    assert main(["new", "guide", str(guide)]) == 0
    options = options_from(make_parser().parse_args(["build", "--content", str(guide), "--draft"]))
    library, _ = load_checked(guide, draft=True)
    context = RenderContext(library, figures.draw_figures(library), options, make_env(options.theme_dir, True))
    renderer = cards.CardRenderer(context)
    rendered, _ = typeset.layout_job(renderer.handout_job(next(iter(library.routines.values()))), renderer.cache)
    keys = boxes_of_class(rendered.document, "ho-step__key")
    boxes = boxes_of_class(rendered.document, "sg-safety")
    assert keys and len(boxes) >= 2
    key_bottom = max(key.position_y + key.margin_height() for key in keys)
    steps_bottom = max(box.position_y + box.margin_height() for box in boxes_of_class(rendered.document, "card-list"))
    assert steps_bottom < key_bottom, "the figure and key reach below the steps, as this test needs"
    for box in boxes:
        assert box.position_y + box.margin_top >= key_bottom - 0.5, "a safety box starts beside the key"


def test_the_clinic_logo_is_on_the_cover_card_and_handouts_and_absent_without_one(built: Built,
                                                                              tmp_path: Path) -> None:
    def logos(context: RenderContext) -> tuple[int, ...]:
        renderer = cards.CardRenderer(context)
        cover = renderer.cover_card(cards.CARD_PAGES["A6"])
        routine = next(iter(context.library.routines.values()))
        handout, _ = typeset.layout_job(renderer.handout_job(routine), renderer.cache)
        return len(boxes_of_class(cover, "cover__logo")), len(boxes_of_class(handout.document, "ho-head__logo"))

    # The deck's cover card carries the logo, and so does the handout's header (on A4 and Letter alike).
    assert built.context.library.guide.branding.logo == "logo.svg"
    assert logos(built.context) == (1, 1)
    content = copy_content(tmp_path / "content", stretches=["cat-cow"])  # a routine of one stretch is enough
    guide = content / "guide.yml"
    guide.write_text(re.sub(r"^  logo:.*\n", "", guide.read_text(encoding="utf-8"), flags=re.M), encoding="utf-8")
    bare = make_context(content, tmp_path)
    assert bare.library.guide.branding.logo is None
    assert logos(bare) == (0, 0)


def test_print_shop_deck_has_one_face_per_page_with_3mm_bleed_trim_and_crop_marks(built: Built, tmp_path: Path) -> None:
    size = built.context.card_size
    path = built.folder / Path(built.context.url("print-shop", size)).name
    assert path.name == f"print-shop-{size}.pdf"
    width, height = cards.CARD_PAGES[size].width, cards.CARD_PAGES[size].height
    bleed = cards.PRINT_SHOP_BLEED * PT_PER_MM
    with pikepdf.open(path) as pdf:
        assert len(pdf.pages) == 2 + 2 * len(built.context.library.stretches)
        assert pdf.Root.MarkInfo.Marked and pdf.Root.StructTreeRoot.K.S == "/Document"
        for page in pdf.pages:
            media = [float(v) for v in page.obj.MediaBox]
            assert media == pytest.approx([0, 0, width * PT_PER_MM + 2 * bleed, height * PT_PER_MM + 2 * bleed],
                                          abs=0.05)
            assert [float(v) for v in page.obj.BleedBox] == pytest.approx(media, abs=0.05)
            assert [float(v) for v in page.obj.TrimBox] == pytest.approx(
                [bleed, bleed, media[2] - bleed, media[3] - bleed], abs=0.05)
    require_debian_packages([] if shutil.which("qpdf") else ["qpdf"], "checking PDFs")
    subprocess.run(["qpdf", "--check", str(path)], check=True, capture_output=True)
    # The faces read as in the deck, and the crop marks are ink in the bleed's corners, off the trim.
    assert text_of(path) == text_of(built.folder / "stretch-cards.pdf")
    subprocess.run(["pdftoppm", "-r", "150", "-gray", "-f", "1", "-l", "1", str(path), str(tmp_path / "s")], check=True)
    image = Image.open(next(tmp_path.glob("s-*.pgm")))
    px = 150 / 25.4
    corner = image.crop((0, 0, round(3 * px), round(3 * px)))
    assert corner.getextrema()[0] < 128, "a crop mark in the top-left bleed"
    near_corner = image.crop((round(2.3 * px), round(2.3 * px), round(3.7 * px), round(3.7 * px)))
    assert near_corner.getextrema()[0] > 200, "the marks stop short of the trim corner"


def laid_out_by_the_first_rule(job: pdf.Job, cache: typeset.LayoutCache) -> tuple[str, Document]:
    """Lay out normal, compact and tight in turn; keep the first whose faces each fit on one page."""
    for variant, html in (("normal", job.html), ("compact", job.compact_html), ("tight", job.tight_html)):
        assert html is not None
        document = typeset.layout_html(html, job.options, cache).document
        if all(n == 1 for n in typeset.face_page_counts(document, job.anchors).values()):
            return variant, document
    return "over", document


def test_each_card_gets_the_loosest_spacing_that_fits_and_a_snug_one_is_laid_out_once(
        content_copy: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    context = make_context(content_copy, tmp_path)
    renderer = cards.CardRenderer(context)
    page = cards.CARD_PAGES["A6"]
    stretches = context.library.stretches
    cat_cow, pigeon = stretches["cat-cow"], stretches["pigeon"]
    made_up = {  # sparse and crowded backs, from roomy to over
        "cues-1": cat_cow.model_copy(update={"helper_cues": cat_cow.helper_cues[:1]}),  # normal, 2 mm to spare
        "no-easier-harder": pigeon.model_copy(update={"easier": [], "harder": []}),
        "cues+1": pigeon.model_copy(update={"helper_cues": pigeon.helper_cues + pigeon.helper_cues[:1]}),
        "cues+2": cat_cow.model_copy(update={"helper_cues": cat_cow.helper_cues + cat_cow.helper_cues[:2]}),
        "cues+4": cat_cow.model_copy(update={"helper_cues": cat_cow.helper_cues * 2}),
        "one-step": pigeon.model_copy(update={"setup": pigeon.setup[:1], "steps": pigeon.steps[:1]}),
    }
    jobs = {"cover": renderer.cover_job(page), **{sid: renderer.stretch_job(s, page) for sid, s in stretches.items()},
            **{name: renderer.stretch_job(s, page) for name, s in made_up.items()}}
    layouts: dict[str, int] = {}
    layout_html = typeset.layout_html

    def counted(html: str, *args: Any) -> typeset.Rendered:
        layouts[label] = layouts.get(label, 0) + 1
        return layout_html(html, *args)

    chosen = {}
    for label, job in jobs.items():
        chosen[label], expected = laid_out_by_the_first_rule(job, renderer.cache)
        with monkeypatch.context() as patch:
            patch.setattr(typeset, "layout_html", counted)
            rendered, _ = typeset.layout_job(job, renderer.cache)
        # The same variant: every element id, on every page, at the same place.
        assert [page.anchors for page in rendered.document.pages] == [
            page.anchors for page in expected.pages], (label, chosen[label])
    assert set(chosen.values()) == {"normal", "compact", "tight", "over"}, chosen
    assert chosen["cover"] == chosen["cues-1"] == "normal"  # each with 2 mm to spare
    # Child's pose's back is crowded as it ships: its compact layout is the only one.
    assert chosen["childs-pose"] == "compact" and layouts["childs-pose"] == 1
    # Pigeon's compact back leaves 7.8 mm: less than the normal spacing adds to a nearly full face,
    # so the normal spacing is not tried in vain.
    assert chosen["pigeon"] == "compact" and layouts["pigeon"] == 1
