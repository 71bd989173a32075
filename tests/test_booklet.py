"""The booklet: reading-order PDFs, saddle-stitch sheets in the right page order, tags, logo, draft mark."""

from __future__ import annotations

import io
import shutil
import subprocess
from pathlib import Path

import pikepdf
import pytest
from pypdf import PdfReader

from stretchguide import booklet, figures, impose, typeset
from stretchguide.cli import make_parser, options_from
from stretchguide.models import RenderContext
from stretchguide.pipeline import load_checked
from stretchguide.templates import DRAFT_MARK, make_env

from .conftest import CONTENT, copy_content, fresh_cache, require_debian_packages

MM = 72 / 25.4


def make_context(content: Path, out: Path, *extra: str) -> RenderContext:
    """Load a content folder as the pipeline does and return the renderers' context."""
    options = options_from(make_parser().parse_args(["build", "--content", str(content), "--out", str(out), *extra]))
    library, _ = load_checked(content, draft=options.draft)
    return RenderContext(library, figures.draw_figures(library), options, make_env(options.theme_dir, options.draft))


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The booklets of the default guide, rendered once for this module."""
    out = tmp_path_factory.mktemp("booklet")
    context = make_context(CONTENT, out, "--cache-dir", str(fresh_cache(tmp_path_factory)))
    assert booklet.render_booklet(context, out) == []
    return out / "booklet"


def squeeze(text: str) -> str:
    return "".join(text.split())


def pdf_text(path: Path, page: int, crop: tuple[float, float, float, float] | None = None) -> str:
    """Return the text of one page (counted from 1), or of the crop (x, y, w, h in points), whitespace removed.

    Why poppler: pypdf does not apply the matrix that places a page on a sheet to the text inside
    it, so it cannot tell the two halves of a sheet apart.
    """
    area = [] if crop is None else ["-x", str(int(crop[0])), "-y", str(int(crop[1])), "-W", str(int(crop[2])),
                                    "-H", str(int(crop[3]))]
    out = subprocess.run(["pdftotext", "-f", str(page), "-l", str(page), *area, "-enc", "UTF-8", str(path), "-"],
                         capture_output=True, check=True, text=True).stdout
    return squeeze(out)


def half_texts(path: Path, page: int, width: float, height: float) -> tuple[str, str]:
    """Return the text on the left and on the right half of an imposed sheet side."""
    return (pdf_text(path, page, (0, 0, width / 2, height + 1)),
            pdf_text(path, page, (width / 2, 0, width / 2 + 1, height + 1)))


def test_saddle_order_pads_to_four_and_nests_the_sheets() -> None:
    assert impose.saddle_order(8) == [((7, 0), (1, 6)), ((5, 2), (3, 4))]
    assert impose.saddle_order(5) == [((None, 0), (1, None)), ((None, 2), (3, 4))]
    assert impose.saddle_order(1) == [((None, 0), (None, None))]


@pytest.mark.parametrize(("booklet_id", "sheet", "size"), [
    ("a5", "a4", (297.0, 210.0)), ("half-letter", "letter", (279.4, 215.9))])
def test_imposed_sheets_hold_the_pages_in_saddle_order(built: Path, booklet_id: str, sheet: str,
                                                       size: tuple[float, float]) -> None:
    require_debian_packages([] if shutil.which("pdftotext") else ["poppler-utils"], "reading PDFs")
    reading = built / f"booklet-{booklet_id}.pdf"
    n = len(PdfReader(reading).pages)
    pages = [pdf_text(reading, number) for number in range(1, n + 1)]
    padded = -(-n // 4) * 4
    assert n > 8 and all(pages)  # every page of the booklet says something
    imposed = built / f"booklet-saddle-stitch-{sheet}.pdf"
    sides = PdfReader(imposed).pages
    assert len(sides) == padded // 2
    for side in sides:
        assert (round(float(side.mediabox.width) / MM, 1), round(float(side.mediabox.height) / MM, 1)) == size
    width, height = size[0] * MM, size[1] * MM
    # Counting pages from 1: sheet s's front holds [n - 2s + 2, 2s - 1], its back [2s, n - 2s + 1].
    for s in range(padded // 4):
        front, back = (half_texts(imposed, 2 * s + 1, width, height), half_texts(imposed, 2 * s + 2, width, height))
        expected_numbers = ((padded - 2 * s, 2 * s + 1), (2 * s + 2, padded - 2 * s - 1))
        for got, numbers in zip((front, back), expected_numbers, strict=True):
            expected = tuple(pages[number - 1] if number <= n else "" for number in numbers)
            assert got == expected, f"sheet {s + 1}: expected pages {numbers}"


def test_every_booklet_pdf_passes_qpdf_check(built: Path) -> None:
    require_debian_packages([] if shutil.which("qpdf") else ["qpdf"], "checking PDFs")
    files = sorted(built.glob("*.pdf"))
    assert [path.name for path in files] == ["booklet-a5.pdf", "booklet-half-letter.pdf",
                                             "booklet-saddle-stitch-a4.pdf", "booklet-saddle-stitch-letter.pdf"]
    for path in files:
        result = subprocess.run(["qpdf", "--check", str(path)], capture_output=True, text=True)
        assert result.returncode == 0, (path.name, result.stdout, result.stderr)
        assert "No syntax or stream encoding errors found" in result.stdout


def test_reading_order_booklet_is_tagged_with_language_title_and_page_size(built: Path) -> None:
    for name, size in (("booklet-a5.pdf", (148.0, 210.0)), ("booklet-half-letter.pdf", (139.7, 215.9))):
        with pikepdf.open(built / name) as pdf:
            assert pdf.Root.MarkInfo.Marked is True
            assert isinstance(pdf.Root.StructTreeRoot, pikepdf.Dictionary)
            assert str(pdf.Root.Lang) == "en"
            assert str(pdf.docinfo.Title) == "Partner stretches for the lower back: booklet"
            assert pdf.Root.ViewerPreferences.DisplayDocTitle is True
            fonts = {str(font.BaseFont).split("+")[-1] for page in pdf.pages
                     for font in page.Resources.get("/Font", {}).values()}
            assert fonts and all(name.startswith("Atkinson-Hyperlegible") for name in fonts), fonts
            box = pdf.pages[0].mediabox
            assert (round(float(box[2]) / MM, 1), round(float(box[3]) / MM, 1)) == size
        with pikepdf.open(built / name.replace("booklet-a5", "booklet-saddle-stitch-a4").replace(
                "booklet-half-letter", "booklet-saddle-stitch-letter")) as sheets:
            assert str(sheets.Root.Lang) == "en"
            assert "saddle stitching" in str(sheets.open_metadata()["dc:title"])


def test_booklet_holds_the_whole_guide_in_order(built: Path) -> None:
    reader = PdfReader(built / "booklet-a5.pdf")
    text = " ".join(page.extract_text() for page in reader.pages)
    order = ["Example Physiotherapy Clinic", "Contents", "Every time you stretch", "Get emergency help now",
             "Stop and call 999 now", "See a doctor within a day or two", "Before you start",
             "Cat-cow", "Child's pose", "Kneeling hip flexor stretch", "Pigeon stretch", "Reclined figure-four",
             "Seated forward bend", "Routine: Lower back basics", "Sources and credits", "Credits"]
    positions = [text.find(words, text.find("Safety and warning signs") if i > 1 else 0)
                 for i, words in enumerate(order)]
    assert -1 not in positions, [words for words, at in zip(order, positions, strict=True) if at == -1]
    for heading in ("Dose:", "Stop if", "Get into position", "The stretch", "For the helper", "Easier", "Harder",
                    "Avoid if"):
        assert heading in text


def cover_figures(data: bytes) -> list[str]:
    """Return the descriptions of the pictures tagged on the first page."""
    found: list[str] = []
    with pikepdf.open(io.BytesIO(data)) as pdf:
        first = pdf.pages[0].obj.objgen
        elements: list[object] = [pdf.Root.StructTreeRoot]
        while elements:
            element = elements.pop()
            if isinstance(element, pikepdf.Array):
                elements += list(element)
            elif isinstance(element, pikepdf.Dictionary):
                if element.get("/S") == "/Figure" and "/Pg" in element and element.Pg.objgen == first:
                    found.append(str(element.get("/Alt", "")))
                elements.append(element.get("/K"))
    return found


def test_cover_shows_the_clinic_logo(built: Path, tmp_path: Path) -> None:
    assert "Example Physiotherapy Clinic" in cover_figures((built / "booklet-a5.pdf").read_bytes())
    content = copy_content(tmp_path / "content", stretches=["cat-cow"])  # a shorter booklet has the same cover
    guide = content / "guide.yml"
    guide.write_text(guide.read_text(encoding="utf-8").replace("  logo: logo.svg\n", ""), encoding="utf-8")
    without, _ = booklet.render_pdf(make_context(content, tmp_path / "out"), "a5")
    assert "Example Physiotherapy Clinic" not in cover_figures(without)


def test_a_draft_booklet_says_so_on_every_page(tmp_path: Path) -> None:
    content = copy_content(tmp_path / "content", stretches=["cat-cow"])  # a shorter booklet will do
    context = make_context(content, tmp_path / "out", "--draft")
    assert booklet.render_booklet(context, tmp_path) == []
    for name in ("booklet-a5.pdf", "booklet-half-letter.pdf"):
        reader = PdfReader(tmp_path / "booklet" / name)
        assert all(DRAFT_MARK in page.extract_text() for page in reader.pages), name
    sides = PdfReader(tmp_path / "booklet" / "booklet-saddle-stitch-a4.pdf").pages
    assert DRAFT_MARK in sides[0].extract_text()


def test_a_final_booklet_carries_no_draft_mark(built: Path) -> None:
    reader = PdfReader(built / "booklet-a5.pdf")
    assert not any(DRAFT_MARK in page.extract_text() for page in reader.pages)


def test_an_unchanged_booklet_comes_from_the_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    content = copy_content(tmp_path / "content", stretches=["cat-cow"])  # a shorter booklet will do
    cache_dir = str(tmp_path / "cache")
    first, _ = booklet.render_pdf(make_context(content, tmp_path / "out", "--cache-dir", cache_dir), "a5")

    def refuse(*args: object) -> None:
        raise AssertionError("laid out again")

    monkeypatch.setattr(typeset, "run_job", refuse)
    again, _ = booklet.render_pdf(make_context(content, tmp_path / "out", "--cache-dir", cache_dir), "a5")
    assert again == first
    guide = content / "guide.yml"
    guide.write_text(guide.read_text(encoding="utf-8").replace('version: "1.0"', 'version: "2.0"', 1), encoding="utf-8")
    with pytest.raises(AssertionError, match="laid out again"):
        booklet.render_pdf(make_context(content, tmp_path / "out", "--cache-dir", cache_dir), "a5")


def test_a_library_too_large_to_staple_gets_no_booklet(tmp_path: Path) -> None:
    from stretchguide.models import BOOKLET_MAX_STRETCHES

    from .test_site import make_library

    content = make_library(tmp_path, BOOKLET_MAX_STRETCHES + 1)
    context = make_context(content, tmp_path / "out")
    assert not context.library.has_booklet
    plan = booklet.plan(context)
    assert list(plan.jobs) == []  # nothing is laid out
    assert plan.finish({}, tmp_path / "out") == []
    assert not (tmp_path / "out" / "booklet").exists()
    (content / "stretches" / f"s{BOOKLET_MAX_STRETCHES:03d}.yml").unlink()  # at the limit, it has one
    assert [key for key, _ in booklet.plan(make_context(content, tmp_path / "out")).jobs] == ["booklet"]
