"""Lay out and write PDF documents with WeasyPrint: in worker processes, or from the cache.

Why a module of its own: the cards and the booklet are both HTML documents turned into tagged
PDFs. Each is described by a `Job` (its HTML and what it may read), a pure function of which
is the PDF, so a job can be cached by its content and rendered in any process. One `Renderer`
takes the jobs of every stage and every language as they are planned, so the workers start
at once and stay busy while the site is built.
"""

from __future__ import annotations

import concurrent.futures
import contextlib
import ctypes
import ctypes.util
import dataclasses
import datetime
import functools
import hashlib
import io
import logging
import mimetypes
import multiprocessing
import multiprocessing.connection
import os
import re
import threading
import time
from collections.abc import Callable, Hashable, Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from urllib.request import url2pathname

import pydyf
import weasyprint
from fontTools.ttLib import woff2
from weasyprint import CSS, HTML, Document
from weasyprint.text.fonts import FontConfiguration
from weasyprint.urls import URLFetcher, URLFetcherResponse

from . import __version__, cache
from .models import BuildOptions
from .problems import Problem
from .progress import progress

#: Tagged PDF (PDF/UA-1) for every document WeasyPrint writes.
PDF_VARIANT = "pdf/ua-1"
#: Creation date of every PDF when SOURCE_DATE_EPOCH is not set: constant, so builds repeat.
FIXED_DATE = "2000-01-01T00:00:00Z"

log = logging.getLogger(__name__)


# ---- Rendering one HTML document ---------------------------------------------------------


class FolderFetcher(URLFetcher):
    """Fetch files inside the allowed folders, and data: URLs; refuse everything else.

    Why: a template or content file must never make the build reach the network
    or read files outside the theme and content folders.
    """

    def __init__(self, roots: Sequence[Path]) -> None:
        super().__init__(allowed_protocols=("file", "data"))
        self._roots = tuple(root.resolve() for root in roots)

    def fetch(self, url: str, headers: Any = None) -> URLFetcherResponse:
        """Return the file at `url` when it lies inside an allowed folder."""
        parts = urlsplit(url)
        if parts.scheme == "data":
            return super().fetch(url, headers)
        if parts.scheme != "file":
            raise ValueError(f"refusing to fetch {url}: only files in the theme and content "
                             "folders may be used")
        path = Path(url2pathname(parts.path)).resolve()
        if not any(path.is_relative_to(root) for root in self._roots):
            raise ValueError(f"refusing to read {path}: it is outside the theme and content folders")
        return URLFetcherResponse(url, _read_cached(path), {"Content-Type": _content_type(path)})


