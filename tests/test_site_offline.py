"""The guide offline and installable: the service worker, its versioned cache, the manifest and icon."""

from __future__ import annotations

import io
import json
import re
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from tests.conftest import CONTENT, PHONE, copy_content
from tests.test_site import build_site, edit

pytestmark = [pytest.mark.browser]


@pytest.fixture
def context_for(browser: Any) -> Iterator[Callable[[str], Any]]:
    """Open a browser context that fails the test on any request to another host."""
    contexts: list[Any] = []
    foreign: list[str] = []

    def make(base_url: str) -> Any:
        context = browser.new_context(viewport=PHONE)
        context.on("request", lambda request: None if request.url.startswith((base_url, "data:", "blob:"))
                   else foreign.append(request.url))
        contexts.append(context)
        return context

    yield make
    for context in contexts:
        context.close()
    assert not foreign, f"requests to other hosts: {foreign}"


def controlled(page: Any) -> str:
    """Wait until the service worker controls the page; return the names of its caches."""
    page.wait_for_function("navigator.serviceWorker.controller !== null", timeout=20_000)
    return page.evaluate("caches.keys()")


def fetch_status(page: Any, url: str) -> str:
    """Fetch from the page, past the browser's HTTP cache: only the network or the worker can answer."""
    return page.evaluate("""url => fetch(url, {cache: 'no-store'}).then(
        r => r.arrayBuffer().then(b => r.status + ' ' + new TextDecoder().decode(b.slice(0, 5))),
        e => 'failed')""", url)


def test_guide_works_offline_after_the_first_visit(built_site: Path, serve_dir: Callable[..., str],
                                                   context_for: Callable[[str], Any]) -> None:
    base = serve_dir(built_site)
    context = context_for(base)
    page = context.new_page()
    page.goto(base)
    (cache,) = controlled(page)
    digest = re.search(r'var BUILD = "([0-9a-f]+)";', (built_site / "sw.js").read_text(encoding="utf-8"))
    assert digest and cache == f"stretchguide:{base}:{digest[1]}"
    page.goto(f"{base}routines/lower-back-basics/")
    assert fetch_status(page, f"{base}cards/pigeon.pdf") == "200 %PDF-"  # a card opened once, online
    for url in (f"{base}embed/pigeon/", f"{base}api/stretches/pigeon.json"):  # and these, for other sites
        assert fetch_status(page, url).startswith("200"), url
    context.set_offline(True)
    for path, title in (("stretches/kneeling-hip-flexor/?routine=lower-back-basics&step=2",
                         "Kneeling hip flexor stretch"),
                        ("routines/lower-back-basics/", "Lower back basics"),
                        ("stretches/childs-pose/", "Child's pose")):  # never opened: stored on install
        response = page.goto(base + path)
        assert response and response.ok and response.from_service_worker, path
        assert page.locator("h1").inner_text() == title
    assert page.locator("figure.sg-figure svg").is_visible()
    assert page.evaluate("document.fonts.check('700 16px \"Atkinson Hyperlegible\"')")
    assert fetch_status(page, f"{base}cards/pigeon.pdf") == "200 %PDF-"
    assert fetch_status(page, f"{base}cards/cat-cow.pdf") == "failed"  # never opened, so not stored
    # Embeds and data are left to the network: though fetched once, offline they are not served.
    assert fetch_status(page, f"{base}embed/pigeon/") == "failed"
    assert fetch_status(page, f"{base}api/stretches/pigeon.json") == "failed"
    assert fetch_status(page, f"{base}embed/").startswith("200")  # the guide's page about embedding


def test_a_rebuild_replaces_the_cache_and_never_mixes_builds(tmp_path: Path, serve_dir: Callable[..., str],
                                                             context_for: Callable[[str], Any]) -> None:
    content = copy_content(tmp_path / "content")
    served = tmp_path / "served"
    build_site(content, tmp_path / "one" / "site")
    shutil.copytree(tmp_path / "one" / "site", served)
    base = serve_dir(served)
    context = context_for(base)
    page = context.new_page()
    page.goto(base)
    (first,) = controlled(page)
    page.goto(f"{base}stretches/pigeon/")
    assert page.locator("h1").inner_text() == "Pigeon stretch"

    edit(content / "stretches" / "pigeon.yml", "title: Pigeon stretch", "title: Pigeon pose")
    build_site(content, tmp_path / "two" / "site")
    shutil.rmtree(served)
    shutil.copytree(tmp_path / "two" / "site", served)
    page.goto(base)  # a visit checks for a new worker; it installs, stores the new build, drops the old
    for _ in range(100):
        names = page.evaluate("caches.keys()")
        if names != [first] and len(names) == 1:
            break
        page.wait_for_timeout(200)
    assert len(names) == 1 and names[0] != first, names
    context.set_offline(True)
    response = page.goto(f"{base}stretches/pigeon/")
    assert response and response.from_service_worker
    assert page.locator("h1").inner_text() == "Pigeon pose"
    page.goto(f"{base}routines/lower-back-basics/")
    assert "Pigeon pose" in page.locator("ol.sg-routine").inner_text()


def test_manifest_and_icon_make_the_guide_installable(built_site: Path, serve_dir: Callable[..., str],
                                                      context_for: Callable[[str], Any]) -> None:
    manifest = json.loads((built_site / "manifest.webmanifest").read_text(encoding="utf-8"))
    assert manifest["short_name"] == "Example Physiotherapy Clinic"
    assert manifest["name"] == "Partner stretches for the lower back"
    assert manifest["theme_color"] == "#1d5f8a" and manifest["start_url"] == "./" and manifest["scope"] == "./"
    assert manifest["display"] == "standalone"
    sizes = {}
    # The default guide's logo is an SVG: offered as it is, beside PNGs of the initials.
    svg = [icon for icon in manifest["icons"] if icon["src"].endswith(".svg")]
    assert [(icon["sizes"], icon["type"]) for icon in svg] == [("any", "image/svg+xml")]
    assert (built_site / svg[0]["src"]).read_bytes() == (CONTENT / "logo.svg").read_bytes()
    for icon in manifest["icons"]:
        if icon in svg:
            continue
        with Image.open(io.BytesIO((built_site / icon["src"]).read_bytes())) as image:
            sizes[icon["sizes"]] = image.size
            colours = {colour for _count, colour in image.convert("RGB").getcolors(1 << 16) or []}
            assert {(0x1D, 0x5F, 0x8A), (0xFF, 0xFF, 0xFF)} <= colours  # white initials on the brand colour
    assert sizes == {"192x192": (192, 192), "512x512": (512, 512)}
    base = serve_dir(built_site)
    page = context_for(base).new_page()
    page.goto(f"{base}stretches/pigeon/")
    href = page.locator("link[rel=manifest]").get_attribute("href")
    assert page.evaluate("h => new URL(h, location.href).href", href) == f"{base}manifest.webmanifest"
    assert page.locator("link[rel=apple-touch-icon]").get_attribute("href") == "../../assets/sg/icon-192.png"
    # The embed pages are for other sites: no manifest, no worker registered from them.
    for embed in sorted((built_site / "embed").glob("*/*.html")):  # embed/index.html is the guide's own page
        html = embed.read_text(encoding="utf-8")
        assert "manifest" not in html and "serviceWorker" not in html and "guide.js" not in html, embed
