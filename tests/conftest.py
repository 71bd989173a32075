"""Shared fixtures: an empty cache per test, the default guide built once, waiting for events,
a static file server, a browser."""

from __future__ import annotations

import functools
import http.server
import os
import re
import shutil
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Collection, Iterator
from pathlib import Path
from typing import TypeVar

import pytest

from stretchguide.cli import main

ROOT = Path(__file__).resolve().parent.parent
CONTENT = ROOT / "content"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--disable-quic", "--no-first-run"]
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 800}
#: The cache folder the command line uses instead of .cache/stretchguide in the working folder.
CACHE_ENV = "STRETCHGUIDE_CACHE_DIR"

T = TypeVar("T")


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--update-golden", action="store_true", help="rewrite golden files from current output")


@pytest.fixture(scope="session")
def update_golden(request: pytest.FixtureRequest) -> bool:
    return bool(request.config.getoption("--update-golden"))


@pytest.fixture(scope="session", autouse=True)
def unclaimed_cache(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """Where a build outside any test's own cache would go; such a build is an error.

    Each test gets its own cache (`cache_dir`), and a fixture shared by several tests must make
    its own (`fresh_cache`). A build that falls back to this folder found neither: it would have
    shared one cache with other fixtures, or written .cache/ into the working folder.
    """
    folder = tmp_path_factory.mktemp("unclaimed-cache")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv(CACHE_ENV, str(folder))
        yield folder
    used = sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*"))
    assert not used, (f"a fixture built with the session's fallback cache ({used[:3]}); "
                      "give it a cache of its own with fresh_cache()")


@pytest.fixture(autouse=True)
def cache_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty cache folder for this test alone, passed to every build (and subprocess) it runs."""
    folder = tmp_path / "stretchguide-cache"  # created by the first build that writes to it
    monkeypatch.setenv(CACHE_ENV, str(folder))
    return folder


def fresh_cache(tmp_path_factory: pytest.TempPathFactory, name: str = "cache") -> Path:
    """Return a new empty cache folder, for a fixture that outlives one test."""
    return tmp_path_factory.mktemp(name)


def wait_for(predicate: Callable[[], T], timeout: float, what: str, interval: float = 0.05) -> T:
    """Poll `predicate` until it returns something true, and return that; fail naming `what` after `timeout` s.

    An exception from `predicate` counts as "not yet" (a server that is not listening yet); the
    last one is shown if time runs out.
    """
    deadline = time.monotonic() + timeout
    last: Exception | None = None
    while True:
        try:
            result = predicate()
            if result:
                return result
        except Exception as exc:
            last = exc
        if time.monotonic() >= deadline:
            pytest.fail(f"gave up after {timeout:g} s waiting for {what}"
                        + (f" (last error: {last!r})" if last else ""))
        time.sleep(interval)


def children(pid: int) -> list[int]:
    """Return the ids of the live processes whose parent is `pid` (none once it has ended)."""
    found: list[int] = []
    for task in Path(f"/proc/{pid}/task").glob("*/children"):
        try:
            found += [int(child) for child in task.read_text().split()]
        except OSError:  # the thread or the process ended meanwhile
            continue
    return sorted(set(found))


def alive(pid: int) -> bool:
    """Whether process `pid` exists and has not ended (a zombie has ended)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return False
    return fields[0] != "Z"


def require_debian_packages(missing: list[str], what: str) -> None:
    """Skip `what`, saying why, when Debian packages are missing and this run cannot install them.

    Root can install them (`make test` does, through `make system-deps`), so as root a missing
    package is a broken set-up: the test fails, naming the fix, instead of passing unseen.
    """
    if not missing:
        return
    fix = f"run `make system-deps` (apt-get install {' '.join(sorted(set(missing)))})"
    if os.geteuid() != 0:
        pytest.skip(f"{what} needs the Debian packages {', '.join(sorted(set(missing)))}, and installing them "
                    f"needs root; as root, {fix}")
    pytest.fail(f"{what}: missing Debian packages {' '.join(sorted(set(missing)))}; {fix}")


@pytest.fixture(scope="session")
def built_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The default guide as it ships, in every language, built once per test session from an empty cache of its own."""
    out = tmp_path_factory.mktemp("built") / "site"
    cache = fresh_cache(tmp_path_factory, "built-cache")
    assert main(["build", "--content", str(CONTENT), "--out", str(out), "--quiet", "--cache-dir", str(cache)]) == 0
    return out


@pytest.fixture(scope="session")
def default_content_checked(tmp_path_factory: pytest.TempPathFactory) -> subprocess.CompletedProcess[str]:
    """`build.py check` of the default content as it ships, in every language: run once per session,
    from the checkout, with an empty cache of its own."""
    env = {**os.environ, CACHE_ENV: str(fresh_cache(tmp_path_factory, "check-cache"))}
    return subprocess.run([sys.executable, str(ROOT / "build.py"), "check", "--content", str(CONTENT)], cwd=ROOT,
                          capture_output=True, text=True, timeout=300, env=env)


def copy_content(dest: Path, *, languages: bool = False, stretches: Collection[str] | None = None) -> Path:
    """Copy the default content folder to `dest`, in the guide's own language only; return `dest`.

    Why one language: every language of content/translations/ is a whole second output of every
    build, so a test that is not about languages builds without them. `languages` keeps them.
    `stretches` keeps only the stretches named (and the routine items and alternatives that name
    them): a smaller library for a test about a mechanism that does not need all of them. Its
    translations keep only those stretches too, and no routine whose items changed (a translated
    routine's items follow the source's by position).
    """
    shutil.copytree(CONTENT, dest, ignore=None if languages else shutil.ignore_patterns("translations"))
    if stretches is None:
        return dest
    kept = set(stretches)
    assert kept <= {p.stem for p in (CONTENT / "stretches").glob("*.yml")}, kept
    for path in (dest / "stretches").glob("*.yml"):
        if path.stem not in kept:
            path.unlink()
            for translated in (dest / "translations").glob(f"*/stretches/{path.name}"):
                translated.unlink()
            continue
        text = path.read_text(encoding="utf-8")
        alternative = re.search(r"(?m)^alternative:\n  stretch: (\S+)\n(?:  .*\n)*", text)
        if alternative and alternative[1] not in kept:
            # A translation records the source text it was made from: without its alternative, it is out of date.
            assert not languages, f"keep {alternative[1]}, the alternative of {path.stem}, with the translations"
            path.write_text(text.replace(alternative[0], ""), encoding="utf-8")
    for path in (dest / "routines").glob("*.yml"):
        text = path.read_text(encoding="utf-8")
        fewer = re.sub(r"(?m)^  - stretch: (\S+)\n(?:    .*\n)*", lambda item: item[0] if item[1] in kept else "",
                       text)
        if fewer != text:
            assert "  - stretch: " in fewer, f"keep a stretch of {path.name}"
            path.write_text(fewer, encoding="utf-8")
            for translated in (dest / "translations").glob(f"*/routines/{path.name}"):
                translated.unlink()
    return dest


@pytest.fixture(scope="session")
def default_content(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The default content folder in the guide's own language only, for builds that do not change it.

    Shared by the whole session: a test that edits content uses `content_copy` instead.
    """
    return copy_content(tmp_path_factory.mktemp("default-content") / "content")


@pytest.fixture
def content_copy(tmp_path: Path) -> Path:
    """A writable copy of the default content folder, in the guide's own language only (see `copy_content`)."""
    return copy_content(tmp_path / "content")


@pytest.fixture
def translated_content(tmp_path: Path) -> Path:
    """A writable copy of the default content folder with its translations, for tests about languages."""
    return copy_content(tmp_path / "content", languages=True)


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
    require_debian_packages([] if Path(CHROMIUM).exists() else ["chromium"], "driving a browser")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        instance = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield instance
        instance.close()
