"""The hosted guide in a real browser: pages, phone layout, search, print, privacy, axe.

The timer and the routine player have their own tests (test_site_player.py).
"""

from __future__ import annotations

import io
import json
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pypdf
import pytest

from stretchguide import figures
from stretchguide.models import BuildOptions, Library, RenderContext
from stretchguide.pipeline import load_checked
from stretchguide.site import render_site
from stretchguide.templates import make_env
from tests.conftest import CONTENT, DESKTOP, PHONE, ROOT

pytestmark = [pytest.mark.browser]

AXE_JS = Path(__import__("axe_playwright_python").__file__).parent / "axe.min.js"
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
VIEWPORTS = {"phone": PHONE, "desktop": DESKTOP}


@pytest.fixture(scope="module")
def library() -> Library:
    return load_checked(CONTENT)[0]


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory, library: Library) -> Path:
    """The default guide's site stage alone (cards and embeds have their own tests)."""
    out = tmp_path_factory.mktemp("site-browser") / "site"
    options = BuildOptions(content_dir=CONTENT, out_dir=out, theme_dir=ROOT / "theme", docs_dir=ROOT / "docs",
                           mkdocs_config=ROOT / "mkdocs.yml", cache_dir=out.parent / "cache")
    out.mkdir(parents=True)
    render_site(RenderContext(library, figures.draw_figures(library), options, make_env(options.theme_dir)), out)
    return out


@pytest.fixture(scope="module")
def base_url(site: Path, serve_dir: Callable[..., str]) -> str:
    return serve_dir(site)


@pytest.fixture
def open_page(browser: Any, base_url: str) -> Iterator[Callable[..., Any]]:
    """Open a fresh page (viewport, colour scheme) that fails the test on any non-local request."""
    contexts: list[Any] = []
    foreign: list[str] = []

    def make(viewport: str = "desktop", scheme: str = "light") -> Any:
        context = browser.new_context(viewport=VIEWPORTS[viewport], color_scheme=scheme)
        contexts.append(context)
        page = context.new_page()
        page.on("request", lambda request: None if request.url.startswith((base_url, "data:", "blob:"))
                else foreign.append(request.url))
        return page

    yield make
    for context in contexts:
        context.close()
    assert not foreign, f"requests to other hosts: {foreign}"


def all_pages(library: Library) -> list[str]:
    """Every page of the guide, site-relative."""
    return (["", "stretches/", "routines/", "areas/", "positions/", "about/"]
            + [f"{p.stem}/" for p in sorted((ROOT / "theme" / "site" / "pages").glob("*.md"))]
            + [f"stretches/{sid}/" for sid in sorted(library.stretches)]
            + [f"routines/{rid}/" for rid in sorted(library.routines)])


def axe_violations(page: Any) -> list[str]:
    """Run axe-core at WCAG 2.2 AA on the open page; return its violations, one line each."""
    page.add_script_tag(path=str(AXE_JS))
    result = page.evaluate("tags => axe.run(document, {runOnly: {type: 'tag', values: tags}, "
                           "resultTypes: ['violations']})", AXE_TAGS)
    return [f"{v['id']}: {v['help']} at {[n['target'] for n in v['nodes'][:3]]}" for v in result["violations"]]


@pytest.mark.parametrize("viewport", ["phone", "desktop"])
def test_every_stretch_and_routine_page_shows_title_dose_steps_and_safety(
        open_page: Callable[..., Any], base_url: str, library: Library, viewport: str) -> None:
    page = open_page(viewport)
    for sid, stretch in sorted(library.stretches.items()):
        page.goto(f"{base_url}stretches/{sid}/")
        assert page.locator("h1").inner_text() == stretch.title
        assert page.locator(".sg-glance .sg-dose").inner_text() == f"Dose: {stretch.dose_line()}"
        steps = page.locator("ol.sg-steps").nth(1).locator("li")
        assert steps.count() == len(stretch.steps) and steps.first.is_visible()
        assert page.locator(".sg-safety--stop").is_visible()
        pictures = page.locator("figure.sg-figure svg[role=img]")
        assert pictures.count() == (len(stretch.figure.frames) if stretch.figure else 1), sid  # one per position
        assert all(pictures.nth(i).is_visible() for i in range(pictures.count())), sid
        assert page.locator("figure.sg-figure .sg-legend").is_visible(), sid
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), sid
    for rid, routine in sorted(library.routines.items()):
        page.goto(f"{base_url}routines/{rid}/")
        assert page.locator("h1").inner_text() == routine.title
        items = page.locator("ol.sg-routine > li")
        assert items.count() == len(routine.items)
        for index, step in enumerate(library.steps(routine)):
            assert items.nth(index).locator(".sg-dose").inner_text() == f"Dose: {step.dose_line()}"
        assert "Total time: about" in page.locator(".sg-total").inner_text()
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), rid


