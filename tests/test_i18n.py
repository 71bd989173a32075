"""Interface words from the theme's catalogues, and every output in every language of the guide."""

from __future__ import annotations

import io
import json
import re
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pypdf
import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po

from stretchguide import i18n
from stretchguide.cli import main
from stretchguide.models import Dose
from stretchguide.problems import ContentError
from tests.conftest import DESKTOP, PHONE, ROOT, copy_content, fresh_cache, require_debian_packages
from tests.test_site_browser import axe_violations

SPANISH = ROOT / "theme" / "locale" / "es" / "LC_MESSAGES" / "messages.po"
RTL = ROOT / "tests" / "data" / "rtl"


def used_messages() -> set[str | tuple[str, str]]:
    """Every message id the templates and the code ask for, found by Babel's extractors (babel.cfg)."""
    with open(ROOT / "babel.cfg", encoding="utf-8") as config:
        method_map, options_map = parse_mapping_cfg(config)
    keywords = {"_": None, "gettext": None, "ngettext": (1, 2), "N_": None,
                "pgettext": ((1, "c"), 2), "npgettext": ((1, "c"), 2, 3)}
    found: set[str | tuple[str, str]] = set()
    for _file, _line, message, _comments, context in extract_from_dir(
            str(ROOT), method_map, options_map, keywords=keywords):
        singular = message[0] if isinstance(message, tuple) else message
        found.add((context, singular) if context else singular)
    return found


def test_every_message_of_the_templates_and_code_has_a_spanish_translation() -> None:
    with open(SPANISH, "rb") as handle:
        catalogue = read_po(handle)
    translated = {(m.context, m.id[0] if isinstance(m.id, tuple) else m.id) if m.context else
                  (m.id[0] if isinstance(m.id, tuple) else m.id)
                  for m in catalogue if m.id and all(m.string if isinstance(m.string, tuple) else [m.string])}
    used = used_messages()
    assert "Dose:" in used and ("one exercise", "Stretch") in used  # the extractors see templates and contexts
    missing = sorted(map(str, used - translated))
    assert not missing, f"messages without a Spanish translation in {SPANISH.name}; run `make messages`: {missing}"


def language(tmp_path: Path, tag: str, po: str) -> i18n.Language:
    folder = tmp_path / "theme" / "locale" / tag / "LC_MESSAGES"
    folder.mkdir(parents=True)
    (folder / "messages.po").write_text(po, encoding="utf-8")
    return i18n.load_language(tmp_path / "theme", tag)


def test_a_message_missing_from_a_catalogue_is_shown_in_english(tmp_path: Path) -> None:
    spanish = language(tmp_path, "es", 'msgid ""\nmsgstr ""\n"Language: es\\n"\n\n'
                       'msgid "Stop if"\nmsgstr "Pare si"\n\nmsgid "Avoid if"\nmsgstr ""\n')
    with i18n.activate(spanish):
        assert i18n.gettext("Stop if") == "Pare si"
        assert i18n.gettext("Avoid if") == "Avoid if"  # left empty
        assert i18n.gettext("Dose:") == "Dose:"  # not in the catalogue at all
    assert i18n.gettext("Stop if") == "Stop if"  # outside the block: English again


def test_plurals_numbers_and_ranges_follow_the_language() -> None:
    spanish = i18n.load_language(ROOT / "theme", "es")
    reps = Dose(reps={"min": 8, "max": 10}, sides="each", sets=2)
    one = Dose(reps={"min": 1, "max": 1})
    with i18n.activate(spanish):
        assert reps.line("reps") == "8–10 repeticiones lentas · cada lado · 2 series"
        assert one.line("reps") == "1 repetición lenta"
        assert i18n.number(1.5) == "1,5"
        assert i18n.span(15, 30) == "15–30"
    english = i18n.load_language(ROOT / "theme", "en")
    with i18n.activate(english):
        assert reps.line("reps") == "8–10 slow repetitions · each side · 2 sets"
        assert one.line("reps") == "1 slow repetition"
        assert i18n.number(1.5) == "1.5"


def test_a_broken_catalogue_is_an_error_at_its_line(tmp_path: Path) -> None:
    with pytest.raises(ContentError) as caught:
        language(tmp_path, "fr", 'msgid "Stop if"\nmsgstr "Arrêtez si"\n\nmsgid "Avoid if"\nmsgtsr "Évitez si"\n')
    problem, = caught.value.problems
    assert problem.path.name == "messages.po" and problem.line == 5


