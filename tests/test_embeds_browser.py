"""Embeds in a real browser, across two origins: the guide on one, a hostile host page on another."""

from __future__ import annotations

import fnmatch
import http.server
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import DESKTOP, PHONE

pytestmark = [pytest.mark.browser]

STRETCH = "cat-cow"
ROUTINE = "lower-back-basics"
HOSTILE_CSS = """
* { box-sizing: content-box; font: 40px serif; color: red }
ol { list-style: none }
h1 { display: none }
p { margin: 3em; line-height: 3 }
"""
#: Computed properties that make text look the way it does.
LOOKS = ("font-family", "font-size", "font-weight", "font-style", "line-height", "color",
         "letter-spacing", "text-transform", "box-sizing", "list-style-type", "display")
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]


def parse_headers(site: Path) -> list[tuple[str, str, str]]:
    """Read a site's `_headers` file (Netlify/Cloudflare syntax) into (pattern, name, value)."""
    rules: list[tuple[str, str, str]] = []
    path = site / "_headers"
    pattern = ""
    for line in (path.read_text(encoding="utf-8").splitlines() if path.exists() else []):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        if not line[0].isspace():
            pattern = line.strip()
        else:
            name, _, value = line.strip().partition(":")
            rules.append((pattern, name.strip(), value.strip()))
    return rules


class HostedHandler(http.server.SimpleHTTPRequestHandler):
    """Serve a built guide with the headers its `_headers` file asks a static host for."""

    def end_headers(self) -> None:
        path = self.path.split("?", 1)[0].split("#", 1)[0]
        for pattern, name, value in parse_headers(Path(self.directory)):
            if fnmatch.fnmatchcase(path, pattern):
                self.send_header(name, value)
        super().end_headers()

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture(scope="session")
def host_guide(serve_dir: Callable[..., str]) -> Callable[[Path, str], str]:
    """Serve a built guide the way Netlify would, honouring its `_headers` file."""
    return lambda site, host="127.0.0.1": serve_dir(site, host, HostedHandler)


@pytest.fixture(scope="module")
def guide_url(built_site: Path, host_guide: Callable[[Path, str], str]) -> str:
    return host_guide(built_site, "127.0.0.1")


