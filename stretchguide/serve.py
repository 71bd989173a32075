"""Live preview: build once, serve the output, rebuild when content, theme or docs change.

A failed rebuild prints its problems and leaves the last good site up (the build is atomic);
open pages poll a build id and reload when a new build is in.
"""

from __future__ import annotations

import dataclasses
import functools
import http.server
import logging
import os
import queue
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Collection, Iterable
from pathlib import Path
from typing import Any

import watchfiles

from . import loader, pipeline
from .cli import err, print_problems
from .models import BuildOptions
from .problems import ContentError, command, display_path

log = logging.getLogger("stretchguide")

#: URL prefix of the preview's own endpoints; no page of the guide lives under it.
PREFIX = "/__stretchguide__/"


class BuildState:
    """The id of the last good build, shared by the watcher and the request handlers."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._id = 0

    @property
    def build_id(self) -> str:
        """Return the current build id."""
        with self._lock:
            return str(self._id)

    def bump(self) -> None:
        """Record a new good build."""
        with self._lock:
            self._id += 1


class PreviewHandler(http.server.SimpleHTTPRequestHandler):
    """Serve the site without caching, and add the reload script to every HTML page."""

    state: BuildState
    reload_js: bytes
    reload_tag: bytes
    service_worker: bytes

    def log_message(self, format: str, *args: Any) -> None:
        """Stay quiet: build messages matter more than request logs."""

    def end_headers(self) -> None:
        """Forbid caching, so a reload always shows the new build."""
        self.send_header("Cache-Control", "no-store")
        super().end_headers()

    def do_GET(self) -> None:
        """Answer the preview endpoints; inject the reload script into HTML; else serve files."""
        path = self.path.split("?", 1)[0].split("#", 1)[0]
        if path == PREFIX + "build-id":
            return self._send(self.state.build_id.encode(), "text/plain; charset=utf-8")
        if path == PREFIX + "reload.js":
            return self._send(self.reload_js, "text/javascript; charset=utf-8")
        if path == "/sw.js":  # the guide's offline worker would show stored pages: this one removes itself
            return self._send(self.service_worker, "text/javascript; charset=utf-8")
        local = self.translate_path(path)
        if os.path.isdir(local) and path.endswith("/"):
            local = os.path.join(local, "index.html")
        if local.endswith(".html") and os.path.isfile(local):
            try:
                with open(local, "rb") as page:
                    body = page.read()
            except OSError:
                return super().do_GET()  # swapped out mid-read: let the file server answer
            at = body.rfind(b"</body>")
            body = body[:at] + self.reload_tag + body[at:] if at >= 0 else body + self.reload_tag
            return self._send(body, "text/html; charset=utf-8")
        return super().do_GET()

    def _send(self, body: bytes, content_type: str) -> None:
        self.send_response(200)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


#: Outputs a rebuild carries over from the last build, so that it shows the pages first; the full
#: build that follows renders them. The cards and the booklet take most of a build; the embeds,
#: about a sixth of the quick build at 200 stretches, are not what an open page shows.
SLOW_OUTPUTS = ("cards", "booklet", "embeds")
#: Runs the command line in a child process (there may be no build.py beside an installed package);
#: its first argument is the command the reader typed, which its messages name.
CHILD_MAIN = "import sys; from stretchguide.cli import main; sys.argv[0] = sys.argv.pop(1); sys.exit(main())"


class FullBuild:
    """The complete build after a quick one, in a child process so that a new edit can cancel it."""

    def __init__(self, options: BuildOptions, state: BuildState) -> None:
        self.options = options
        self.state = state
        self._lock = threading.Lock()
        self._process: subprocess.Popen[str] | None = None

    def start(self) -> None:
        """Start building everything, cancelling a build still running."""
        self.cancel()
        process = subprocess.Popen([sys.executable, "-c", CHILD_MAIN, command(), *build_args(self.options)],
                                   stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                                   start_new_session=True)
        with self._lock:
            self._process = process
        threading.Thread(target=self._finish, args=(process, time.perf_counter()), daemon=True).start()

    def _finish(self, process: subprocess.Popen[str], started: float) -> None:
        output, _ = process.communicate()
        with self._lock:
            if self._process is not process:
                return  # cancelled by a newer edit
            self._process = None
        if process.returncode == 0:
            self.state.bump()
            err.print(f"cards rebuilt in {time.perf_counter() - started:.1f} s", markup=False)
        else:
            err.print(output.rstrip(), markup=False)
            err.print("the full build failed; the pages are up to date, the cards are not", markup=False)

    def cancel(self) -> None:
        """Stop a running build; the next build clears what it left (see output.recover)."""
        with self._lock:
            process, self._process = self._process, None
        if process is not None and process.poll() is None:
            stop_process_group(process)


def stop_process_group(process: subprocess.Popen[Any], timeout: float = 10) -> None:
    """Stop a process started with `start_new_session=True`, and everything it started."""
    os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=timeout)


def build_args(options: BuildOptions) -> list[str]:
    """Return the `build` command line that reproduces `options`."""
    args = ["build", "--content", str(options.content_dir), "--out", str(options.out_dir), "--quiet"]
    if options.strict:
        args.append("--strict")
    if options.draft:
        args.append("--draft")
    if options.engine != "mkdocs":
        args += ["--engine", options.engine]
    if options.card_size:
        args += ["--card-size", options.card_size]
    if options.site_url:
        args += ["--site-url", options.site_url]
    if options.jobs:
        args += ["--jobs", str(options.jobs)]
    if options.cache_dir:
        args += ["--cache-dir", str(options.cache_dir)]
    if options.theme_overrides:
        args += ["--theme", str(options.theme_overrides)]
    return args


def rebuild(options: BuildOptions, state: BuildState, full: FullBuild, changed: Iterable[str] = ()) -> bool:
    """Rebuild after a change: the pages first (cards carried over), then everything. Return success.

    Why in passes: rendering every card takes seconds, and the open page should show an edit
    within about two; the cards catch up in the background. Between the two, a quick pass renders
    the cards of the stretch files among `changed`, so an edited card is back within seconds too:
    apart from the pages, since laying a card out (about 0.4 s) would hold the page back.
    """
    full.cancel()
    if not any((options.out_dir / name).is_dir() for name in SLOW_OUTPUTS):
        return build_once(options, state)
    if not build_once(options, state, reuse=SLOW_OUTPUTS):
        return False
    edited = edited_stretches(changed)
    if edited and not build_once(options, state, reuse=SLOW_OUTPUTS, fresh=edited, pages_as_before=True):
        return False
    full.start()
    return True


def edited_stretches(paths: Iterable[str]) -> set[str]:
    """Return the ids of the stretches whose files (or translations) are among `paths`: an id is its file name."""
    return {Path(path).stem for path in paths
            if Path(path).parent.name == "stretches" and Path(path).suffix in (".yml", ".yaml")}


def build_once(options: BuildOptions, state: BuildState, reuse: tuple[str, ...] = (),
               fresh: Collection[str] = (), pages_as_before: bool = False) -> bool:
    """Build once; on success bump the build id and print the warnings, on failure print why.
    Return whether it built.

    `pages_as_before`: the pages are those of the build just before (only cards are new), so
    open pages are not asked to reload again, nor are its warnings printed again.
    """
    started = time.perf_counter()
    try:
        warnings = pipeline.build(options, reuse=reuse, fresh=fresh)
    except ContentError as exc:
        print_problems(exc.problems)
        err.print("build failed; still serving the last good site", markup=False)
        return False
    except Exception:
        # A bug, not a content problem: show the traceback but keep the preview running.
        log.exception("build crashed; still serving the last good site")
        return False
    if not pages_as_before:
        state.bump()
        print_problems(warnings)
    what = "everything"
    if reuse:
        edited = f" and the own card of {', '.join(sorted(fresh))}" if fresh else ""
        what = f"pages{edited} ({', '.join(reuse)} follow)"
    err.print(f"built {what} in {time.perf_counter() - started:.1f} s", markup=False)
    return True


class GuideFilter(watchfiles.DefaultFilter):
    """Watch what the guide is built from: not docs/manual/, which documents the engine."""

    def __init__(self, docs_dir: Path) -> None:
        super().__init__()
        self.docs_dir = docs_dir.absolute()

    def __call__(self, change: watchfiles.Change, path: str) -> bool:
        """Return whether a change matters."""
        where = Path(path).absolute()
        if where.is_relative_to(self.docs_dir) and where.parent != self.docs_dir:
            return False
        return super().__call__(change, path)


class Watcher:
    """Collects changes from before the first build on, in a thread, so that no save goes unseen.

    Why a thread started first: a file saved while the first build runs (a minute or more for a
    large library), or in the moment after it, would be missed by a watcher started after it.
    """

    def __init__(self, paths: list[Path], keep: GuideFilter, stop: threading.Event) -> None:
        self.changes: queue.Queue[set[str]] = queue.Queue()
        self.stop = stop
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._watch, args=(paths, keep), name="watcher", daemon=True)

    def start(self, timeout: float = 30) -> None:
        """Start watching, and return once the watcher sees every later save."""
        self._thread.start()
        self._ready.wait(timeout)

    def _watch(self, paths: list[Path], keep: GuideFilter) -> None:
        # Why the short timeout: the first (empty) yield says the watcher is in place.
        for changes in watchfiles.watch(*paths, watch_filter=keep, debounce=150, step=50, stop_event=self.stop,
                                        rust_timeout=200, yield_on_timeout=True, raise_interrupt=False):
            self._ready.set()
            if changes:
                self.changes.put({path for _, path in changes})

    def next(self) -> set[str] | None:
        """Wait for changes and return them with any that queued up meanwhile; None once stopped."""
        while not self.stop.is_set():
            try:
                paths = self.changes.get(timeout=0.2)
            except queue.Empty:
                continue
            while not self.changes.empty():
                paths |= self.changes.get_nowait()
            return paths
        return None


def rebuild_after(paths: list[str], options: BuildOptions, state: BuildState, full: FullBuild) -> None:
    """Say which files changed (the first five), and rebuild."""
    names = sorted({display_path(Path(path)) for path in paths})
    err.print(f"changed: {', '.join(names[:5])}{' ...' if len(names) > 5 else ''}", markup=False)
    rebuild(options, state, full, paths)


class Stop:
    """SIGTERM's handler: stop like Ctrl+C, and mark the watch loop stopped.

    Why both: Python runs a signal handler between any two bytecodes of the main thread, also
    inside a finaliser that the garbage collector runs, where the KeyboardInterrupt it raises is
    printed and dropped; the watch loop then still sees the event and ends.
    """

    def __init__(self) -> None:
        self.event = threading.Event()

    def __call__(self, signum: int, frame: object) -> None:
        self.event.set()
        raise KeyboardInterrupt


def serve(options: BuildOptions, host: str, port: int) -> int:
    """Serve the guide on host:port and rebuild on every change, until interrupted."""
    # Why only here: the preview's own builds render just the pages that changed; the full
    # build that follows each one (a child `build`) is a release build, clean and strict.
    options = dataclasses.replace(options, incremental=True)
    loader.keep_read_files()  # read again only the files a save changed
    state = BuildState()
    full = FullBuild(options, state)
    out_dir = options.out_dir.absolute()
    out_dir.mkdir(parents=True, exist_ok=True)
    serve_dir = options.theme_dir / "site" / "serve"
    handler = type("Handler", (PreviewHandler,), {
        "state": state,
        "reload_js": (serve_dir / "reload.js").read_bytes(),
        "reload_tag": (serve_dir / "reload.html").read_bytes(),
        "service_worker": (serve_dir / "sw.js").read_bytes(),
    })
    server = http.server.ThreadingHTTPServer((host, port), functools.partial(handler, directory=str(out_dir)))
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, name="preview-server", daemon=True).start()
    watched = [p for p in (options.content_dir, options.theme_overrides, options.theme_dir, options.docs_dir,
                           options.mkdocs_config) if p is not None and p.exists()]
    err.print(f"Serving {display_path(out_dir)} on http://{host}:{server.server_address[1]}/ ; "
              f"watching {', '.join(display_path(p) for p in watched)} (Ctrl+C to stop)", markup=False)
    stop = Stop()
    signal.signal(signal.SIGTERM, stop)  # stop like Ctrl+C, so the child build is stopped too
    watcher = Watcher(watched, GuideFilter(options.docs_dir), stop.event)
    watcher.start()
    try:
        rebuild(options, state, full)
        while (changed := watcher.next()) is not None:
            rebuild_after(sorted(changed), options, state, full)
    except KeyboardInterrupt:
        pass
    finally:
        err.print("stopped", markup=False)
        stop.event.set()
        full.cancel()
        server.shutdown()
        server.server_close()
    return 0
