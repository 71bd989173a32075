"""Live preview: serve the guide, rebuild after an edit, reload open pages, keep the last good site."""

from __future__ import annotations

import dataclasses
import functools
import http.server
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pikepdf
import pytest
import watchfiles

from stretchguide import pipeline
from stretchguide.cli import make_parser, options_from
from stretchguide.models import BuildOptions
from stretchguide.serve import (
    PREFIX,
    SLOW_OUTPUTS,
    BuildState,
    GuideFilter,
    PreviewHandler,
    build_args,
    edited_stretches,
    rebuild,
    stop_process_group,
)
from tests.conftest import ROOT, alive, children, copy_content, wait_for

RELOAD_TAG = b'<script src="/__stretchguide__/reload.js" defer></script>'


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def fetch(url: str) -> str:
    with urllib.request.urlopen(url, timeout=5) as response:
        return str(response.read().decode("utf-8"))


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


@pytest.fixture
def preview(tmp_path: Path) -> Iterator[tuple[str, Path, list[str]]]:
    """A real `build.py serve` process on a copy of the content (and this test's empty cache).

    The stretches the tests edit, and pigeon's alternative, are enough for a preview.
    """
    content = copy_content(tmp_path / "content", stretches=["cat-cow", "pigeon", "figure-four"])
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, str(ROOT / "build.py"), "serve", "--content", str(content),
         "--out", str(tmp_path / "site"), "--port", str(port)],
        cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"}, start_new_session=True)
    output: list[str] = []
    reader = threading.Thread(target=lambda: output.extend(iter(process.stdout.readline, "")), daemon=True)  # type: ignore[union-attr]
    reader.start()
    try:
        yield f"http://127.0.0.1:{port}/", content, output
    finally:
        stop_process_group(process)


@pytest.mark.slow
def test_serve_rebuilds_on_change_and_keeps_the_last_good_site(preview: tuple[str, Path, list[str]]) -> None:
    base, content, output = preview
    page = base + "stretches/pigeon/"
    wait_for(lambda: "Pigeon" in fetch(page), 90, "the first build to be served")
    html = fetch(page)
    assert RELOAD_TAG.decode() in html
    assert "unregister()" in fetch(base + "sw.js")  # the preview never serves stored pages
    first_id = fetch(base + "__stretchguide__/build-id")

    stretch = content / "stretches" / "pigeon.yml"
    (title_line,) = [line for line in stretch.read_text(encoding="utf-8").splitlines() if line.startswith("title:")]
    edit(stretch, title_line, "title: Resting pigeon, renamed")
    # Generous deadlines: a loaded machine may take a while; the test waits for the event, not a time.
    wait_for(lambda: "Resting pigeon, renamed" in fetch(page), 90, "the new title to be served")
    wait_for(lambda: fetch(base + "__stretchguide__/build-id") != first_id, 30, "a new build id")

    edit(stretch, "title: Resting pigeon, renamed", "title: [unclosed")
    wait_for(lambda: any("pigeon.yml:" in line for line in output), 60, "the content error to be printed")
    assert "Resting pigeon, renamed" in fetch(page)  # the last good site stays up
    assert any(re.search(r"pigeon\.yml:\d+:\d+:", line) for line in output)


@pytest.mark.slow
@pytest.mark.browser
def test_an_open_page_reloads_itself_after_an_edit(preview: tuple[str, Path, list[str]], browser: Any) -> None:
    base, content, _ = preview
    url = base + "stretches/cat-cow/"
    wait_for(lambda: "Cat-cow" in fetch(url), 90, "the first build to be served")
    page = browser.new_page()
    try:
        page.goto(url)
        assert page.locator("h1").first.inner_text() == "Cat-cow"
        page.evaluate("window.notReloaded = true")
        edit(content / "stretches" / "cat-cow.yml", "title: Cat-cow", "title: Cat and cow")
        # Nobody touches the page: its own script sees the new build and reloads it. While the new
        # document loads it may have no heading yet.
        page.wait_for_function("() => document.querySelector('h1')?.textContent.includes('Cat and cow')",
                               timeout=60_000)
        assert page.evaluate("window.notReloaded === undefined")
    finally:
        page.close()


@pytest.mark.slow
def test_a_file_saved_while_the_first_build_runs_is_built_too(preview: tuple[str, Path, list[str]],
                                                               cache_dir: Path) -> None:
    base, content, _ = preview
    # The first build has read the content once it renders the cards, which it keeps in the cache.
    wait_for(lambda: (cache_dir / "pdf").is_dir(), 90, "the first build to render")
    edit(content / "stretches" / "cat-cow.yml", "title: Cat-cow", "title: Cat-cow, saved mid-build")
    wait_for(lambda: "Cat-cow, saved mid-build" in fetch(base + "stretches/cat-cow/"), 60, "the edit to be served")