def host_page(guide: str, body: str, scripts: bool = True) -> str:
    """A clinic's page on another origin, with hostile CSS, embedding from `guide`."""
    tags = (f'<script src="{guide}embed/embed.js" async></script>\n'
            f'<script src="{guide}embed/stretch-card.js" defer></script>') if scripts else ""
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Clinic</title>
<style>{HOSTILE_CSS}</style></head>
<body>
<h1 id="host-h1">Our clinic</h1>
<p id="host-p">Our own text.</p>
<ol id="host-ol"><li>Our own list</li></ol>
{body}
{tags}
</body></html>
"""


@pytest.fixture(scope="module")
def host_url(tmp_path_factory: pytest.TempPathFactory, serve_dir: Callable[..., str], guide_url: str) -> str:
    """Serve host pages on a second origin (127.0.0.2) and return its base URL."""
    folder = tmp_path_factory.mktemp("host")
    both = (f'<iframe id="frame" src="{guide_url}embed/{STRETCH}/" title="Stretch" '
            f'style="width: 100%; max-width: 600px"></iframe>\n'
            f'<stretch-card id="card" stretch="{STRETCH}"></stretch-card>')
    (folder / "both.html").write_text(host_page(guide_url, both), encoding="utf-8")
    (folder / "bare.html").write_text(host_page(guide_url, both, scripts=False), encoding="utf-8")
    late = ('<div id="slot"></div>\n<button id="add" type="button">Add</button>\n'
            '<script>document.getElementById("add").addEventListener("click", () => {'
            ' const f = document.createElement("iframe"); f.id = "frame"; f.title = "Stretch";'
            f' f.src = "{guide_url}embed/{ROUTINE}/"; document.getElementById("slot").append(f); }});</script>')
    (folder / "late.html").write_text(host_page(guide_url, late), encoding="utf-8")
    sandboxed = (f'<iframe id="frame" sandbox="allow-scripts" security="restricted" width="600" height="300" '
                 f'title="Stretch" src="{guide_url}embed/{STRETCH}/#?secret=Ab3dE6gH9k"></iframe>\n'
                 '<script>window.seen = []; window.addEventListener("message", (e) => {'
                 ' if (e.source === document.getElementById("frame").contentWindow) window.seen.push(e.data); });'
                 '</script>')
    sandboxed_own = (f'<iframe id="frame" sandbox="allow-scripts" title="Stretch" style="width: 100%" '
                     f'src="{guide_url}embed/{STRETCH}/"></iframe>')
    (folder / "sandboxed-own.html").write_text(host_page(guide_url, sandboxed_own), encoding="utf-8")
    (folder / "sandboxed.html").write_text(host_page(guide_url, sandboxed, scripts=False), encoding="utf-8")
    return serve_dir(folder, host="127.0.0.2")


def _frame_of(page: Any, path: str) -> Any:
    for frame in page.frames:
        if path in frame.url:
            return frame
    raise AssertionError(f"no frame showing {path}")


def _sizes(page: Any, frame: Any) -> dict[str, float]:
    """The iframe's inner height on the host, and its content's height inside."""
    inner = frame.evaluate("""() => {
        const scroller = document.querySelector('.sg-scroller');
        return { content: document.querySelector('.sg-embed').getBoundingClientRect().height,
                 scrollHeight: scroller.scrollHeight, clientHeight: scroller.clientHeight,
                 docScroll: document.documentElement.scrollHeight, view: window.innerHeight };
    }""")
    inner["frame"] = page.evaluate("document.getElementById('frame').clientHeight")
    return inner


def _wait_fitted(page: Any, frame: Any, changed_from: float | None = None) -> dict[str, float]:
    """Wait until the iframe has taken its content's height (once that changed); return the sizes."""
    sizes: dict[str, float] = {}
    for _ in range(100):
        sizes = _sizes(page, frame)
        # The frame's own viewport follows the element a moment later (another process).
        if (abs(sizes["frame"] - sizes["content"]) <= 2 and sizes["content"] != changed_from
                and sizes["view"] == sizes["frame"]):
            return sizes
        page.wait_for_timeout(50)
    raise AssertionError(f"iframe never fitted its content: {sizes}")


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_iframe_grows_to_its_content(browser: Any, host_url: str, viewport: dict[str, int]) -> None:
    page = browser.new_page(viewport=viewport)
    try:
        page.goto(host_url + "both.html")
        frame = _frame_of(page, f"/embed/{STRETCH}/")
        sizes = _wait_fitted(page, frame)
        assert sizes["content"] > 300
        assert sizes["scrollHeight"] <= sizes["clientHeight"], "the embed shows an inner scrollbar"
        assert sizes["docScroll"] <= sizes["view"] + 1
        # Narrower: the text rewraps and the frame follows.
        page.set_viewport_size({"width": 320, "height": 700})
        narrow = _wait_fitted(page, frame, changed_from=sizes["content"])
        assert narrow["content"] > sizes["content"]
        assert narrow["scrollHeight"] <= narrow["clientHeight"]
    finally:
        page.close()


def test_iframes_added_later_are_resized(browser: Any, host_url: str) -> None:
    page = browser.new_page(viewport=DESKTOP)
    try:
        page.goto(host_url + "late.html")
        page.click("#add")
        page.wait_for_selector("#frame")
        page.wait_for_function("() => document.querySelectorAll('iframe').length === 1")
        frame = None
        for _ in range(100):
            frame = next((f for f in page.frames if f"/embed/{ROUTINE}/" in f.url), None)
            if frame:
                break
            page.wait_for_timeout(50)
        assert frame is not None
        frame.wait_for_selector(".sg-embed")
        _wait_fitted(page, frame)
    finally:
        page.close()


