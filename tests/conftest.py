"""Shared fixtures: the default guide built once, a static file server, a browser."""

from __future__ import annotations

import functools
import http.server
import shutil
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from stretchguide.cli import main

ROOT = Path(__file__).resolve().parent.parent
CONTENT = ROOT / "content"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--disable-quic", "--no-first-run"]
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 800}


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--update-golden", action="store_true", help="rewrite golden files from current output")


@pytest.fixture(scope="session")
def update_golden(request: pytest.FixtureRequest) -> bool:
    return bool(request.config.getoption("--update-golden"))


@pytest.fixture(scope="session")
def built_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The default guide, built once per test session."""
    out = tmp_path_factory.mktemp("built") / "site"
    assert main(["build", "--content", str(CONTENT), "--out", str(out), "--quiet"]) == 0
    return out


@pytest.fixture
def content_copy(tmp_path: Path) -> Path:
    """A writable copy of the default content folder."""
    dest = tmp_path / "content"
    shutil.copytree(CONTENT, dest)
    return dest


BIRD_DOG = """\
title: Bird dog
summary: Reach out one arm and the opposite leg from hands and knees.
target_areas: [lower-back]
position: hands-and-knees
kind: reps
dose:
  reps: {min: 8, max: 10}
  hold_each: 5
  sides: alternate
  tempo: 4
equipment: [Exercise mat, Cushion or folded towel for the knees]
setup: [Come onto hands and knees.]
steps: [Reach one arm forward and the other leg back, then change sides.]
helper_cues: [Agree a stop word before you start.]
feel: [The muscles along the back.]
safety:
  stop_if: [Sharp pain.]
"""


@pytest.fixture
def clinic_content(content_copy: Path) -> Path:
    """The default content plus a clinic's stretch with a hold on each alternating repetition, and a
    routine that rests 30 s between items."""
    (content_copy / "stretches" / "bird-dog.yml").write_text(BIRD_DOG, encoding="utf-8")
    (content_copy / "routines" / "clinic.yml").write_text(
        "title: Clinic routine\nsummary: Two stretches.\nrest_between_items: 30\nitems:\n"
        "  - stretch: bird-dog\n  - stretch: childs-pose\n", encoding="utf-8")
    return content_copy


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture(scope="session")
def serve_dir() -> Iterator[Callable[..., str]]:
    """Serve folders over HTTP on loopback; return a function giving each one's base URL."""
    servers: list[http.server.ThreadingHTTPServer] = []

    def start(folder: Path, host: str = "127.0.0.1",
              handler_class: type[http.server.SimpleHTTPRequestHandler] = _QuietHandler) -> str:
        handler = functools.partial(handler_class, directory=str(folder))
        server = http.server.ThreadingHTTPServer((host, 0), handler)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        return f"http://{host}:{server.server_address[1]}/"

    yield start
    for server in servers:
        server.shutdown()
        server.server_close()


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    """Headless Debian Chromium driven by Playwright."""
    if not Path(CHROMIUM).exists():
        pytest.fail("Chromium is missing: `make test` installs it (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        instance = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield instance
        instance.close()
