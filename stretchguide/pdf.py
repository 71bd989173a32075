"""Render PDF documents: in worker processes (typeset.py lays each out), or from the cache.

Why a module of its own: the cards and the booklet are both HTML documents turned into tagged
PDFs. Each is described by a `Job` (its HTML and what it may read), a pure function of which
is the PDF, so a job can be cached by its content and rendered in any process. One `Renderer`
takes the jobs of every stage and every language as they are planned, so the workers start
at once and stay busy while the site is built.
"""

from __future__ import annotations

import concurrent.futures
import ctypes
import ctypes.util
import dataclasses
import datetime
import functools
import importlib.metadata
import logging
import multiprocessing
import multiprocessing.connection
import os
import re
import threading
from collections.abc import Callable, Hashable, Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit
from urllib.request import url2pathname

from . import __version__, cache
from .models import BuildOptions
from .problems import Problem
from .progress import progress

if TYPE_CHECKING:
    from . import typeset

#: Tagged PDF (PDF/UA-1) for every document WeasyPrint writes.
PDF_VARIANT = "pdf/ua-1"
#: Creation date of every PDF when SOURCE_DATE_EPOCH is not set: constant, so builds repeat.
FIXED_DATE = "2000-01-01T00:00:00Z"

log = logging.getLogger(__name__)


# ---- What laying out a document needs (typeset.py lays it out) -----------------------------


@dataclasses.dataclass(frozen=True)
class RenderOptions:
    """What laying out a document needs besides its HTML."""

    base_url: str  # file URL of the folder the HTML's relative links resolve against
    roots: tuple[Path, ...]  # the only folders files may be read from
    stylesheets: tuple[Path, ...] = ()  # applied to every document, after its own styles


def build_stamp() -> str:
    """Return the creation date of the PDFs: SOURCE_DATE_EPOCH when set, else a constant."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if epoch and epoch.strip().isdigit():
        when = datetime.datetime.fromtimestamp(int(epoch), tz=datetime.UTC)
        return when.strftime("%Y-%m-%dT%H:%M:%SZ")
    return FIXED_DATE


# ---- Jobs: documents rendered in worker processes, or taken from the cache ----------------


@dataclasses.dataclass(frozen=True)
class Job:
    """One PDF to render: its HTML, and tighter variants for when a face runs over."""

    ident: str  # seeds the PDF's identifier
    html: str
    what: str  # names the document in layout warnings
    label: str  # names it in warnings from writing the PDF
    options: RenderOptions  # where its links resolve, what it may read, its stylesheets
    anchors: tuple[str, ...] = ()  # element ids of the faces whose pages are counted
    compact: tuple[str, str] | None = None  # (old, new): the tighter variant is the HTML with this swap
    margin: float = 0.0  # the page's margin in mm: the room below a face ends there
    # Handed to the workers after every other job: a document the files are made of last (a
    # routine's handout), so a worker renders it while the decks and sheets are assembled.
    last: bool = False

    @property
    def compact_html(self) -> str | None:
        """Return the tighter variant's HTML, or None when the job has none."""
        return self.html.replace(*self.compact, 1) if self.compact else None

    @property
    def tight_html(self) -> str | None:
        """Return the tightest variant's HTML (the compact one, also "tight"), or None."""
        if not self.compact:
            return None
        old, new = self.compact
        return self.html.replace(old, new.replace(' compact"', ' compact tight"'), 1)


@dataclasses.dataclass(frozen=True)
class Output:
    """A rendered job: tagged PDF bytes, pages per face, and labelled WeasyPrint warnings."""

    pdf: bytes
    pages: dict[str, int]
    warnings: tuple[str, ...]
    cpu: float = 0.0  # CPU seconds rendering it took, in whichever process (0 when from the cache)


#: Uncached jobs the build holds before it starts worker processes: fewer (after a small edit)
#: are rendered in the build's own process, since starting a worker costs more than a few documents.
MIN_JOBS_FOR_WORKERS = 8
#: What a worker process keeps between jobs: fonts and parsed stylesheets, per kind of document.
_WORKER_CACHES: dict[RenderOptions, typeset.LayoutCache] = {}