@contextlib.contextmanager
def captured_warnings() -> Iterator[list[str]]:
    """Collect what WeasyPrint logs at warning level or above instead of printing it."""
    logger = logging.getLogger("weasyprint")
    messages: list[str] = []

    class _Collect(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            messages.append(record.getMessage())

    handler = _Collect(logging.WARNING)
    saved = logger.level, logger.propagate
    logger.addHandler(handler)
    logger.setLevel(logging.WARNING)
    logger.propagate = False
    try:
        yield messages
    finally:
        logger.removeHandler(handler)
        logger.setLevel(saved[0])
        logger.propagate = saved[1]


@dataclasses.dataclass(frozen=True)
class RenderOptions:
    """What laying out a document needs besides its HTML."""

    base_url: str  # file URL of the folder the HTML's relative links resolve against
    roots: tuple[Path, ...]  # the only folders files may be read from
    stylesheets: tuple[Path, ...] = ()  # applied to every document, after its own styles


@dataclasses.dataclass
class Rendered:
    """A laid-out document and what WeasyPrint reported while laying it out."""

    document: Document
    warnings: list[str]


class LayoutCache:
    """What documents laid out in one process can share: fonts, parsed stylesheets, images.

    Why: parsing the stylesheet and registering its fonts costs more than laying out a
    card; sharing them changes no output.
    """

    def __init__(self) -> None:
        self.fonts = FontConfiguration()
        self.images: dict[str, Any] = {}
        self._sheets: dict[tuple[Path, tuple[Path, ...]], CSS] = {}

    def stylesheet(self, path: Path, roots: tuple[Path, ...]) -> CSS:
        """Return the parsed stylesheet at `path`, parsing it once."""
        key = (path, roots)
        if key not in self._sheets:
            self._sheets[key] = CSS(url=path.resolve().as_uri(), url_fetcher=FolderFetcher(roots),
                                    font_config=self.fonts)
        return self._sheets[key]


def layout_html(html: str, options: RenderOptions, cache: LayoutCache | None = None) -> Rendered:
    """Lay out one HTML document; a pure function of its inputs (`cache` only saves time)."""
    cache = cache or LayoutCache()
    with captured_warnings() as messages:
        sheets = [cache.stylesheet(path, options.roots) for path in options.stylesheets]
        document = HTML(string=html, base_url=options.base_url,
                        url_fetcher=FolderFetcher(options.roots)).render(
            font_config=cache.fonts, stylesheets=sheets, cache=cache.images,
            pdf_variant=PDF_VARIANT)
    return Rendered(document, messages)


def write_pdf(document: Document, name: str) -> tuple[bytes, list[str]]:
    """Write a laid-out document as tagged PDF bytes with an identifier derived from `name`."""
    identifier = hashlib.sha256(name.encode()).hexdigest()[:32].encode()
    with captured_warnings() as messages:
        data = document.write_pdf(pdf_variant=PDF_VARIANT, pdf_identifier=identifier)
    return bytes(data), messages


def face_page_counts(document: Document, anchors: Sequence[str]) -> dict[str, int]:
    """Return how many pages each face (found by its element id) takes in `document`."""
    first: dict[str, int] = {}
    for number, page in enumerate(document.pages):
        for name in page.anchors:
            first.setdefault(name, number)
    starts = [first.get(anchor, len(document.pages)) for anchor in anchors] + [len(document.pages)]
    return {anchor: starts[i + 1] - starts[i] for i, anchor in enumerate(anchors)}


_FILE_CACHE: dict[Path, bytes] = {}


def _read_cached(path: Path) -> bytes:
    # Fonts and the stylesheet are read by every document; read each file once per process.
    if path not in _FILE_CACHE:
        data = path.read_bytes()
        if data[:4] == b"wOF2":
            # Why: WeasyPrint unpacks WOFF2 (slow, in pure Python) for every document it lays
            # out; handing it the unpacked font once per process makes each layout faster.
            out = io.BytesIO()
            woff2.decompress(io.BytesIO(data), out)
            data = out.getvalue()
        _FILE_CACHE[path] = data
    return _FILE_CACHE[path]


def _content_type(path: Path) -> str:
    if path.suffix == ".css":
        return "text/css; charset=utf-8"
    if path.suffix == ".woff2":
        return "font/ttf"  # unpacked by _read_cached
    return mimetypes.guess_type(path.name)[0] or "application/octet-stream"



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


#: The room (mm) every face of a card's compact variant leaves when its normal variant also fits.
#: Why: the normal spacing makes a face about 9 % taller, and a nearly full one at least 12 mm
#: taller (measured on the default cards in both languages and 126 made-up ones, at each card
#: size: 9.9-24 mm); so a compact face with less room than this left cannot take it.
NORMAL_NEEDS_MM = 6.0


def layout_job(job: Job, cache: LayoutCache) -> tuple[Rendered, dict[str, int]]:
    """Lay out one job in the loosest variant whose faces each fit on one page; return pages per face.

    Why this order: most cards need the compact variant, so it is laid out first; when a face
    runs over, the tight one follows; when every face leaves room enough for the normal spacing
    (NORMAL_NEEDS_MM below its end marker), the normal one is laid out and kept if it fits. The
    choice is the same as trying normal, compact and tight in turn, with one layout per card
    in the common case. The text never gets smaller, only the spacing; the warnings are those
    of the variant kept.
    """
    def attempt(html: str) -> tuple[Rendered, dict[str, int]]:
        rendered = layout_html(html, job.options, cache)
        labelled = Rendered(rendered.document, [f"{job.what}: {message}" for message in rendered.warnings])
        return labelled, face_page_counts(rendered.document, job.anchors)

    compact, tight = job.compact_html, job.tight_html
    if compact is None or tight is None:
        return attempt(job.html)
    rendered, pages = attempt(compact)
    if any(n != 1 for n in pages.values()):
        return attempt(tight)
    if min(face_rooms(rendered.document, job.anchors, job.margin)) >= NORMAL_NEEDS_MM:
        normal, normal_pages = attempt(job.html)
        if all(n == 1 for n in normal_pages.values()):
            return normal, normal_pages
    return rendered, pages


def face_rooms(document: Document, anchors: Sequence[str], margin: float) -> list[float]:
    """Return the room in mm below each face's end (its element `<anchor>-end`) on the page.

    A face without that marker (a clinic's own template) counts as having room for anything.
    """
    ends = {name: page.height - y for page in document.pages
            for name, (_, y, *_) in page.anchors.items()}
    return [ends[f"{anchor}-end"] * 25.4 / 96 - margin if f"{anchor}-end" in ends else float("inf")
            for anchor in anchors]


def run_job(job: Job, cache: LayoutCache) -> Output:
    """Lay out and write one job; a pure function of the job and the files it reads."""
    started = time.process_time()
    try:
        rendered, pages = layout_job(job, cache)
        data, messages = write_pdf(rendered.document, job.ident)
    finally:
        # Why: each card's figure is an image of its own (a data: URL); kept for the next
        # documents, they filled about 1.5 GB per worker in a 1,000-stretch build.
        cache.images.clear()
    return Output(data, pages, tuple(rendered.warnings + [f"{job.label}: {message}" for message in messages]),
                  time.process_time() - started)


#: Uncached jobs the build holds before it starts worker processes: fewer (after a small edit)
#: are rendered in the build's own process, since starting a worker costs more than a few documents.
MIN_JOBS_FOR_WORKERS = 8
#: What a worker process keeps between jobs: fonts and parsed stylesheets, per kind of document.
_WORKER_CACHES: dict[RenderOptions, LayoutCache] = {}


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


def _work(job: Job) -> Output:
    return run_job(job, _WORKER_CACHES.setdefault(job.options, LayoutCache()))


def environment_key(options: RenderOptions) -> str:
    """Return a digest of what shapes every PDF besides its HTML: styles, fonts, versions."""
    base = Path(url2pathname(urlsplit(options.base_url).path))
    files = [path for folder in (base, *(root / "fonts" for root in options.roots))
             for path in folder.rglob("*") if path.is_file() and path.suffix != ".html"]
    files += list(options.stylesheets)
    return cache.digest(
        __version__, weasyprint.__version__, pydyf.__version__, *text_libraries(), PDF_VARIANT,
        options.base_url, *(str(root) for root in options.roots), cache.files_digest(files))


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
    """

    def __init__(self, cache_dir: Path | None, jobs: int = 0, verbose: bool = False) -> None:
        self.store = cache.Store(cache_dir, "pdf")
        self.workers = max(1, jobs or os.cpu_count() or 1)
        self.verbose = verbose
        self.local = LayoutCache()
        self._keys: list[str] = []
        self._jobs: dict[int, Job] = {}  # not yet rendered, by ticket
        self._done: dict[int, Output] = {}
        self._held: list[int] = []  # uncached, not yet handed to a worker
        self._running: dict[concurrent.futures.Future[Output], int] = {}
        self._pool: concurrent.futures.ProcessPoolExecutor | None = None
        self._environments: dict[RenderOptions, str] = {}
        self.cached = 0
        self.cpu = 0.0  # CPU seconds of the jobs rendered, in this process and the workers

    def __enter__(self) -> Renderer:
        return self

    def __exit__(self, *exc: object) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None

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
        self._held.append(ticket)
        if self.workers > 1 and (self._pool is not None or len(self._held) >= MIN_JOBS_FOR_WORKERS):
            self._hand_out()
        return ticket

    def _hand_out(self) -> None:
        if self._pool is None:
            # Why spawn: a forked WeasyPrint/Pango state is not safe to reuse; results come back as bytes.
            self._pool = concurrent.futures.ProcessPoolExecutor(
                max_workers=self.workers, mp_context=multiprocessing.get_context("spawn"),
                initializer=_start_worker, initargs=(os.getpid(),))
        for ticket in self._held:
            self._running[self._pool.submit(_work, self._jobs[ticket])] = ticket
        self._held = []

    def _store(self, ticket: int, output: Output) -> None:
        self._done[ticket] = output
        self.cpu += output.cpu
        self.store.put(self._keys[ticket], output.pdf, {"pages": output.pages, "warnings": list(output.warnings)})
        log.debug("rendered %s", self._jobs.pop(ticket).ident)

    def result(self, ticket: int) -> Output:
        """Return the output of a job handed in, rendering or waiting for every job not done yet.

        Each output is handed over once and not kept: a language's documents are freed once its
        files are assembled, instead of every language's staying in memory to the end.
        """
        if ticket not in self._done:
            self.finish()
        return self._done.pop(ticket)

    def finish(self) -> None:
        """Render every job handed in that is neither cached nor done yet."""
        pending = len(self._held) + len(self._running)
        log.info("pdf: %d documents, %d from the cache, %d rendered in %s", len(self._keys), self.cached,
                 len(self._keys) - self.cached, f"{self.workers} worker processes" if self._pool else "this process")
        with progress(pending, "Rendering cards and booklets", self.verbose) as advance:
            for ticket in self._held:
                self._store(ticket, run_job(self._jobs[ticket], self.local))
                advance()
            self._held = []
            for future in concurrent.futures.as_completed(list(self._running)):
                self._store(self._running.pop(future), future.result())
                advance()
        if self._pool is not None:
            # Why now: the workers' fonts, stylesheets and layouts (about 200 MiB each in a large
            # library) would otherwise stay in memory while the decks and sheets are assembled.
            self._pool.shutdown(wait=True)
            self._pool = None


def render_all(jobs: Sequence[Job], cache_dir: Path | None, workers: int = 0, verbose: bool = False) -> list[Output]:
    """Render every job (from the cache when it has them); return their outputs in order."""
    with Renderer(cache_dir, workers, verbose) as renderer:
        tickets = [renderer.submit(job) for job in jobs]
        return [renderer.result(ticket) for ticket in tickets]


@dataclasses.dataclass
class Plan:
    """A stage's documents, handed to a `Renderer` as they are planned, and what makes its files of them.

    `finish(outputs, dest)` writes the stage's files under `dest` from the outputs by job key and
    returns its warnings (or raises ContentError).
    """

    jobs: Iterable[tuple[Hashable, Job]]
    finish: Callable[[dict[Hashable, Output], Path], list[Problem]]


def render_plan(plan: Plan, dest: Path, options: BuildOptions) -> list[Problem]:
    """Render a plan's jobs (from the cache when it has them) and finish it into `dest`."""
    planned = list(plan.jobs)
    keys, jobs = [key for key, _ in planned], [job for _, job in planned]
    outputs = render_all(jobs, options.cache_dir, options.jobs, options.verbosity > 0)
    return plan.finish(dict(zip(keys, outputs, strict=True)), dest)