def test_messages_from_other_windows_resize_nothing(browser: Any, host_url: str) -> None:
    page = browser.new_page(viewport=DESKTOP)
    try:
        page.goto(host_url + "both.html")
        frame = _frame_of(page, f"/embed/{STRETCH}/")
        before = _wait_fitted(page, frame)["frame"]
        # Forge the frame's message from the host window itself and from a second, hostile frame;
        # then wait until a later message has arrived, so the forged ones were handled first.
        # The sandboxed one reports the origin "null", like a sandboxed embed does.
        page.evaluate("""() => new Promise((resolve) => {
            const forged = { type: 'stretchguide:height', height: 4321 };
            window.postMessage(forged, '*');
            let done = 0;
            window.addEventListener('message', (e) => { if (e.data === 'done' && ++done === 2) resolve(); });
            for (const sandbox of [null, 'allow-scripts']) {
                const evil = document.createElement('iframe');
                if (sandbox) evil.setAttribute('sandbox', sandbox);
                evil.srcdoc = '<script>parent.postMessage({type: "stretchguide:height", height: 4321}, "*");'
                    + 'parent.postMessage("done", "*");<' + '/script>';
                document.body.append(evil);
            }
        })""")
        page.evaluate("() => new Promise((r) => setTimeout(r, 100))")
        assert page.evaluate("document.getElementById('frame').clientHeight") == before
    finally:
        page.close()


def _looks(handle: Any) -> dict[str, str]:
    names = json.dumps(list(LOOKS))
    return handle.evaluate(f"(el) => {{ const s = getComputedStyle(el); "
                           f"return Object.fromEntries({names}.map((p) => [p, s.getPropertyValue(p)])); }}")


def test_web_component_looks_like_the_embed_page(browser: Any, host_url: str, guide_url: str) -> None:
    page = browser.new_page(viewport=DESKTOP)
    try:
        page.goto(host_url + "both.html")
        card = page.locator("stretch-card")
        card.locator(".sg-embed__title").wait_for()
        frame = _frame_of(page, f"/embed/{STRETCH}/")
        frame.wait_for_selector(".sg-embed")
        for selector in (".sg-embed__title", ".sg-dose", ".sg-dose__value", "ol.sg-steps > li",
                         ".sg-embed__heading", ".sg-embed__link", ".sg-safety__title", ".sg-legend",
                         ".sg-legend__key--target", ".sg-legend__key--far"):
            inside = card.locator(selector).first
            standalone = frame.locator(selector).first
            assert inside.text_content().strip() == standalone.text_content().strip(), selector
            assert _looks(inside.element_handle()) == _looks(standalone.element_handle()), selector
        steps = card.locator("ol.sg-steps").nth(1).locator("li").all_text_contents()
        assert steps == frame.locator("ol.sg-steps").nth(1).locator("li").all_text_contents()
        assert len(steps) >= 2
        # The host's own elements keep the host's (hostile) styles: nothing leaked out.
        h1 = _looks(page.locator("#host-h1").element_handle())
        assert h1["display"] == "none"
        p = _looks(page.locator("#host-p").element_handle())
        assert (p["color"], p["font-size"], p["box-sizing"]) == ("rgb(255, 0, 0)", "40px", "content-box")
        assert _looks(page.locator("#host-ol").element_handle())["list-style-type"] == "none"
        # The full-page link points into the guide.
        href = card.locator(".sg-embed__link").get_attribute("href") or ""
        assert href.endswith(f"stretches/{STRETCH}/")
    finally:
        page.close()


def test_scripts_define_no_globals(browser: Any, host_url: str) -> None:
    page = browser.new_page(viewport=DESKTOP)
    try:
        page.goto(host_url + "bare.html")
        bare = set(page.evaluate("Object.getOwnPropertyNames(window)"))
        page.goto(host_url + "both.html")
        page.locator("stretch-card .sg-embed__title").wait_for()
        loaded = set(page.evaluate("Object.getOwnPropertyNames(window)"))
        assert loaded - bare == set()
    finally:
        page.close()