def test_each_language_has_its_own_site_with_the_same_pages(built_site: Path) -> None:
    english = (built_site / "stretches" / "pigeon" / "index.html").read_text(encoding="utf-8")
    spanish = (built_site / "es" / "stretches" / "pigeon" / "index.html").read_text(encoding="utf-8")
    assert '<html lang="en"' in english and '<html lang="es"' in spanish
    assert "Estiramiento de la paloma" in spanish and "<strong class=\"sg-dose__label\">Dosis:</strong>" in spanish
    assert "Pigeon" in english and "Dosis:" not in english
    # The switcher and the hreflang links lead to the same page in the other language.
    assert 'href="../../../stretches/pigeon/" hreflang="en"' in spanish
    assert 'href="../../es/stretches/pigeon/" hreflang="es"' in english
    assert re.search(r'<link rel="alternate" href="https://[^"]+/es/stretches/pigeon/" hreflang="es">', english)
    # Material's own words are Spanish too, and each language has its own search index.
    assert 'placeholder="Búsqueda"' in spanish
    index = json.loads((built_site / "es" / "search" / "search_index.json").read_text(encoding="utf-8"))
    assert index["config"]["lang"] == ["es"] and any("paloma" in doc["text"] for doc in index["docs"])
    # Every page's front matter is read as such (a page showing "title:" as text lost it).
    for home in (built_site / "index.html", built_site / "es" / "index.html"):
        text = home.read_text(encoding="utf-8")
        assert "title: " not in text, home
    # The timer speaks and writes Spanish.
    timer = json.loads(re.search(r'id="sg-timer-data">(.*?)</script>', spanish, re.S)[1])
    assert timer["lang"] == "es" and timer["words"]["left"] == "Lado izquierdo"


def pdf_text(path: Path) -> str:
    return " ".join(" ".join(page.extract_text().split()) for page in pypdf.PdfReader(path).pages)


def test_cards_handouts_and_embeds_exist_in_each_language(built_site: Path) -> None:
    card = pdf_text(built_site / "es" / "cards" / "pigeon.pdf")
    assert "Estiramiento de la paloma" in card and "Dosis:" in card and "Pare si" in card.replace("PARE SI", "Pare si")
    assert "Pigeon" in pdf_text(built_site / "cards" / "pigeon.pdf")
    assert "Mi semana" in pdf_text(built_site / "es" / "cards" / "routine-lower-back-basics-a4.pdf")
    assert pypdf.PdfReader(built_site / "es" / "cards" / "stretch-cards.pdf").metadata is not None
    embed = (built_site / "es" / "embed" / "pigeon" / "index.html").read_text(encoding="utf-8")
    assert '<html lang="es" dir="ltr"' in embed and "Colóquese en posición" in embed
    assert 'href="../../../embed/embed.css"' in embed  # the shared stylesheet: one copy for every language
    assert (built_site / "embed" / "embed.css").is_file()
    data = json.loads((built_site / "es" / "api" / "stretches" / "pigeon.json").read_text(encoding="utf-8"))
    assert data["guide"]["language"] == "es" and data["links"]["page"] == "es/stretches/pigeon/"
    assert data["stretch"]["title"] == "Estiramiento de la paloma" and data["untranslated"] is False
    oembed = json.loads((built_site / "es" / "embed" / "pigeon" / "oembed.json").read_text(encoding="utf-8"))
    assert "/es/embed/pigeon/" in oembed["html"]
    words = json.loads((built_site / "embed" / "words" / "es.json").read_text(encoding="utf-8"))
    assert words["dose"] == "Dosis:" and "{stretch}" in words["do_instead"]
    languages = json.loads((built_site / "embed" / "languages.json").read_text(encoding="utf-8"))
    assert languages == {"default": "en", "languages": {"en": {"dir": "ltr", "tree": ""},
                                                         "es": {"dir": "ltr", "tree": "es/"}}}
    headers = (built_site / "_headers").read_text(encoding="utf-8")
    assert "\n/es/embed/*\n  Content-Security-Policy: frame-ancestors *" in headers


