"""The card cache and the worker pool: nothing stale is ever served, and no output depends on either."""

from __future__ import annotations

import dataclasses
import importlib.metadata
import logging
import re
import shutil
from pathlib import Path
from typing import Any

import pytest

from stretchguide import cache, cards, figures, i18n, pdf, translations
from stretchguide.models import BuildOptions, RenderContext
from stretchguide.pipeline import load_checked
from stretchguide.problems import ContentError
from stretchguide.templates import make_env

from .conftest import CONTENT, ROOT, copy_content

#: Three copies of default stretches on top of the five: a library of eight.
EXTRA = {"cat-cow": "cat-cow-2", "pigeon": "pigeon-2", "childs-pose": "childs-pose-2"}


def make_library(dest: Path) -> Path:
    """Write a library of the default guide plus renamed copies of three stretches into `dest`."""
    copy_content(dest)
    for base, new in EXTRA.items():
        text = (dest / "stretches" / f"{base}.yml").read_text(encoding="utf-8")
        text = re.sub(r"^title: (.*)$", r"title: \1 (again)", text, count=1, flags=re.M)
        (dest / "stretches" / f"{new}.yml").write_text(text, encoding="utf-8")
    return dest


def make_context(content: Path, cache_dir: Path | None, jobs: int = 1, theme: Path = ROOT / "theme",
                 **settings: object) -> RenderContext:
    """Load `content` as the pipeline does, with the given cache, worker count and settings."""
    options = BuildOptions(content_dir=content, out_dir=content.parent / "unused", theme_dir=theme,
                           docs_dir=ROOT / "docs", mkdocs_config=ROOT / "mkdocs.yml", jobs=jobs,
                           cache_dir=cache_dir, **settings)  # type: ignore[arg-type]
    library, _ = load_checked(content)
    return RenderContext(library, figures.draw_figures(library), options, make_env(theme))


def build(context: RenderContext, dest: Path, caplog: pytest.LogCaptureFixture) -> set[str]:
    """Render the cards into `dest`; return the identifiers of the documents actually rendered."""
    caplog.clear()
    with caplog.at_level(logging.DEBUG, logger="stretchguide.pdf"):
        assert cards.render_cards(context, dest) == []
    return {m.removeprefix("rendered ") for m in caplog.messages if m.startswith("rendered ")}


def tree(folder: Path) -> dict[str, bytes]:
    """Return every file below `folder` by relative path."""
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def keys(context: RenderContext) -> dict[tuple[str, str], str]:
    """Return the cache key of every document a build would render, by (kind, id)."""
    renderer = cards.CardRenderer(context)
    environment = pdf.environment_key(renderer.options)
    return {name: pdf.job_key(job, environment)
            for name, job, _ in cards.plan_jobs(renderer, cards.CARD_PAGES[context.card_size])}