def test_sandboxed_embed_speaks_wordpress(browser: Any, host_url: str, guide_url: str) -> None:
    page = browser.new_page(viewport=DESKTOP)
    problems: list[str] = []
    page.on("console", lambda msg: problems.append(msg.text) if msg.type == "error" else None)
    try:
        page.goto(host_url + "sandboxed.html")
        frame = _frame_of(page, f"/embed/{STRETCH}/")
        frame.wait_for_selector(".sg-embed")
        page.wait_for_function("() => window.seen.some((m) => m.message === 'height')")
        content = frame.evaluate("Math.ceil(document.querySelector('.sg-embed').getBoundingClientRect().height)")
        heights = [m for m in page.evaluate("window.seen") if m.get("message") == "height"]
        assert heights[-1] == {"message": "height", "value": content, "secret": "Ab3dE6gH9k"}
        # Sandboxed without same-origin: storage is off limits, yet nothing failed.
        assert frame.evaluate("() => { try { localStorage.length; return 'open'; } catch (e) { return 'closed'; } }") \
            == "closed"
        assert frame.evaluate("document.fonts.check('16px \"Atkinson Hyperlegible\"')")
        # WordPress asks again with "ready" and the secret; another secret gets no answer.
        page.evaluate("""() => { window.seen = []; const w = document.getElementById('frame').contentWindow;
            w.postMessage({ message: 'ready', secret: 'WrongSecret' }, '*'); }""")
        page.evaluate("() => new Promise((r) => setTimeout(r, 200))")
        assert [m for m in page.evaluate("window.seen") if m.get("message")] == []
        page.evaluate("""() => document.getElementById('frame').contentWindow
            .postMessage({ message: 'ready', secret: 'Ab3dE6gH9k' }, '*')""")
        page.wait_for_function("() => window.seen.some((m) => m.message === 'height')")
        # 300 px tall, like a frame WordPress capped: the content scrolls inside, by keyboard too.
        scroller = frame.evaluate("""() => { const s = document.querySelector('.sg-scroller');
            s.scrollTop = 200; return { top: s.scrollTop, tab: s.tabIndex }; }""")
        assert scroller == {"top": 200, "tab": 0}
        # A link asks WordPress to open the full page in the top window.
        page.evaluate("() => { window.seen = []; }")
        frame.click(".sg-embed__link")
        page.wait_for_function("() => window.seen.some((m) => m.message === 'link')")
        link = next(m for m in page.evaluate("window.seen") if m.get("message") == "link")
        assert link["secret"] == "Ab3dE6gH9k"
        assert link["value"].endswith(f"stretches/{STRETCH}/")
        assert problems == []
    finally:
        page.close()


def test_sandboxed_iframe_resizes_and_opens_full_page_through_embed_js(browser: Any, host_url: str,
                                                                       guide_url: str) -> None:
    page = browser.new_page(viewport=PHONE)
    try:
        page.goto(host_url + "sandboxed-own.html")
        frame = _frame_of(page, f"/embed/{STRETCH}/")
        frame.wait_for_selector(".sg-embed")
        _wait_fitted(page, frame)
        # The built guide links to its public address, another origin than this test server's:
        # embed.js follows links only within the origin it was loaded from.
        page.evaluate("""() => { window.seen = []; window.addEventListener('message', (e) => {
            if (e.data && e.data.type === 'stretchguide:link') window.seen.push(e.data.href); }); }""")
        frame.click(".sg-embed__link")
        page.wait_for_function("() => window.seen.length === 1")
        page.evaluate("() => new Promise((r) => setTimeout(r, 200))")
        assert page.url == host_url + "sandboxed-own.html"
        frame.evaluate(f"document.querySelector('.sg-embed__link').href = '{guide_url}stretches/{STRETCH}/'")
        frame.click(".sg-embed__link")
        page.wait_for_url(f"{guide_url}stretches/{STRETCH}/")
    finally:
        page.close()


@pytest.mark.parametrize("item", [STRETCH, ROUTINE])
def test_embed_pages_pass_axe_and_stay_on_their_host(browser: Any, guide_url: str, item: str) -> None:
    from axe_playwright_python.sync_playwright import Axe

    page = browser.new_page(viewport={"width": 600, "height": 800})
    requests: list[str] = []
    page.on("request", lambda request: requests.append(request.url))
    try:
        page.goto(f"{guide_url}embed/{item}/", wait_until="networkidle")
        assert all(url.startswith(guide_url) or url.startswith("data:") for url in requests), requests
        assert page.evaluate("document.cookie") == ""
        results = Axe().run(page, options={"runOnly": {"type": "tag", "values": AXE_TAGS}})
        assert results.violations_count == 0, results.generate_report()
    finally:
        page.close()