def _start_worker(build_pid: int) -> None:
    _die_with(build_pid)


def _die_with(build_pid: int) -> None:
    """End this worker when the build process ends, even if it is killed.

    Why: a killed build would otherwise leave its workers rendering cards nobody will use.
    A thread waits on the parent's sentinel, which is ready once the parent has ended.
    """
    parent = multiprocessing.parent_process()
    if parent is None or parent.pid != build_pid or not parent.is_alive():
        os._exit(1)

    def watch() -> None:
        multiprocessing.connection.wait([parent.sentinel])
        os._exit(1)

    threading.Thread(target=watch, name="watch-build", daemon=True).start()


def _work(jobs: list[Job]) -> list[Output]:
    from . import typeset

    outputs = []
    for job in jobs:
        if job.options not in _WORKER_CACHES:
            _WORKER_CACHES[job.options] = typeset.LayoutCache()
        outputs.append(typeset.run_job(job, _WORKER_CACHES[job.options]))
    return outputs


def environment_key(options: RenderOptions) -> str:
    """Return a digest of what shapes every PDF besides its HTML: styles, fonts, versions."""
    base = Path(url2pathname(urlsplit(options.base_url).path))
    files = [path for folder in (base, *(root / "fonts" for root in options.roots))
             for path in folder.rglob("*") if path.is_file() and path.suffix != ".html"]
    files += list(options.stylesheets)
    return cache.digest(
        __version__, *(importlib.metadata.version(name) for name in ("weasyprint", "pydyf")), *text_libraries(),
        PDF_VARIANT, options.base_url, *(str(root) for root in options.roots), cache.files_digest(files))


@functools.cache
def text_libraries() -> tuple[str, ...]:
    """Return the versions of the system libraries that shape a PDF's bytes, and the subsetter.

    Why: Pango may break lines differently in another version, and WeasyPrint subsets fonts
    with HarfBuzz when its subset library is installed, else with fontTools (other bytes, and
    a warning). A cached card from one machine must not be taken for another's.
    """
    found = []
    for name, function in (("pango-1.0", "pango_version_string"), ("harfbuzz", "hb_version_string")):
        path = ctypes.util.find_library(name)
        version = "missing"
        if path:
            library_function = getattr(ctypes.CDLL(path), function)
            library_function.restype = ctypes.c_char_p
            version = library_function().decode("ascii")
        found.append(f"{name} {version}")
    subset = ctypes.util.find_library("harfbuzz-subset")
    found.append(f"font subsetting: {'harfbuzz-subset' if subset else 'fontTools'}")
    return tuple(found)


#: WeasyPrint messages about the machine, not about a document: printed once, never on a file.
MACHINE_MESSAGES = (re.compile(r"Using fontTools instead of HarfBuzz-Subset"),)


_FILE_URL = re.compile(r"""file://[^"'\s<>)]+""")


def job_key(job: Job, environment: str) -> str:
    """Return the cache key of a job: its HTML and every file it links to by file: URL."""
    linked = [Path(url2pathname(urlsplit(url).path)) for url in sorted(set(_FILE_URL.findall(
        job.html)))]
    return cache.digest(environment, job.ident, job.what, job.label, "\0".join(job.anchors), job.html,
                        *(job.compact or ("\0none",)),
                        cache.files_digest(linked))