@pytest.fixture(scope="module")
def library(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_library(tmp_path_factory.mktemp("library") / "content")


@pytest.fixture(scope="module")
def parallel(tmp_path_factory: pytest.TempPathFactory, library: Path) -> tuple[Path, Path]:
    """The library's cards rendered on two worker processes into an empty cache: (output, cache)."""
    out, store = tmp_path_factory.mktemp("parallel"), tmp_path_factory.mktemp("cache")
    assert cards.render_cards(make_context(library, store, jobs=2), out) == []
    return out, store


def test_parallel_serial_and_cached_builds_are_byte_identical(
        parallel: tuple[Path, Path], library: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    out, store = parallel
    serial = tmp_path / "serial"
    rendered = build(make_context(library, None, jobs=1), serial, caplog)
    assert len(rendered) == len(keys(make_context(library, None)))  # no cache: everything rendered
    assert tree(serial) == tree(out)
    again = tmp_path / "again"
    assert build(make_context(library, store, jobs=2), again, caplog) == set()  # all from the cache
    assert tree(again) == tree(out)
    assert len(tree(out)["cards/stretch-cards.pdf"]) > 0


def test_editing_one_stretch_renders_only_what_shows_it(
        parallel: tuple[Path, Path], library: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    _, warm = parallel
    store = tmp_path / "cache"
    shutil.copytree(warm, store)
    path = library / "stretches" / "pigeon.yml"
    original = path.read_text(encoding="utf-8")
    path.write_text(original.replace("title: ", "title: Edited ", 1), encoding="utf-8")
    try:
        title = "Partner stretches for the lower back"
        rendered = build(make_context(library, store, jobs=1), tmp_path / "edited", caplog)
        # Its card and the handout of the one routine that has it (one layout for A4 and Letter); nothing else.
        assert rendered == {f"{title}/pigeon", f"{title}/routine-lower-back-basics"}
        fresh = tmp_path / "fresh"
        build(make_context(library, None, jobs=2), fresh, caplog)
        assert tree(tmp_path / "edited") == tree(fresh)
        assert tree(fresh)["cards/pigeon.pdf"] != tree(parallel[0])["cards/pigeon.pdf"]
    finally:
        path.write_text(original, encoding="utf-8")


def test_deck_from_cached_cards_keeps_tags_metadata_and_bookmarks(parallel: tuple[Path, Path],
                                                                  library: Path) -> None:
    from pypdf import PdfReader

    deck = PdfReader(parallel[0] / "cards" / "stretch-cards.pdf")
    root: Any = deck.trailer["/Root"]
    tree_root = root["/StructTreeRoot"]
    assert root["/MarkInfo"]["/Marked"] and root["/Lang"] == "en"
    # One document element holding each card's tags; every page's marked content is reachable.
    document: Any = tree_root["/K"].get_object()
    lib, _ = load_checked(library)
    assert document["/S"] == "/Document" and len(document["/K"]) == 1 + len(lib.stretches)
    nums = tree_root["/ParentTree"]["/Nums"]
    parents = {int(str(k)) for k in nums[::2]}
    assert {int(str(page["/StructParents"])) for page in deck.pages} <= parents
    assert int(str(tree_root["/ParentTreeNextKey"])) == max(parents) + 1
    titles = [item.title for item in deck.outline if not isinstance(item, list)]
    assert titles == [lib.guide.title, *(s.title for s in lib.stretches.values())]
    assert deck.metadata is not None and deck.metadata.title == lib.guide.title
    assert deck.metadata.author == lib.guide.branding.clinic_name


def test_a_template_stylesheet_font_or_setting_changes_exactly_the_documents_it_shapes(
        library: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    theme = tmp_path / "theme"
    shutil.copytree(ROOT / "theme", theme)
    base = keys(make_context(library, None, theme=theme))

    def changed(after: dict[tuple[str, str], str]) -> set[tuple[str, str]]:
        assert after.keys() == base.keys()
        return {name for name in base if base[name] != after[name]}

    stretch_cards = {(kind, sid) for kind, sid in base if kind == "card" and sid != cards.COVER_ID}
    # A card template: every stretch card; not the cover, handouts or sheets.
    template = theme / "cards" / "stretch.html"
    text = template.read_text(encoding="utf-8")
    assert '<h1 class="face__title"' in text
    template.write_text(text.replace('<h1 class="face__title"', '<h1 class="face__title" data-x'),
                        encoding="utf-8")
    assert changed(keys(make_context(library, None, theme=theme))) == stretch_cards
    shutil.copy2(ROOT / "theme" / "cards" / "stretch.html", template)
    assert changed(keys(make_context(library, None, theme=theme))) == set()
    # The stylesheet, or a font file: everything.
    with (theme / "cards" / "cards.css").open("a", encoding="utf-8") as css:
        css.write("\n/* changed */\n")
    assert changed(keys(make_context(library, None, theme=theme))) == set(base)
    shutil.copy2(ROOT / "theme" / "cards" / "cards.css", theme / "cards" / "cards.css")
    font = theme / "fonts" / "atkinson-hyperlegible-latin-700-normal.woff2"
    font.write_bytes(font.read_bytes() + b"\0")
    assert changed(keys(make_context(library, None, theme=theme))) == set(base)
    shutil.copy2(ROOT / "theme" / "fonts" / font.name, font)
    # Card size: the cards and the sheet overlays; the handouts stay.
    small = changed(keys(make_context(library, None, theme=theme, card_size="4x6in")))
    assert small == {name for name in base if name[0] in ("card", "marks", "fold-marks")}
    # The back offset: only the calibration sheets (the sheets themselves are always reassembled).
    guide = library / "guide.yml"
    original = guide.read_text(encoding="utf-8")
    assert "\nprint:" not in original
    guide.write_text(original + "print:\n  back_offset_mm: {x: 1.5, y: 0}\n", encoding="utf-8")
    try:
        shifted = changed(keys(make_context(library, None, theme=theme)))
    finally:
        guide.write_text(original, encoding="utf-8")
    assert shifted == {("calibration", "a4"), ("calibration", "letter")}
    # A new version of the tool, or of WeasyPrint: everything.
    monkeypatch.setattr(pdf, "__version__", "999")
    assert changed(keys(make_context(library, None, theme=theme))) == set(base)
    monkeypatch.undo()
    installed = importlib.metadata.version
    monkeypatch.setattr(importlib.metadata, "version", lambda name: "999" if name == "weasyprint" else installed(name))
    assert changed(keys(make_context(library, None, theme=theme))) == set(base)


def test_a_linked_file_such_as_the_logo_is_part_of_the_key(tmp_path: Path) -> None:
    logo = tmp_path / "logo.png"
    logo.write_bytes(b"one")
    job = pdf.Job(ident="x", html=f'<img src="{logo.as_uri()}">', what="x", label="x",
                  options=pdf.RenderOptions("file:///", ()))
    before = pdf.job_key(job, "env")
    logo.write_bytes(b"two")
    assert pdf.job_key(job, "env") != before


def test_a_damaged_or_partial_entry_is_never_served(tmp_path: Path) -> None:
    store = cache.Store(tmp_path, "cards")
    key = cache.digest("a key")
    store.put(key, b"%PDF-1.7 bytes", {"pages": {}, "warnings": []})
    hit = store.get(key)
    assert hit is not None and hit[0] == b"%PDF-1.7 bytes" and hit[1]["pages"] == {}
    entry = tmp_path / "cards" / key[:2] / f"{key}.bin"
    entry.write_bytes(b"%PDF-1.7 bytez")
    assert store.get(key) is None
    (tmp_path / "cards" / key[:2] / f"{key}.json").unlink()
    assert store.get(key) is None
    assert cache.Store(None, "cards").get(key) is None
    assert cache.digest("ab", "c") != cache.digest("a", "bc")
    # An entry written from its pieces (the files of the decks and sheets, one at a time) is read
    # back joined, and checked as one.
    pieces = cache.digest("pieces")
    store.put(pieces, (part for part in (b"%PDF-deck", b"", b"%PDF-sheets")), {"files": 2})
    hit = store.get(pieces)
    assert hit is not None and hit[0] == b"%PDF-deck%PDF-sheets" and hit[1]["files"] == 2


def test_figures_and_qr_codes_from_the_cache_are_the_ones_drawn_fresh(tmp_path: Path) -> None:
    library, _ = load_checked(CONTENT)
    store = cache.Store(tmp_path, "figures")
    fresh = figures.draw_figures(library)
    assert figures.draw_figures(library, store=store) == fresh  # drawn and stored
    assert len(list((tmp_path / "figures").rglob("*.bin"))) == 2 * len(fresh)  # each figure, and its drawing
    assert figures.draw_figures(library, store=store) == fresh  # read back
    # What a figure shows is part of its key: another target area highlights another part
    # (child's pose: its figure highlights its target areas, having no `highlight:` of its own).
    childs = library.stretches["childs-pose"].model_copy(update={"target_areas": ["hamstrings"]})
    changed = dataclasses.replace(library, stretches={**library.stretches, "childs-pose": childs})
    redrawn = figures.draw_figures(changed, store=store)["childs-pose"]
    assert redrawn == figures.draw_figures(changed)["childs-pose"]
    assert redrawn != fresh["childs-pose"]

    codes = cache.Store(tmp_path, "qr")
    url = "https://stretches.example.org/stretches/pigeon/"
    assert cards.qr_svg(url, "QR", codes) == cards.qr_svg(url, "QR", codes) == cards.qr_svg(url, "QR")
    assert cards.qr_svg(url + "x", "QR", codes) == cards.qr_svg(url + "x", "QR") != cards.qr_svg(url, "QR")



def test_a_drawing_is_made_once_for_every_language_and_every_stretch_drawn_alike(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    library, _ = load_checked(CONTENT)
    spanish = translations.localise(library, "es")
    with i18n.activate(i18n.load_language(ROOT / "theme", "es")):
        fresh = figures.draw_figures(spanish)
    store = cache.Store(tmp_path, "figures")
    figures.draw_figures(library, store=store)
    placed: list[object] = []
    place_frame = figures.place_frame
    monkeypatch.setattr(figures, "place_frame", lambda *args: placed.append(args) or place_frame(*args))
    # The Spanish figures reuse the English drawings, with their own words: alt text and captions.
    with i18n.activate(i18n.load_language(ROOT / "theme", "es")):
        assert figures.draw_figures(spanish, store=store) == fresh
    assert "Vaca" in fresh["cat-cow"].svg and not placed
    # A second stretch in the same position (its own name and words) is not drawn again either.
    twin = library.stretches["pigeon"].model_copy(update={"id": "pigeon-twin", "title": "Pigeon again"})
    twins = dataclasses.replace(library, stretches={**library.stretches, "pigeon-twin": twin})
    svg = figures.draw_figures(twins, store=store)["pigeon-twin"].svg
    assert not placed
    pigeon = figures.draw_figures(library)["pigeon"].svg
    assert svg.replace('data-stretch="pigeon-twin"', 'data-stretch="pigeon"') == pigeon


def test_cards_cached_on_a_machine_with_other_text_libraries_are_rendered_again(
        tmp_path: Path, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch) -> None:
    content = copy_content(tmp_path / "content", stretches=["cat-cow"])  # its card, cover and handouts are enough
    context = make_context(content, tmp_path / "cache")
    first = build(context, tmp_path / "first", caplog)
    assert first and build(context, tmp_path / "again", caplog) == set()
    # The same cache on a machine without HarfBuzz's subset library: other bytes, another warning.
    monkeypatch.setattr(pdf, "text_libraries", lambda: ("pango-1.0 1.50.12", "harfbuzz 6.0.0",
                                                          "font subsetting: fontTools"))
    assert build(context, tmp_path / "other-machine", caplog) == first


def test_a_warning_about_the_machine_is_printed_once_and_blames_no_content_file(
        caplog: pytest.LogCaptureFixture) -> None:
    renderer = cards.CardRenderer(make_context(CONTENT, None))
    message = ('Using fontTools instead of HarfBuzz-Subset for font "Atkinson Hyperlegible". This will be '
               "unsupported in future versions of WeasyPrint.")
    renderer.note_all([f"pigeon: {message}", f"cat-cow: {message}", "cat-cow: Ignored `colr: red`"],
                      CONTENT / "stretches" / "cat-cow.yml")
    assert [p.message for p in renderer.warnings] == ["cat-cow: Ignored `colr: red`"]
    with caplog.at_level(logging.WARNING, logger="stretchguide.cards"):
        renderer.report_machine()
    assert [m for m in caplog.messages if m.startswith("this machine: ")] == [
        f"this machine: {message} (on Debian: apt-get install libharfbuzz-subset0; `make build` installs it)"]


def test_a_figure_found_sound_before_is_checked_again_when_it_or_its_pose_changes(tmp_path: Path) -> None:
    content = copy_content(tmp_path / "content")
    cache_dir = tmp_path / "cache"
    load_checked(content, cache_dir=cache_dir)  # every figure is sound, and remembered so
    assert any((cache_dir / "checks").rglob("*.bin"))
    stretch = content / "stretches" / "kneeling-hip-flexor.yml"
    text = stretch.read_text(encoding="utf-8")
    assert "pose: half-kneeling" in text
    # The figure itself changes: its knee bent backwards is found with the cache warm.
    stretch.write_text(re.sub(r"^figure:\n(?:[ #].*\n|\n)*", "", text, flags=re.M).rstrip("\n")
                       + "\nfigure:\n  frames:\n    - pose: half-kneeling\n      joints:\n        near_knee: -20\n",
                       encoding="utf-8")
    with pytest.raises(ContentError, match="problem"):
        load_checked(content, cache_dir=cache_dir)
    stretch.write_text(text, encoding="utf-8")
    load_checked(content, cache_dir=cache_dir)
    # Only a pose changes: every figure is checked again against it (and found sound anew).
    before = set((cache_dir / "checks").rglob("*.bin"))
    pose = content / "poses" / "half-kneeling.yml"
    pose.write_text(pose.read_text(encoding="utf-8").replace("near_knee: 79", "near_knee: 80"), encoding="utf-8")
    load_checked(content, cache_dir=cache_dir)
    assert set((cache_dir / "checks").rglob("*.bin")) - before
