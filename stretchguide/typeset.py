"""Lay out and write one HTML document with WeasyPrint: the only module that imports it.

Why a module of its own: a build whose documents all come from the cache (or `check` of
content that does not load) never needs WeasyPrint, whose import alone costs most of a
second. The worker processes and the cards' fit check import it when they lay something out.
"""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import io
import logging
import mimetypes
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from urllib.request import url2pathname

from fontTools.ttLib import woff2
from weasyprint import CSS, HTML, Document
from weasyprint.text.fonts import FontConfiguration
from weasyprint.urls import URLFetcher, URLFetcherResponse

from .pdf import PDF_VARIANT, Job, Output, RenderOptions


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


@dataclasses.dataclass
class Rendered:
    """A laid-out document, what WeasyPrint reported while laying it out, and the HTML it was laid out from."""

    document: Document
    warnings: list[str]
    html: str = ""


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
    return Rendered(document, messages, html)


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


#: The room (mm) every face of a card's compact variant leaves when its normal variant also fits.
#: Why: the normal spacing makes a face about 9 % taller, a nearly full one 9.9-24 mm taller
#: (measured on the default cards in both languages and 126 made-up ones, at each card size; the
#: default cards alone, 12.3 mm at least); so a compact face with less room than this left cannot
#: take it, and 9 mm leaves a margin under the least measured. With 6 mm, three of the default
#: cards (7.8-7.9 mm left) were laid out in the normal spacing in vain, in every build.
NORMAL_NEEDS_MM = 9.0


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
        labelled = Rendered(rendered.document, [f"{job.what}: {message}" for message in rendered.warnings], html)
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