class Renderer:
    """Renders jobs handed in one at a time: from the cache when it has them, else on worker processes.

    Why hand jobs in as they are planned: the workers start on the first documents while the
    rest are planned and the site is built, instead of waiting for the whole plan. Outputs are
    asked for afterwards, by the ticket `submit` returned. Too few uncached jobs to start workers
    for (after a small edit) are rendered in this process when they are asked for.

    Jobs marked `last` (the routines' handouts) are rendered after the rest, on workers of their
    own, one fewer than the rest had: the files made of the other documents are assembled in
    this process meanwhile, on the core left over.
    """

    def __init__(self, cache_dir: Path | None, jobs: int = 0, verbose: bool = False) -> None:
        self.store = cache.Store(cache_dir, "pdf")
        self.workers = max(1, jobs or os.cpu_count() or 1)
        self.verbose = verbose
        self._local: typeset.LayoutCache | None = None  # for jobs rendered in this process
        self._keys: list[str] = []
        self._jobs: dict[int, Job] = {}  # not yet rendered, by ticket
        self._done: dict[int, Output] = {}
        self._held: list[int] = []  # uncached, not yet handed to a worker
        self._last: list[int] = []  # uncached and marked `last`: held until the rest are rendered
        self._running: dict[concurrent.futures.Future[list[Output]], list[int]] = {}  # tickets, by their task
        self._pool: concurrent.futures.ProcessPoolExecutor | None = None
        self._environments: dict[RenderOptions, str] = {}
        self._logged = False
        self.cached = 0
        self.cpu = 0.0  # CPU seconds of the jobs rendered, in this process and the workers

    def __enter__(self) -> Renderer:
        return self

    def __exit__(self, *exc: object) -> None:
        self._end_pool(cancel=True)

    def __len__(self) -> int:
        return len(self._keys)

    def submit(self, job: Job) -> int:
        """Hand in a job; return the ticket its output is asked for by."""
        ticket = len(self._keys)
        if job.options not in self._environments:
            self._environments[job.options] = environment_key(job.options)
        key = job_key(job, self._environments[job.options])
        self._keys.append(key)
        hit = self.store.get(key)
        if hit is not None:
            self._done[ticket] = Output(hit[0], dict(hit[1]["pages"]), tuple(hit[1]["warnings"]))
            self.cached += 1
            return ticket
        self._jobs[ticket] = job
        (self._last if job.last else self._held).append(ticket)
        self._hand_out_if_worth_it()
        return ticket

    def key(self, ticket: int) -> str:
        """Return the cache key of the job handed in as `ticket`."""
        return self._keys[ticket]

    def _hand_out_if_worth_it(self) -> None:
        """Hand the jobs held to the workers once they are running, or once enough are held to start them."""
        if self.workers > 1 and (self._pool is not None or len(self._held) >= MIN_JOBS_FOR_WORKERS):
            self._hand_out(self.workers)

    def _hand_out(self, workers: int, tasks: int = 0) -> None:
        """Hand the jobs held to the workers: each a task of its own, or in `tasks` tasks."""
        if self._pool is None:
            # Why spawn: a forked WeasyPrint/Pango state is not safe to reuse; results come back as bytes.
            self._pool = concurrent.futures.ProcessPoolExecutor(
                max_workers=workers, mp_context=multiprocessing.get_context("spawn"),
                initializer=_start_worker, initargs=(os.getpid(),))
        size = -(-len(self._held) // tasks) if tasks else 1
        for start in range(0, len(self._held), size):
            tickets = self._held[start:start + size]
            self._running[self._pool.submit(_work, [self._jobs[ticket] for ticket in tickets])] = tickets
        self._held = []

    def _end_pool(self, cancel: bool = False) -> None:
        # Why as soon as its jobs are done: the workers' fonts, stylesheets and layouts (about 200 MiB
        # each in a large library) would otherwise stay in memory while the files are assembled.
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=cancel)
            self._pool = None

    def _store(self, ticket: int, output: Output) -> None:
        self._done[ticket] = output
        self.cpu += output.cpu
        self.store.put(self._keys[ticket], output.pdf, {"pages": output.pages, "warnings": list(output.warnings)})
        log.debug("rendered %s", self._jobs.pop(ticket).ident)

    def result(self, ticket: int) -> Output:
        """Return the output of a job handed in, rendering it or waiting for it first when it is not done.

        Each output is handed over once and not kept: a language's documents are freed once its
        files are assembled, instead of every language's staying in memory to the end.
        """
        if ticket not in self._done:
            if ticket in self._last:
                self.finish(last=False)
            self._wait(ticket)
        return self._done.pop(ticket)

    def finish(self, last: bool = True) -> None:
        """Render every job handed in that is neither cached nor done yet.

        With `last=False`, every job but those marked `last`, which then start on workers of their
        own; too few for that are handed to the workers after the rest.
        """
        if not self._logged:
            self._logged = True
            log.info("pdf: %d documents, %d from the cache, %d rendered in %s", len(self._keys), self.cached,
                     len(self._keys) - self.cached, f"{self.workers} worker processes" if self._pool else
                     "this process")
        if len(self._last) < MIN_JOBS_FOR_WORKERS:  # too few for workers of their own: after the rest
            self._held += self._last
            self._last = []
            self._hand_out_if_worth_it()
        self._wait(*(ticket for ticket, job in self._jobs.items() if not job.last))
        if self._last:
            self._end_pool()
            self._held, self._last = self._last, []
            if self.workers > 1 and len(self._held) >= MIN_JOBS_FOR_WORKERS:
                # In a few tasks: a worker is handed its next task by a thread of this process, which
                # waits while this process assembles (pikepdf holds the GIL); with one job per task
                # the worker sat idle for part of the time.
                self._hand_out(self.workers - 1, tasks=4 * (self.workers - 1))
        if last:
            self._wait(*self._jobs)

    def _wait(self, *tickets: int) -> None:
        """Wait for the workers to render these jobs; without workers, render every job held here.

        A job marked `last` is held apart until `finish` hands it out, so it is not waited for before.
        """
        wanted = set(tickets)
        local = self._held if self._pool is None else []
        waiting = {future for future, queued in self._running.items() if wanted.intersection(queued)}
        if local or waiting:
            with progress(len(local) + len(waiting), "Rendering cards and booklets", self.verbose) as advance:
                if local:
                    from . import typeset

                    cache = self._local = self._local or typeset.LayoutCache()
                    for ticket in local:
                        self._store(ticket, typeset.run_job(self._jobs[ticket], cache))
                        advance()
                    self._held = []
                while waiting:
                    done, _ = concurrent.futures.wait(list(self._running),
                                                      return_when=concurrent.futures.FIRST_COMPLETED)
                    for future in done:
                        for ticket, output in zip(self._running.pop(future), future.result(), strict=True):
                            self._store(ticket, output)
                        if future in waiting:
                            waiting.discard(future)
                            advance()
        if not self._running:
            self._end_pool()