@pytest.fixture(scope="module")
def fallback_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The default guide written in en-GB, its Spanish translation of the pigeon stretch taken away.

    Three stretches are enough: the pigeon stretch untranslated, its alternative and cat-cow translated.
    """
    content = copy_content(tmp_path_factory.mktemp("fallback") / "content", languages=True,
                           stretches=["cat-cow", "pigeon", "figure-four"])
    (content / "translations" / "es" / "stretches" / "pigeon.yml").unlink()
    guide = content / "guide.yml"
    guide.write_text(re.sub(r"(?m)^language: en$", "language: en-GB", guide.read_text(encoding="utf-8")),
                     encoding="utf-8")
    out = content.parent / "site"
    assert main(["build", "--content", str(content), "--out", str(out), "--quiet",
                 "--cache-dir", str(fresh_cache(tmp_path_factory))]) == 0
    return out


def test_html_lang_is_the_guides_tag_exactly(fallback_site: Path) -> None:
    page = (fallback_site / "stretches" / "pigeon" / "index.html").read_text(encoding="utf-8")
    assert '<html lang="en-GB"' in page  # Material alone writes "en"
    assert 'hreflang="en-GB"' in page


def test_an_untranslated_stretch_is_shown_in_the_default_language_with_a_notice(fallback_site: Path) -> None:
    page = (fallback_site / "es" / "stretches" / "pigeon" / "index.html").read_text(encoding="utf-8")
    assert "Todavía no traducido" in page and "se muestra en inglés" in page
    assert '<h1 lang="en-GB">Pigeon stretch</h1>' in page
    assert re.search(r'<ol class="sg-steps" lang="en-GB">', page)
    assert "Dosis:" in page  # the interface stays in the reader's language
    translated = (fallback_site / "es" / "stretches" / "cat-cow" / "index.html").read_text(encoding="utf-8")
    assert "Todavía no traducido" not in translated
    # Links to it from the Spanish pages work: the page exists, and so do its card and embed.
    index = (fallback_site / "es" / "stretches" / "index.html").read_text(encoding="utf-8")
    assert 'href="pigeon/"' in index
    assert "Todavía no traducido" in pdf_text(fallback_site / "es" / "cards" / "pigeon.pdf")
    embed = (fallback_site / "es" / "embed" / "pigeon" / "index.html").read_text(encoding="utf-8")
    assert "Todavía no traducido" in embed and '<h1 class="sg-embed__title" lang="en-GB">' in embed
    data = json.loads((fallback_site / "es" / "api" / "stretches" / "pigeon.json").read_text(encoding="utf-8"))
    assert data["untranslated"] is True


def test_pages_for_clinic_staff_say_they_are_in_the_default_language(fallback_site: Path) -> None:
    # The printing, embed and credits pages and the hand-written pages exist in the default
    # language only: another language's site marks their text as such, with a notice in its own.
    for name in ("printing", "credits", "about"):
        page = (fallback_site / "es" / name / "index.html").read_text(encoding="utf-8")
        article = page[page.index("<article"):page.index("</article>")]
        assert re.search(r'<article[^>]*>\s*<div lang="en-GB">', article), name
        assert '<p class="sg-untranslated" role="note" lang="es">' in article, name
        english = (fallback_site / name / "index.html").read_text(encoding="utf-8")
        assert "sg-untranslated" not in english and '<div lang="en-GB">' not in english, name


@pytest.fixture(scope="module")
def rtl_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Child's pose alone, with a short Arabic sample of it and a tiny Arabic catalogue."""
    content = copy_content(tmp_path_factory.mktemp("rtl") / "content", stretches=["childs-pose"])
    shutil.copytree(RTL / "translations", content / "translations")
    out = content.parent / "site"
    assert main(["build", "--content", str(content), "--theme", str(RTL / "theme"), "--out", str(out), "--quiet",
                 "--cache-dir", str(fresh_cache(tmp_path_factory))]) == 0
    return out


def test_a_right_to_left_language_is_marked_so_everywhere(rtl_site: Path) -> None:
    page = (rtl_site / "ar" / "stretches" / "childs-pose" / "index.html").read_text(encoding="utf-8")
    assert '<html lang="ar"' in page and '<body dir="rtl"' in page and "الخطوات" in page
    embed = (rtl_site / "ar" / "embed" / "childs-pose" / "index.html").read_text(encoding="utf-8")
    assert '<html lang="ar" dir="rtl"' in embed
    languages = json.loads((rtl_site / "embed" / "languages.json").read_text(encoding="utf-8"))
    assert languages["languages"]["ar"] == {"dir": "rtl", "tree": "ar/"}


def test_a_right_to_left_card_has_its_step_numbers_on_the_right(rtl_site: Path, tmp_path: Path) -> None:
    require_debian_packages([] if shutil.which("pdftotext") else ["poppler-utils"], "reading word positions")

    def numbers(pdf: Path) -> tuple[float, list[float]]:
        """The page width and the left edge of each step number ("1." to "5.", or ".1" read right to left)."""
        out = tmp_path / f"{pdf.parent.name}-{pdf.stem}.html"
        subprocess.run(["pdftotext", "-bbox", "-f", "1", "-l", "1", str(pdf), str(out)], check=True)
        text = out.read_text(encoding="utf-8")
        width = float(re.search(r'<page width="([\d.]+)"', text)[1])
        return width, [float(x) for x in re.findall(r'<word xMin="([\d.]+)"[^>]*>(?:[1-5]\.|\.[1-5])</word>', text)]

    width, arabic = numbers(rtl_site / "ar" / "cards" / "childs-pose.pdf")
    assert len(arabic) >= 6 and all(x > width / 2 for x in arabic), arabic
    width, english = numbers(rtl_site / "cards" / "childs-pose.pdf")
    assert len(english) >= 6 and all(x < width / 4 for x in english), english