@pytest.mark.parametrize("viewport", ["phone", "desktop"])
def test_search_finds_childs_pose(open_page: Callable[..., Any], base_url: str, viewport: str) -> None:
    page = open_page(viewport)
    page.goto(base_url)
    if viewport == "phone":
        page.locator("label.md-header__button[for=__search]").click()
    else:
        page.locator(".md-search__input").click()
    page.locator(".md-search__input").press_sequentially("child's pose", delay=20)
    hit = page.locator(".md-search-result__item a", has_text="Child's pose").first
    hit.wait_for(timeout=10_000)
    hit.click()
    page.wait_for_url(f"{base_url}stretches/childs-pose/**")
    assert page.locator("h1").inner_text() == "Child's pose"


def test_page_reads_fine_without_javascript(browser: Any, base_url: str) -> None:
    context = browser.new_context(viewport=PHONE, java_script_enabled=False)
    page = context.new_page()
    page.goto(f"{base_url}stretches/childs-pose/")
    assert page.locator(".sg-dose").is_visible() and page.locator(".sg-safety--stop").is_visible()
    assert not page.locator("[data-timer]").is_visible()  # an empty timer box stays hidden
    context.close()


def test_printing_a_stretch_page_gives_one_clean_page(open_page: Callable[..., Any], base_url: str,
                                                      library: Library) -> None:
    page = open_page("desktop")
    for sid in sorted(library.stretches):
        page.goto(f"{base_url}stretches/{sid}/")
        for paper in ("A4", "Letter"):
            reader = pypdf.PdfReader(io.BytesIO(page.pdf(format=paper, print_background=True)))
            assert len(reader.pages) == 1, f"{sid} on {paper}: {len(reader.pages)} pages"
            text = reader.pages[0].extract_text()
            assert library.stretches[sid].title in text and "Stop if" in text
            for chrome in ("Search", "Table of contents", "Hold timer", "Next"):
                assert chrome not in text, f"{sid}: {chrome!r} printed"


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_axe_finds_no_wcag_violations_on_any_page(open_page: Callable[..., Any], base_url: str,
                                                  library: Library, scheme: str) -> None:
    page = open_page("phone" if scheme == "dark" else "desktop", scheme)
    problems = {}
    for path in all_pages(library):
        page.goto(base_url + path)
        # The timer is part of the page once its script ran; check it in its running state too.
        if page.locator(".sg-timer__start").count():
            page.locator(".sg-timer__start").click()
        found = axe_violations(page)
        if found:
            problems[path] = found
    assert not problems, json.dumps(problems, indent=1)


def test_home_links_to_routines_stretches_and_cards(open_page: Callable[..., Any], base_url: str,
                                                    library: Library) -> None:
    page = open_page("phone")
    page.goto(base_url)
    assert page.locator(".sg-redflags").is_visible()
    hrefs = page.locator("article a").evaluate_all("links => links.map(a => a.href)")
    for rid in library.routines:
        assert f"{base_url}routines/{rid}/" in hrefs
    assert f"{base_url}stretches/" in hrefs
    assert any(re.search(r"/printing/$", href) for href in hrefs)
    # On a phone, "Start here" and the first routine are on the first screen, before any scrolling.
    first = page.locator(".sg-card-link").first
    box = first.bounding_box()
    assert box is not None and box["y"] + box["height"] <= PHONE["height"]
    assert page.get_by_role("heading", name="Start here").is_visible()


def test_a_moves_positions_stack_on_a_phone_and_the_dark_palette_has_no_white_box(
        open_page: Callable[..., Any], base_url: str) -> None:
    page = open_page("phone")
    page.goto(f"{base_url}stretches/cat-cow/")
    cat, cow = (page.locator("figure.sg-figure svg[role=img]").nth(i).bounding_box() for i in range(2))
    assert cat is not None and cow is not None
    width = page.evaluate("document.querySelector('figure.sg-figure').clientWidth")
    assert cow["y"] >= cat["y"] + cat["height"] - 1  # one below the other
    assert cat["width"] > 0.85 * width and cow["width"] > 0.85 * width  # each as wide as the figure
    page.evaluate("document.body.setAttribute('data-md-color-scheme', 'slate')")
    background = page.evaluate("getComputedStyle(document.querySelector('figure.sg-figure')).backgroundColor")
    outline = page.evaluate("getComputedStyle(document.querySelector('.sg-figure-art')).color")
    assert background != "rgb(255, 255, 255)"
    assert outline not in ("rgb(28, 28, 28)", "rgb(0, 0, 0)")  # light outlines on the dark page