def render_all(jobs: Sequence[Job], cache_dir: Path | None, workers: int = 0, verbose: bool = False) -> list[Output]:
    """Render every job (from the cache when it has them); return their outputs in order."""
    with Renderer(cache_dir, workers, verbose) as renderer:
        tickets = [renderer.submit(job) for job in jobs]
        return [renderer.result(ticket) for ticket in tickets]


class Outputs(Mapping[Hashable, Output]):
    """A plan's outputs by job key, each asked of the renderer when first read (and so waited for)."""

    def __init__(self, renderer: Renderer, tickets: dict[Hashable, int]) -> None:
        self._renderer, self._tickets = renderer, tickets
        self._read: dict[Hashable, Output] = {}

    def __getitem__(self, key: Hashable) -> Output:
        if key not in self._read:
            self._read[key] = self._renderer.result(self._tickets[key])
        return self._read[key]

    def __iter__(self) -> Iterator[Hashable]:
        return iter(self._tickets)

    def __len__(self) -> int:
        return len(self._tickets)


@dataclasses.dataclass
class Plan:
    """A stage's documents, handed to a `Renderer` as they are planned, and what makes its files of them.

    `finish(outputs, dest)` writes the stage's files under `dest` from the outputs by job key and
    returns its warnings (or raises ContentError).
    """

    jobs: Iterable[tuple[Hashable, Job]]
    finish: Callable[[Mapping[Hashable, Output], Path], list[Problem]]


def render_plan(plan: Plan, dest: Path, options: BuildOptions) -> list[Problem]:
    """Render a plan's jobs (from the cache when it has them) and finish it into `dest`."""
    planned = list(plan.jobs)
    keys, jobs = [key for key, _ in planned], [job for _, job in planned]
    outputs = render_all(jobs, options.cache_dir, options.jobs, options.verbosity > 0)
    return plan.finish(dict(zip(keys, outputs, strict=True)), dest)