@pytest.fixture
def handler_server(tmp_path: Path) -> Iterator[tuple[str, BuildState]]:
    """The preview's request handler over a small site, in this process."""
    (tmp_path / "stretches").mkdir()
    (tmp_path / "index.html").write_text("<html><body><h1>Home</h1></body></html>", encoding="utf-8")
    (tmp_path / "stretches" / "index.html").write_text("<p>No body end tag", encoding="utf-8")
    (tmp_path / "site.css").write_text("body { margin: 0 }\n</body>", encoding="utf-8")
    state = BuildState()
    serve_dir = ROOT / "theme" / "site" / "serve"
    handler = type("Handler", (PreviewHandler,), {
        "state": state, "reload_js": (serve_dir / "reload.js").read_bytes(),
        "reload_tag": (serve_dir / "reload.html").read_bytes()})
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(handler, directory=str(tmp_path)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/", state
    finally:
        server.shutdown()
        server.server_close()


def test_every_html_page_gets_the_reload_script_and_nothing_is_cached(handler_server: tuple[str, BuildState]) -> None:
    base, _ = handler_server
    with urllib.request.urlopen(base) as response:
        body = response.read()
        assert response.headers["Cache-Control"] == "no-store"
    assert body.count(RELOAD_TAG) == 1 and body.index(RELOAD_TAG) < body.index(b"</body>")
    assert int(urllib.request.urlopen(base).headers["Content-Length"]) == len(body)
    assert fetch(base + "stretches/").endswith(RELOAD_TAG.decode() + "\n")  # no </body>: added at the end
    assert fetch(base + "site.css") == "body { margin: 0 }\n</body>"  # only HTML is touched
    assert "window.location.reload()" in fetch(base + PREFIX.lstrip("/") + "reload.js")


def test_the_build_id_changes_with_each_good_build(handler_server: tuple[str, BuildState]) -> None:
    base, state = handler_server
    url = base + PREFIX.lstrip("/") + "build-id"
    first = fetch(url)
    assert fetch(url) == first
    state.bump()
    assert fetch(url) != first


def test_the_engine_manual_is_not_watched_but_the_guide_pages_are(tmp_path: Path) -> None:
    docs = tmp_path / "docs"
    watched = GuideFilter(docs)
    assert watched(watchfiles.Change.modified, str(docs / "about.md"))
    assert watched(watchfiles.Change.added, str(tmp_path / "content" / "stretches" / "new.yml"))
    assert not watched(watchfiles.Change.modified, str(docs / "manual" / "figures.md"))
    assert not watched(watchfiles.Change.modified, str(tmp_path / "content" / ".git" / "index"))


def test_the_background_build_gets_the_same_options(tmp_path: Path) -> None:
    options = BuildOptions(content_dir=tmp_path / "content", out_dir=tmp_path / "out", theme_dir=ROOT / "theme",
                           docs_dir=ROOT / "docs", mkdocs_config=ROOT / "mkdocs.yml", strict=True, card_size="4x6in",
                           site_url="https://clinic.example.org/", jobs=3, cache_dir=tmp_path / "own-cache")
    parsed = options_from(make_parser().parse_args(build_args(options)))
    # Where the engine's own files are, and how much is printed, are the child's own business.
    own = {"theme_dir", "docs_dir", "mkdocs_config", "verbosity"}
    differing = {f.name: (getattr(options, f.name), getattr(parsed, f.name))
                 for f in dataclasses.fields(BuildOptions)
                 if f.name not in own and getattr(options, f.name) != getattr(parsed, f.name)}
    assert differing == {}


def test_after_an_edit_the_pages_come_first_then_the_edited_cards_then_everything(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Laying an edited card out holds a page back by about 0.4 s: it comes in a pass of its own,
    which neither reloads open pages again nor prints the warnings the pages' pass printed."""
    import stretchguide.serve as serve

    (tmp_path / "out" / "cards").mkdir(parents=True)  # a last build to carry the slow outputs over from
    options = BuildOptions(content_dir=tmp_path / "content", out_dir=tmp_path / "out", theme_dir=ROOT / "theme",
                           docs_dir=ROOT / "docs", mkdocs_config=ROOT / "mkdocs.yml")
    passes: list[tuple[tuple[str, ...], set[str], bool]] = []
    monkeypatch.setattr(serve, "build_once", lambda options, state, reuse=(), fresh=(), pages_as_before=False: (
        passes.append((tuple(reuse), set(fresh), pages_as_before)), True)[1])

    class Full:
        started = 0

        def cancel(self) -> None: ...

        def start(self) -> None:
            self.started += 1

    full = Full()
    assert rebuild(options, BuildState(), full, ["content/stretches/pigeon.yml"])  # type: ignore[arg-type]
    assert passes == [(SLOW_OUTPUTS, set(), False), (SLOW_OUTPUTS, {"pigeon"}, True)] and full.started == 1
    passes.clear()
    assert rebuild(options, BuildState(), full, ["content/guide.yml"])  # type: ignore[arg-type]
    assert passes == [(SLOW_OUTPUTS, set(), False)] and full.started == 2


def test_stopping_the_preview_stops_everything_it_started(tmp_path: Path) -> None:
    process = subprocess.Popen(["sh", "-c", "sleep 300 & sleep 300 & wait"], start_new_session=True)
    try:
        sleepers = wait_for(lambda: children(process.pid) if len(children(process.pid)) == 2 else [], 20,
                            "the shell to start its two children")
    finally:
        stop_process_group(process, timeout=10)
    assert process.returncode is not None
    try:
        wait_for(lambda: not any(alive(pid) for pid in sleepers), 10, f"{sleepers} to end with their group")
    finally:
        for pid in filter(alive, sleepers):  # left behind: this test started them, so it ends them
            os.kill(pid, signal.SIGKILL)


@pytest.mark.slow
def test_the_quick_build_carries_cards_and_embeds_over_as_links_and_renders_the_edited_card(tmp_path: Path) -> None:
    """The preview's first pass after an edit: new pages and the edited stretch's card; the rest as it was."""
    content = copy_content(tmp_path / "content", languages=True, stretches=["cat-cow", "pigeon", "figure-four"])
    out = tmp_path / "site"
    args = make_parser().parse_args(["build", "--content", str(content), "--out", str(out), "--quiet", "--jobs", "1"])
    options = dataclasses.replace(options_from(args), incremental=True)
    pipeline.build(options)
    carried = ["cards/cat-cow.pdf", "es/cards/cat-cow.pdf", "cards/stretch-cards.pdf", "embed/pigeon/index.html",
               "es/embed/pigeon/index.html", "api/stretches/pigeon.json", "es/api/stretches/pigeon.json", "_headers"]
    before = {name: ((out / name).stat().st_ino, (out / name).read_bytes()) for name in carried}
    site_page = (out / "embed" / "index.html").stat().st_ino  # the site's own page in the embeds' folder
    cards = {name: (out / name).stat().st_ino for name in ("cards/pigeon.pdf", "es/cards/pigeon.pdf")}
    old_card = (out / "cards" / "pigeon.pdf").read_bytes()
    os.link(out / "cards" / "pigeon.pdf", tmp_path / "last-pigeon.pdf")  # the last build's file, kept

    stretch = content / "stretches" / "pigeon.yml"
    (title_line,) = [line for line in stretch.read_text(encoding="utf-8").splitlines() if line.startswith("title:")]
    edit(stretch, title_line, "title: Resting pigeon, renamed")
    pipeline.build(options, reuse=SLOW_OUTPUTS, fresh=edited_stretches([str(stretch)]))
    assert "Resting pigeon, renamed" in (out / "stretches" / "pigeon" / "index.html").read_text(encoding="utf-8")
    # The edited stretch's cards are new files; the last build's file was replaced, never written into.
    assert all((out / name).stat().st_ino != inode for name, inode in cards.items())
    with pikepdf.open(out / "cards" / "pigeon.pdf") as card:
        assert "Resting pigeon, renamed" in str(card.docinfo["/Title"])
    assert (tmp_path / "last-pigeon.pdf").read_bytes() == old_card
    # The rest is carried over as links to the last build's files, not copies, and left as it was.
    assert {name: ((out / name).stat().st_ino, (out / name).read_bytes()) for name in carried} == before
    assert "Resting pigeon, renamed" not in (out / "embed" / "pigeon" / "index.html").read_text(encoding="utf-8")
    # The site's page in `embed/` is this build's, not the last one carried over it: its nav has the new title.
    page = out / "embed" / "index.html"
    assert page.stat().st_ino != site_page and "Resting pigeon, renamed" in page.read_text(encoding="utf-8")

    pipeline.build(dataclasses.replace(options, incremental=False))  # the full build that follows
    assert "Resting pigeon, renamed" in (out / "embed" / "pigeon" / "index.html").read_text(encoding="utf-8")
    assert before["cards/stretch-cards.pdf"][1] != (out / "cards" / "stretch-cards.pdf").read_bytes()
    # The same card again comes from the cache, and still replaces the last build's file.
    inode = (out / "cards" / "pigeon.pdf").stat().st_ino
    pipeline.build(options, reuse=SLOW_OUTPUTS, fresh={"pigeon"})
    assert (out / "cards" / "pigeon.pdf").stat().st_ino != inode


def test_the_stretches_edited_are_named_by_their_files_and_translations() -> None:
    assert edited_stretches(["c/stretches/pigeon.yml", "c/translations/es/stretches/cat-cow.yaml",
                             "c/routines/basics.yml", "c/guide.yml", "c/stretches/notes.txt"]) == {"pigeon", "cat-cow"}