def test_web_component_passes_axe(browser: Any, guide_url: str, tmp_path: Path,
                                  serve_dir: Callable[..., str]) -> None:
    from axe_playwright_python.sync_playwright import Axe

    (tmp_path / "clean.html").write_text(
        f'<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Clinic</title></head>'
        f'<body><main><h1>Our clinic</h1><stretch-card stretch="{STRETCH}"></stretch-card></main>'
        f'<script src="{guide_url}embed/stretch-card.js" defer></script></body></html>', encoding="utf-8")
    page = browser.new_page(viewport=PHONE)
    try:
        page.goto(serve_dir(tmp_path, host="127.0.0.2") + "clean.html")
        page.locator("stretch-card .sg-embed__title").wait_for()
        results = Axe().run(page, options={"runOnly": {"type": "tag", "values": AXE_TAGS}})
        assert results.violations_count == 0, results.generate_report()
    finally:
        page.close()


def test_web_component_says_when_a_stretch_is_missing(browser: Any, guide_url: str, tmp_path: Path,
                                                       serve_dir: Callable[..., str]) -> None:
    (tmp_path / "missing.html").write_text(
        f'<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Clinic</title></head><body>'
        f'<stretch-card id="missing" stretch="no-such-stretch"></stretch-card>'
        f'<stretch-card id="path" stretch="../../etc"></stretch-card>'
        f'<script src="{guide_url}embed/stretch-card.js" defer></script></body></html>', encoding="utf-8")
    page = browser.new_page(viewport=PHONE)
    try:
        page.goto(serve_dir(tmp_path, host="127.0.0.2") + "missing.html")
        page.locator("#missing .sg-embed").wait_for()
        assert page.locator("#missing .sg-embed p").first.text_content() == "This stretch could not be shown here."
        assert "set the stretch attribute" in (page.locator("#path .sg-embed").text_content() or "")
    finally:
        page.close()


#: Computed properties that place a heading and its section: what lines the two columns up.
PLACEMENT = ("margin-top", "margin-bottom", "padding-top", "font-size", "font-weight", "line-height")


def test_every_heading_level_lays_the_card_out_as_level_two(browser: Any, guide_url: str, tmp_path: Path,
                                                           serve_dir: Callable[..., str]) -> None:
    cards = "".join(f'<stretch-card id="l{n}" stretch="{STRETCH}" heading-level="{n}"></stretch-card>'
                    for n in (2, 3, 4, 5))
    (tmp_path / "levels.html").write_text(
        f'<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Clinic</title></head><body>'
        f'{cards}<script src="{guide_url}embed/stretch-card.js" defer></script></body></html>', encoding="utf-8")
    page = browser.new_page(viewport=DESKTOP)
    names = json.dumps(list(PLACEMENT))
    looks = f"(el) => {{ const s = getComputedStyle(el); return Object.fromEntries({names}.map((p) => [p, s[p]])); }}"
    try:
        page.goto(serve_dir(tmp_path, host="127.0.0.2") + "levels.html")
        for n in (2, 3, 4, 5):
            page.locator(f"#l{n} .sg-safety__title").first.wait_for()

        def layout(n: int) -> list[Any]:
            card = page.locator(f"#l{n}")
            assert card.locator(f"h{n}.sg-embed__title").count() == 1
            assert card.locator(f"h{n + 1}.sg-embed__heading").count() == 4
            heads = [h.evaluate(looks) for h in card.locator(".sg-embed__heading, .sg-safety__title").all()]
            tops = card.locator(".sg-embed__heading").evaluate_all("(hs) => hs.map((h) => Math.round("
                                                                    "h.getBoundingClientRect().top - "
                                                                    "h.closest('.sg-embed').getBoundingClientRect().top))")
            return [heads, tops]

        assert layout(3) == layout(2)
        assert layout(4) == layout(2)
        assert layout(5) == layout(2)
        # Stop if and Avoid if keep the guide's colour coding: red and amber.
        stop = page.locator("#l2 .sg-safety--stop").evaluate("(el) => getComputedStyle(el).borderLeftColor")
        avoid = page.locator("#l2 .sg-safety--avoid").evaluate("(el) => getComputedStyle(el).borderLeftColor")
        assert (stop, avoid) == ("rgb(179, 38, 30)", "rgb(138, 83, 0)")
    finally:
        page.close()


