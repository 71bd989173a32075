"""Credits of the figures and the typeface: the model, the site page, handouts, booklet and JSON data."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from pypdf import PdfReader

from stretchguide import booklet, cards, embeds, figures, site
from stretchguide.cli import main, make_parser, options_from
from stretchguide.models import DRAWN_BY_GUIDE, RenderContext
from stretchguide.pipeline import load_checked
from stretchguide.templates import make_env

CREDIT = """\
  credit:
    title: Cat and cow, drawn by hand
    author: Jane Drawer
    source: https://example.org/drawings/cat-cow
    licence: CC BY 4.0
"""


@pytest.fixture
def credited(content_copy: Path) -> Path:
    """The default content with a credit of its own on the cat-cow figure."""
    path = content_copy / "stretches" / "cat-cow.yml"
    path.write_text(path.read_text(encoding="utf-8").replace("figure:\n", "figure:\n" + CREDIT, 1), encoding="utf-8")
    return content_copy


def make_context(content: Path, out: Path) -> RenderContext:
    options = options_from(make_parser().parse_args(["build", "--content", str(content), "--out", str(out)]))
    library, _ = load_checked(content)
    return RenderContext(library, figures.draw_figures(library), options, make_env(options.theme_dir))


def test_figures_are_credited_to_their_author_or_to_the_guide(credited: Path) -> None:
    library, _ = load_checked(credited)
    entries = {entry.stretch_id: entry for entry in library.credits()}
    assert entries["cat-cow"].credit.author == "Jane Drawer"
    assert entries["cat-cow"].credit.licence == "CC BY 4.0"
    assert entries["childs-pose"].credit.author == DRAWN_BY_GUIDE
    assert entries["childs-pose"].credit.licence == library.guide.licence == "CC BY-SA 4.0"
    assert entries[None].credit.title == "Atkinson Hyperlegible (typeface)"
    assert entries[None].credit.licence == "SIL Open Font License 1.1"
    assert [entry.stretch_id for entry in library.credits(["pigeon", "cat-cow"])] == ["pigeon", "cat-cow", None]
    assert [entry.stretch_id for entry in library.credits()] == [  # by title, as the site lists stretches
        "cat-cow", "childs-pose", "kneeling-hip-flexor", "pigeon", "figure-four", "seated-forward-bend", None]


def test_a_credit_without_author_or_with_a_bad_source_is_an_error(content_copy: Path,
                                                                  capsys: pytest.CaptureFixture[str]) -> None:
    path = content_copy / "stretches" / "cat-cow.yml"
    text = path.read_text(encoding="utf-8")
    bad = "figure:\n  credit:\n    licence: CC BY 4.0\n    source: example.org\n"
    path.write_text(text.replace("figure:\n", bad, 1), encoding="utf-8")
    assert main(["check", "--content", str(content_copy), "-q"]) == 1
    err = capsys.readouterr().err
    credit_line = path.read_text(encoding="utf-8").splitlines().index("  credit:") + 1
    assert f"cat-cow.yml:{credit_line}:" in err and "figure.credit.author" in err
    assert "figure.credit.source" in err and "http" in err


def test_credits_page_lists_every_figure_and_the_font_for_clinics(credited: Path, tmp_path: Path) -> None:
    context = make_context(credited, tmp_path / "out")
    files = site.page_files(context)
    page = files["credits.md"].decode("utf-8")
    assert ('<a href="https://example.org/drawings/cat-cow" rel="noopener">Cat and cow, drawn by hand</a>. '
            "Jane Drawer. Licence: CC BY 4.0.") in page
    assert ("<strong>Figure: Child&#39;s pose</strong>. Drawn by the guide from pose data. "
            "Licence: CC BY-SA 4.0.") in page
    assert "Atkinson Hyperlegible" in page and "SIL Open Font License 1.1" in page
    assert page.count("Credits") == 1  # the page's title, not a second heading
    assert "\nsearch: {\"exclude\": true}\n" in page  # out of the patients' search results
    nav = site.site_nav(context, files)
    clinics = next(entry["For clinics"] for entry in nav if "For clinics" in entry)
    assert {"Credits": "credits.md"} in clinics


def test_handout_ends_with_the_credits_of_its_figures(credited: Path, tmp_path: Path) -> None:
    context = make_context(credited, tmp_path / "out")
    renderer = cards.CardRenderer(context)
    routine = context.library.routines["lower-back-basics"]
    path = tmp_path / "handout.pdf"
    path.write_bytes(renderer.handout(routine, "a4"))
    text = " ".join(subprocess.run(["pdftotext", "-enc", "UTF-8", str(path), "-"], capture_output=True, check=True,
                                   text=True).stdout.split())
    credits = text.split("Credits", 1)[1]
    assert "Figures of Cat-cow (Cat and cow, drawn by hand) https://example.org/drawings/" in credits
    assert "cat-cow: Jane Drawer, CC BY 4.0." in credits
    assert "Pigeon stretch, Seated forward bend, Child's pose: Drawn by the guide from pose data, CC BY-SA 4.0." \
           in credits
    assert "Atkinson Hyperlegible (typeface), Braille Institute of America, SIL Open Font License 1.1" in credits
    assert "Reclined figure-four" not in credits  # only the handout's own figures


def test_booklet_credits_every_figure(credited: Path, tmp_path: Path) -> None:
    data, _ = booklet.render_pdf(make_context(credited, tmp_path / "out"), "a5")
    path = tmp_path / "booklet.pdf"
    path.write_bytes(data)
    text = " ".join(" ".join(page.extract_text() for page in PdfReader(path).pages).split())
    assert "Jane Drawer. Licence: CC BY 4.0." in text
    assert "Figure: Reclined figure-four. Drawn by the guide from pose data." in text
    assert "SIL Open Font License 1.1" in text


def test_json_data_carries_the_credits(credited: Path, tmp_path: Path) -> None:
    context = make_context(credited, tmp_path / "out")
    data = embeds.stretch_data(context, context.library.stretches["cat-cow"])
    assert data["credits"][0] == {"what": "Figure: Cat-cow", "stretch": "cat-cow", "name": "Cat-cow",
                                  "title": "Cat and cow, drawn by hand", "author": "Jane Drawer", "source": "https://example.org/drawings/cat-cow",
                                  "licence": "CC BY 4.0"}
    assert data["credits"][-1]["title"] == "Atkinson Hyperlegible (typeface)"
    routine = embeds.routine_data(context, context.library.routines["lower-back-basics"])
    assert [entry["stretch"] for entry in routine["credits"]][:2] == ["cat-cow", "kneeling-hip-flexor"]
    assert routine["credits"][1]["author"] == DRAWN_BY_GUIDE