# ---- In a browser ------------------------------------------------------------------------


def dark_pixels(png: bytes) -> int:
    """Count the pixels of a screenshot dark enough to be text."""
    from PIL import Image

    image = Image.open(io.BytesIO(png)).convert("L")
    return sum(image.histogram()[:110])


@pytest.mark.browser
def test_spanish_pages_pass_axe(browser: Any, built_site: Path, serve_dir: Callable[..., str]) -> None:
    base = serve_dir(built_site)
    page = browser.new_page(viewport=PHONE)
    try:
        for path in ("es/", "es/stretches/pigeon/", "es/routines/lower-back-basics/", "es/before-you-start/"):
            page.goto(base + path)
            assert page.evaluate("document.documentElement.lang") == "es"
            violations = axe_violations(page)
            assert not violations, (path, violations)
    finally:
        page.close()


@pytest.mark.browser
def test_the_language_switcher_leads_to_the_same_stretch(browser: Any, built_site: Path,
                                                         serve_dir: Callable[..., str]) -> None:
    base = serve_dir(built_site)
    page = browser.new_page(viewport=DESKTOP)
    try:
        page.goto(base + "stretches/pigeon/")
        page.locator(".md-select button").hover()
        page.locator('.md-select__link[hreflang="es"]').click()
        page.wait_for_url(base + "es/stretches/pigeon/")
        assert page.locator("h1").inner_text() == "Estiramiento de la paloma"
        page.locator(".md-select button").hover()
        page.locator('.md-select__link[hreflang="en"]').click()
        page.wait_for_url(base + "stretches/pigeon/")
        assert page.locator("h1").inner_text() == "Pigeon stretch"
    finally:
        page.close()


@pytest.mark.browser
def test_the_web_component_shows_the_language_it_is_given(browser: Any, built_site: Path, tmp_path: Path,
                                                          serve_dir: Callable[..., str]) -> None:
    from tests.test_embeds_browser import HostedHandler

    guide = serve_dir(built_site, "127.0.0.1", HostedHandler)
    (tmp_path / "host.html").write_text(
        '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Clinic</title></head><body>'
        '<stretch-card id="es" stretch="pigeon" lang="es"></stretch-card>'
        '<stretch-card id="mx" stretch="pigeon" lang="es-MX"></stretch-card>'
        '<stretch-card id="en" stretch="pigeon"></stretch-card>'
        f'<script src="{guide}embed/stretch-card.js" defer></script></body></html>', encoding="utf-8")
    page = browser.new_page(viewport=PHONE)
    try:
        page.goto(serve_dir(tmp_path, host="127.0.0.2") + "host.html")
        for card in ("es", "mx", "en"):
            page.locator(f"#{card} .sg-embed__title").wait_for()
        spanish = page.locator("#mx article")
        assert spanish.get_attribute("lang") == "es"
        assert page.locator("#mx .sg-embed__title").inner_text() == "Estiramiento de la paloma"
        assert page.locator("#mx .sg-dose__label").inner_text() == "Dosis:"
        assert "Colóquese en posición" in page.locator("#es .sg-embed__columns").inner_text()
        assert page.locator("#en .sg-dose__label").inner_text() == "Dose:"
    finally:
        page.close()


@pytest.mark.browser
def test_a_right_to_left_page_has_its_step_numbers_on_the_right(browser: Any, rtl_site: Path,
                                                                serve_dir: Callable[..., str]) -> None:
    base = serve_dir(rtl_site)
    page = browser.new_page(viewport=PHONE)
    try:
        for path, numbers_right in (("ar/stretches/childs-pose/", True), ("stretches/childs-pose/", False)):
            page.goto(base + path)
            item = page.locator("ol.sg-steps li").first
            item.scroll_into_view_if_needed()
            box = item.bounding_box()  # in the viewport, where the screenshot clips
            assert box is not None
            # The step number sits outside its item: beside its right edge in Arabic, its left in English.
            right = page.screenshot(clip={"x": box["x"] + box["width"], "y": box["y"], "width": 28,
                                          "height": 20})
            left = page.screenshot(clip={"x": max(box["x"] - 28, 0), "y": box["y"], "width": 28, "height": 20})
            beside, other = (right, left) if numbers_right else (left, right)
            assert dark_pixels(beside) > 10 and dark_pixels(other) == 0, path
    finally:
        page.close()