def test_without_the_cors_header_the_component_links_to_the_stretch(browser: Any, built_site: Path,
                                                                    serve_dir: Callable[..., str],
                                                                    tmp_path: Path) -> None:
    guide = serve_dir(built_site)  # a plain host: no Access-Control-Allow-Origin header
    (tmp_path / "host.html").write_text(
        f'<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Clinic</title></head><body>'
        f'<stretch-card stretch="{STRETCH}"></stretch-card>'
        f'<script src="{guide}embed/stretch-card.js" defer></script></body></html>', encoding="utf-8")
    page = browser.new_page(viewport=PHONE)
    try:
        page.goto(serve_dir(tmp_path, host="127.0.0.2") + "host.html")
        link = page.locator("stretch-card .sg-embed__link")
        link.wait_for()
        assert link.get_attribute("href") == f"{guide}stretches/{STRETCH}/"
    finally:
        page.close()


def test_embed_pages_have_a_description_an_icon_and_no_console_errors(browser: Any, guide_url: str,
                                                                      built_site: Path) -> None:
    page = browser.new_page(viewport=PHONE)
    errors: list[str] = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    failed: list[str] = []
    page.on("requestfailed", lambda request: failed.append(request.url))
    page.on("response", lambda response: failed.append(response.url) if response.status >= 400 else None)
    try:
        for item in (STRETCH, ROUTINE):
            page.goto(f"{guide_url}embed/{item}/")
            page.locator(".sg-embed").wait_for()
            description = page.locator('meta[name="description"]').get_attribute("content") or ""
            assert len(description) > 30
            page.wait_for_load_state("networkidle")
        assert errors == [] and failed == []
    finally:
        page.close()
    robots = (built_site / "robots.txt").read_text(encoding="utf-8")
    assert "Sitemap: https://stretches.example.org/sitemap.xml" in robots


def test_the_embed_page_picks_any_stretch_or_routine_and_copies_its_snippet(
        browser: Any, guide_url: str) -> None:
    context = browser.new_context(viewport=DESKTOP)
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=guide_url.rstrip("/"))
    page = context.new_page()
    try:
        # A stretch page's "Embed this stretch" link opens the page with that stretch chosen.
        page.goto(f"{guide_url}stretches/pigeon/")
        page.get_by_role("link", name="Embed this stretch on your site").click()
        page.wait_for_url("**/embed/?stretch=pigeon")
        choice = page.locator("#sg-embed-choice")
        assert choice.input_value() == "pigeon"
        snippet = page.locator("pre.sg-snippet").first
        assert 'embed/pigeon/" title="Pigeon' in (snippet.text_content() or "")
        assert page.locator("stretch-card").get_attribute("stretch") == "pigeon"
        choice.select_option(ROUTINE)
        assert f"embed/{ROUTINE}/" in (snippet.text_content() or "")
        assert page.locator("iframe[data-sg-live]").get_attribute("src").endswith(f"embed/{ROUTINE}/")
        assert page.locator(".sg-embed-routine-note").is_visible()
        # Every snippet has a copy button, and it copies the snippet as shown.
        buttons = page.locator("pre.sg-snippet button.md-code__button[data-md-type=copy]")
        assert page.locator("pre.sg-snippet").count() == buttons.count()
        snippet.hover()
        snippet.locator("button[data-md-type=copy]").click()
        copied = page.evaluate("navigator.clipboard.readText()")
        assert f"embed/{ROUTINE}/" in copied and copied.startswith("<iframe")
        # No snippet runs off the side at 1280 px.
        widths = page.locator("pre.sg-snippet > code").evaluate_all(
            "(codes) => codes.map((c) => c.scrollWidth - c.clientWidth)")
        assert max(widths) <= 1
    finally:
        context.close()
