"""Render the pocket cards, imposed sheets and routine handouts as WeasyPrint PDFs.

Why this shape: each stretch's card is laid out from its own HTML document by a
pure function (`layout_html`), so a card can be rendered, checked and cached on
its own; the deck and the sheets are assembled from those pages afterwards.
"""

from __future__ import annotations

import base64
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
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from urllib.request import url2pathname

import markupsafe
import pydyf
import segno
import weasyprint
from fontTools.ttLib import woff2
from weasyprint import CSS, HTML, Document
from weasyprint.text.fonts import FontConfiguration
from weasyprint.urls import URLFetcher, URLFetcherResponse

from . import __version__, cache, i18n, impose
from .models import Library, RenderContext, Routine, Stretch
from .problems import ContentError, Problem
from .progress import progress

#: Tagged PDF (PDF/UA-1) for every document WeasyPrint writes.
PDF_VARIANT = "pdf/ua-1"
#: Creation date of every PDF when SOURCE_DATE_EPOCH is not set: constant, so builds repeat.
FIXED_DATE = "2000-01-01T00:00:00Z"
#: The cover card's two faces come first in the deck.
COVER_ID = "cover"

log = logging.getLogger(__name__)


@dataclasses.dataclass(frozen=True)
class PageBox:
    """Geometry of one printed page in millimetres, and the CSS class of its variant."""

    width: float
    height: float
    margin: float
    figure: float  # height of the figure box
    qr: float  # side of the QR code
    html_class: str


#: Card sizes (portrait), with their figure and QR sizes tuned so typical content fits.
#: Why no A7 or 3x5in: at 9pt (the smallest text a card sets) the default guide's cards need
#: about 290 mm of a 3x5in card's two 119 mm faces, even with the steps alone on the front.
CARD_PAGES: dict[str, PageBox] = {
    "A6": PageBox(105.0, 148.0, 4.5, 32.0, 15.0, "size-a6"),
    "4x6in": PageBox(101.6, 152.4, 4.5, 34.0, 15.0, "size-4x6in"),
}
#: Card sizes with more room than each size, suggested when a card does not fit.
BIGGER_CARDS: dict[str, str] = {"A6": "4x6in"}
#: The large-print deck: the cards enlarged to a page that prints at full size on A4 and on US
#: Letter paper (210 x 279.4 mm, the two papers' overlap). Text of at least 9pt on any card size
#: becomes at least 16pt (4x6in is enlarged least, 1.83 times).
LARGE_PRINT = (210.0, 279.4)
#: Sheet sizes in millimetres (portrait).
SHEETS: dict[str, tuple[float, float]] = {"a4": (210.0, 297.0), "letter": (215.9, 279.4)}
HANDOUT_MARGIN = 14.0
#: Bleed of the print shop's deck, each side, in millimetres.
PRINT_SHOP_BLEED = 3.0



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


# ---- The build ---------------------------------------------------------------------------


def build_stamp() -> str:
    """Return the creation date of the PDFs: SOURCE_DATE_EPOCH when set, else a constant."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if epoch and epoch.strip().isdigit():
        when = datetime.datetime.fromtimestamp(int(epoch), tz=datetime.UTC)
        return when.strftime("%Y-%m-%dT%H:%M:%SZ")
    return FIXED_DATE


def qr_svg(url: str, title: str, store: cache.Store | None = None) -> markupsafe.Markup:
    """Return a QR code of `url` as inline vector SVG, sized by CSS, from `store` when it has it.

    Why a store: segno tries all eight masks in pure Python (about 10 ms a code), and a library
    of 1,000 stretches has 2,000 codes to plan on every build.
    """
    key = cache.digest("qr", segno.__version__, url, title)
    hit = store.get(key) if store else None
    if hit is not None:
        return markupsafe.Markup(hit[0].decode("utf-8"))
    code = segno.make(url, error="m", micro=False)
    # Why Markup: segno builds the SVG from the URL it encodes; the title is escaped by segno.
    svg = code.svg_inline(scale=1, border=0, omitsize=True, title=title, svgclass="qr__svg", dark="#000")
    if store:
        store.put(key, svg.encode("utf-8"), {})
    return markupsafe.Markup(svg)


def short_url(url: str) -> str:
    """Drop the scheme: the address a reader types, printed under the QR code."""
    return url.split("://", 1)[-1]


def figure_src(svg: str) -> str:
    """Return a figure's SVG as a data: URL, so it stays vector and carries alt text."""
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode("utf-8")).decode("ascii")


class CardRenderer:
    """Renders every card, handout and sheet of one library into PDF bytes."""

    def __init__(self, context: RenderContext) -> None:
        self.context = context
        self.library: Library = context.library
        self.guide = context.library.guide
        theme = context.options.theme_dir.resolve()
        self.options = RenderOptions(base_url=(theme / "cards").as_uri() + "/",
                                     roots=(theme, context.library.content_dir.resolve()),
                                     stylesheets=(theme / "cards" / "cards.css",))
        self.cache = LayoutCache()
        self.qr_store = cache.Store(context.options.cache_dir, "qr")
        self.stamp = build_stamp()
        self.warnings: list[Problem] = []
        self.machine: dict[str, str] = {}  # messages about the machine, by pattern

    # -- templates --

    def html(self, template: str, **values: Any) -> str:
        """Render a template of theme/cards/ with the values every document shares."""
        return str(self.context.env.get_template(f"cards/{template}").render(
            guide=self.guide, stamp=self.stamp, library=self.library, page_counter=page_counter(), **values))

    def page_values(self, page: PageBox) -> dict[str, Any]:
        """Return the template values describing a page box, and the clinic's logo."""
        return {"page": page, "html_class": page.html_class, "logo_src": self.logo_src()}

    def logo_src(self) -> str | None:
        """Return the file URL of the clinic's logo (guide.branding.logo), or None when it has none."""
        logo = self.guide.branding.logo
        path = (self.library.content_dir / logo).resolve() if logo else None
        return path.as_uri() if path and path.is_file() else None

    def layout(self, html: str, source: Path, what: str) -> Document:
        """Lay out a document, turning WeasyPrint's log into W005 warnings on `source`."""
        rendered = layout_html(html, self.options, self.cache)
        self.note(rendered.warnings, source, what)
        return rendered.document

    def note(self, messages: Sequence[str], source: Path, what: str) -> None:
        """Record WeasyPrint messages as W005 warnings."""
        self.note_all([f"{what}: {message}" for message in messages], source)

    # -- cards --

    def stretch_values(self, stretch: Stretch, page: PageBox) -> dict[str, Any]:
        """Return the template values of one stretch's card."""
        art = self.context.figures.get(stretch.id)
        page_url = self.context.absolute_url("stretch", stretch.id)
        before = self.context.absolute_url("before")
        return {
            **self.page_values(page),
            "stretch": stretch,
            # The language the stretch's text is in when it is not translated yet, else None.
            "src": self.context.source_lang if self.context.untranslated("stretch", stretch.id) else None,
            "figure_src": figure_src(art.svg) if art else None,
            "figure_alt": art.alt if art else "",
            "red_flags_short": short_url(before) if before else None,
            "alternative": self.library.stretches[stretch.alternative.stretch] if stretch.alternative else None,
            "alternative_href": self.context.absolute_url("stretch", stretch.alternative.stretch)
            if stretch.alternative else None,
            "page_url": page_url,
            "short_url": short_url(page_url) if page_url else None,
            "qr_svg": qr_svg(page_url, i18n.gettext("QR code: the page of {title} online").format(
                title=stretch.title), self.qr_store)
            if page_url else None,
        }

    def cover_values(self, page: PageBox) -> dict[str, Any]:
        """Return the template values of the cover card."""
        home = self.context.absolute_url("home")
        return {
            **self.page_values(page),
            "page_url": home,
            "short_url": short_url(home) if home else None,
            "qr_svg": qr_svg(home, i18n.gettext("QR code: {title} online").format(title=self.guide.title),
                             self.qr_store) if home else None,
        }

    def guide_path(self) -> Path:
        """Return the path of guide.yml, for problems about the guide as a whole."""
        return self.library.content_dir / "guide.yml"

    def source_of(self, item_id: str) -> Path:
        """Return the file a card's problems are reported on: in another language, its translation."""
        path = self.guide_path() if item_id == COVER_ID else self.library.source_paths.get(
            item_id, self.guide_path())
        part = "guide" if item_id == COVER_ID else f"stretch:{item_id}"
        if self.context.language and part not in self.library.untranslated:
            content = self.library.content_dir.resolve()
            if path.resolve().is_relative_to(content):
                translated = (content / "translations" / self.context.language
                              / path.resolve().relative_to(content))
                if translated.is_file():
                    return translated
        return path

    def card_job(self, template: str, values: dict[str, Any], page: PageBox, item_id: str,
                 what: str) -> Job:
        """Return the job of one card, with a tighter variant for when a face runs over."""
        html = self.html(template, **values)
        # The compact variant differs only in the class of <html> (base.html), so it is made
        # from the HTML when needed rather than rendered and held (a large library's jobs fill
        # hundreds of MB).
        opening = f'class="{markupsafe.escape(page.html_class)}">'
        assert html.count(opening) == 1, "base.html must set the page's class once, on <html>"
        return Job(ident=f"{self.guide.title}/{item_id}", html=html,
                   what=what, label=item_id, anchors=(f"{item_id}-front", f"{item_id}-back"),
                   compact=(opening, f'class="{markupsafe.escape(page.html_class)} compact">'))

    def stretch_job(self, stretch: Stretch, page: PageBox) -> Job:
        """Return the job of one stretch's card."""
        return self.card_job("stretch.html", self.stretch_values(stretch, page), page, stretch.id,
                             f"card {stretch.id}")

    def cover_job(self, page: PageBox) -> Job:
        """Return the job of the cover card."""
        return self.card_job("cover.html", self.cover_values(page), page, COVER_ID, "cover card")

    def run(self, job: Job, source: Path) -> Output:
        """Render a job in this process, noting its warnings on `source`."""
        output = run_job(job, self.options, self.cache)
        self.note_all(output.warnings, source)
        return output

    def note_all(self, messages: Sequence[str], source: Path) -> None:
        """Record already-labelled WeasyPrint messages as W005 warnings; set aside those about the machine."""
        for message in messages:
            machine = next((m for m in MACHINE_MESSAGES if m.search(message)), None)
            if machine is not None:
                self.machine.setdefault(machine.pattern, message.split(": ", 1)[-1])
            else:
                self.warnings.append(Problem(source, 1, 1, "cards", message, "W005"))

    def report_machine(self) -> None:
        """Print each problem of this machine once, as such: no content file is to blame."""
        for message in self.machine.values():
            log.warning("this machine: %s (on Debian: apt-get install libharfbuzz-subset0; "
                        "`make build` installs it)", message)

    def stretch_card(self, stretch: Stretch, page: PageBox) -> Document:
        """Lay out one stretch's front and back as the build does, tighter if needed to fit."""
        return self.laid_out(self.stretch_job(stretch, page), self.source_of(stretch.id))

    def cover_card(self, page: PageBox) -> Document:
        """Lay out the cover card's front and back as the build does, tighter if needed to fit."""
        return self.laid_out(self.cover_job(page), self.guide_path())

    def laid_out(self, job: Job, source: Path) -> Document:
        """Lay out a job in this process, recording its warnings on `source`."""
        rendered, _ = layout_job(job, self.options, self.cache)
        self.note_all(rendered.warnings, source)
        return rendered.document

    def overflow_problems(self, pages: dict[str, int] | Document, item_id: str, source: Path, size: str,
                          ) -> list[Problem]:
        """Return a problem for each face of a card (pages per face, or its layout) that runs over."""
        if isinstance(pages, Document):
            pages = face_page_counts(pages, [f"{item_id}-front", f"{item_id}-back"])
        problems = []
        for anchor, count in pages.items():
            if count > 1:
                side = anchor.rsplit("-", 1)[1]
                keys = ("setup, steps, feel" if side == "front" else "helper_cues, easier, harder, safety")
                if item_id == COVER_ID:
                    keys = "safety_rules" if side == "front" else "red_flags, disclaimer"
                bigger = BIGGER_CARDS.get(size)
                larger = (f", or choose a bigger card with --card-size {bigger} (or print.card_size "
                          "in guide.yml)") if bigger else ""
                problems.append(Problem(
                    source, 1, 1, "",
                    f"the {side} of the {size} card does not fit: it needs {count} pages; "
                    f"shorten the text ({keys}){larger}"))
        return problems

    # -- handouts --

    def handout_job(self, routine: Routine, sheet: str) -> Job:
        """Return the job of a routine handout on A4 or Letter."""
        width, height = SHEETS[sheet]
        page = PageBox(width, height, HANDOUT_MARGIN, 48.0, 22.0, f"handout handout-{sheet}")
        steps = self.library.steps(routine)
        figures = {step.stretch.id: self.context.figures.get(step.stretch.id) for step in steps}
        page_url = self.context.absolute_url("routine", routine.id)
        html = self.html(
            "handout.html", **self.page_values(page), routine=routine, steps=steps,
            stretches=self.library.stretches, absolute_url=self.context.absolute_url,
            figure_srcs={sid: figure_src(art.svg) for sid, art in figures.items() if art},
            figure_alts={sid: art.alt for sid, art in figures.items() if art},
            total=self.library.routine_seconds(routine), page_url=page_url,
            short_url=short_url(page_url) if page_url else None,
            qr_svg=qr_svg(page_url, f"QR code: {routine.title} online", self.qr_store) if page_url else None,
            sheet=sheet)
        return self.job(html, f"routine-{routine.id}-{sheet}")

    def handout(self, routine: Routine, sheet: str) -> bytes:
        """Render a routine handout on A4 or Letter."""
        return self.run(self.handout_job(routine, sheet),
                        self.library.source_paths.get(routine.id, self.guide_path())).pdf

    def job(self, html: str, name: str) -> Job:
        """Return the job of a document that is written as laid out (no faces to check)."""
        return Job(ident=f"{self.guide.title}/{name}", html=html, what=name, label=name)

    # -- sheets --

    def overlay_job(self, sheets: Sequence[impose.SheetMarks], width: float, height: float,
                    name: str) -> Job:
        """Return the job of the marks and labels of imposed sheets: one page per different sheet side."""
        page = PageBox(width, height, 0.0, 0.0, 0.0, "sheet")
        return self.job(self.html("sheet.html", **self.page_values(page), sheets=sheets,
                                  line=impose.MARK_LINE_MM), name)

    def calibration_job(self, sheet: str) -> Job:
        """Return the job of the front/back registration sheet with the back offset applied."""
        width, height = SHEETS[sheet]
        page = PageBox(width, height, 0.0, 0.0, 0.0, "calibration")
        offset = self.guide.print.back_offset_mm
        ticks = list(range(-10, 11))
        html = self.html("calibration.html", **self.page_values(page), sheet=sheet, ticks=ticks,
                         offset=offset, centre=(width / 2, height / 2))
        return self.job(html, f"calibration-{sheet}")

    def calibration(self, sheet: str) -> bytes:
        """Render the front/back registration sheet with the current back offset applied."""
        return self.run(self.calibration_job(sheet), self.guide_path()).pdf


# ---- Jobs: documents rendered in worker processes, or taken from the cache ----------------


@dataclasses.dataclass(frozen=True)
class Job:
    """One PDF to render: its HTML, and a tighter variant to use when a face runs over."""

    ident: str  # seeds the PDF's identifier
    html: str
    what: str  # names the document in layout warnings
    label: str  # names it in warnings from writing the PDF
    anchors: tuple[str, ...] = ()  # element ids of the faces whose pages are counted
    compact: tuple[str, str] | None = None  # (old, new): the tighter variant is the HTML with this swap

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


def layout_job(job: Job, options: RenderOptions, cache: LayoutCache) -> tuple[Rendered, dict[str, int]]:
    """Lay out one job, again in its compact, then its tight variant while a face runs over;
    return pages per face.

    Why: most cards fit with comfortable spacing; a crowded one gets tighter spacing
    (never smaller text) before the build gives up on it.
    """
    rendered = layout_html(job.html, options, cache)
    warnings = [f"{job.what}: {message}" for message in rendered.warnings]
    pages = face_page_counts(rendered.document, job.anchors)
    for variant in (job.compact_html, job.tight_html):
        if variant is None or all(n == 1 for n in pages.values()):
            break
        rendered = layout_html(variant, options, cache)
        warnings += [f"{job.what}: {message}" for message in rendered.warnings]
        pages = face_page_counts(rendered.document, job.anchors)
    return Rendered(rendered.document, warnings), pages


def run_job(job: Job, options: RenderOptions, cache: LayoutCache) -> Output:
    """Lay out and write one job; a pure function of the job and the files it reads."""
    try:
        rendered, pages = layout_job(job, options, cache)
        data, messages = write_pdf(rendered.document, job.ident)
    finally:
        # Why: each card's figure is an image of its own (a data: URL); kept for the next
        # documents, they filled about 1.5 GB per worker in a 1,000-stretch build.
        cache.images.clear()
    return Output(data, pages, tuple(rendered.warnings + [f"{job.label}: {message}" for message in messages]))


_WORKER: tuple[RenderOptions, LayoutCache] | None = None
#: Fewer documents than this per worker are rendered in the build's own process.
MIN_JOBS_PER_WORKER = 4


def _start_worker(options: RenderOptions, build_pid: int) -> None:
    # Each worker process keeps its own fonts and parsed stylesheet for all its jobs.
    global _WORKER
    _die_with(build_pid)
    _WORKER = (options, LayoutCache())


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
    assert _WORKER is not None, "worker not started"
    return run_job(job, *_WORKER)


def environment_key(options: RenderOptions) -> str:
    """Return a digest of what shapes every PDF besides its HTML: styles, fonts, versions."""
    files = [path for root in options.roots for folder in ("cards", "fonts")
             for path in (root / folder).rglob("*") if path.is_file() and path.suffix != ".html"]
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


def render_jobs(jobs: Sequence[Job], renderer: CardRenderer) -> list[Output]:
    """Render every job, reusing cached outputs, on `options.jobs` worker processes."""
    build = renderer.context.options
    store = cache.Store(build.cache_dir, "cards")
    environment = environment_key(renderer.options)
    keys = [job_key(job, environment) for job in jobs]
    outputs: dict[int, Output] = {}
    for index, key in enumerate(keys):
        hit = store.get(key)
        if hit is not None:
            outputs[index] = Output(hit[0], dict(hit[1]["pages"]), tuple(hit[1]["warnings"]))
    todo = [index for index in range(len(jobs)) if index not in outputs]
    # Why not always a pool: starting a worker (importing WeasyPrint, loading fonts) costs more
    # than rendering a few documents here, as after a small edit.
    workers = max(1, min(build.jobs or os.cpu_count() or 1, len(todo) // MIN_JOBS_PER_WORKER))
    log.info("cards: rendering %d of %d documents on %d process(es); %d from the cache",
             len(todo), len(jobs), workers, len(jobs) - len(todo))

    def done(index: int, output: Output) -> None:
        outputs[index] = output
        store.put(keys[index], output.pdf, {"pages": output.pages, "warnings": list(output.warnings)})
        log.debug("rendered %s", jobs[index].ident)

    with progress(len(todo), "Rendering cards", build.verbosity > 0) as advance:
        if workers > 1:
            # Why spawn: a forked WeasyPrint/Pango state is not safe to reuse; results come back as bytes.
            with concurrent.futures.ProcessPoolExecutor(
                    max_workers=workers, mp_context=multiprocessing.get_context("spawn"),
                    initializer=_start_worker, initargs=(renderer.options, os.getpid())) as pool:
                futures = {pool.submit(_work, jobs[index]): index for index in todo}
                for future in concurrent.futures.as_completed(futures):
                    done(futures[future], future.result())
                    advance()
        else:
            for index in todo:
                done(index, run_job(jobs[index], renderer.options, renderer.cache))
                advance()
    return [outputs[index] for index in range(len(jobs))]


def plan_jobs(renderer: CardRenderer, page: PageBox) -> dict[tuple[str, str], tuple[Job, Path]]:
    """Return every document to render, by (kind, id), with the file its warnings name.

    kinds: handout-a4/handout-letter (routine id), card (cover or stretch id), marks,
    fold-marks and calibration (sheet).
    """
    library = renderer.library
    jobs: dict[tuple[str, str], tuple[Job, Path]] = {}
    for routine_id, routine in library.routines.items():  # the slowest first, for even workers
        for sheet in SHEETS:
            jobs["handout-" + sheet, routine_id] = (renderer.handout_job(routine, sheet),
                                                    library.source_paths.get(routine_id, renderer.guide_path()))
    jobs["card", COVER_ID] = (renderer.cover_job(page), renderer.guide_path())
    for stretch_id, stretch in library.stretches.items():
        jobs["card", stretch_id] = (renderer.stretch_job(stretch, page), renderer.source_of(stretch_id))
    cards = 1 + len(library.stretches)
    for sheet, (width, height) in SHEETS.items():
        duplex = impose.plan_grid(width, height, page.width, page.height)
        fold = impose.plan_grid(width, height, 2 * page.width, page.height)
        jobs["marks", sheet] = (renderer.overlay_job(impose.distinct(impose.duplex_marks(
            duplex, cards, sheet_label(sheet)))[0], width, height, f"sheets-{sheet}-marks"), renderer.guide_path())
        jobs["fold-marks", sheet] = (renderer.overlay_job(impose.distinct(impose.fold_marks(fold, cards))[0],
                                                          width, height, f"sheets-{sheet}-fold-marks"),
                                     renderer.guide_path())
        jobs["calibration", sheet] = (renderer.calibration_job(sheet), renderer.guide_path())
    return jobs


def face_problems(renderer: CardRenderer, pages: dict[tuple[str, str], dict[str, int]]) -> list[Problem]:
    """Return a problem for every card face that runs over its page."""
    problems: list[Problem] = []
    for card_id in [COVER_ID, *renderer.library.stretches]:
        problems += renderer.overflow_problems(pages["card", card_id], card_id, renderer.source_of(card_id),
                                               renderer.context.card_size)
    return problems


def fit_problems(context: RenderContext) -> list[Problem]:
    """Lay out every card as a build would and return the faces that do not fit, and WeasyPrint's warnings.

    Why through render_jobs: the cards go to the cache, so the build after a check reuses them.
    """
    renderer = CardRenderer(context)
    jobs = {key: value for key, value in plan_jobs(renderer, CARD_PAGES[context.card_size]).items()
            if key[0] == "card"}
    outputs = dict(zip(jobs, render_jobs([job for job, _ in jobs.values()], renderer), strict=True))
    for key, output in outputs.items():
        renderer.note_all(output.warnings, jobs[key][1])
    renderer.report_machine()
    return renderer.warnings + face_problems(renderer, {key: output.pages for key, output in outputs.items()})


def render_cards(context: RenderContext, dest: Path) -> list[Problem]:
    """Render the deck, one PDF per stretch, sheets, calibration and handouts into dest/cards/."""
    renderer = CardRenderer(context)
    library = context.library
    guide = library.guide
    size = context.card_size
    page = CARD_PAGES[size]
    (dest / context.prefix / "cards").mkdir(parents=True, exist_ok=True)

    def save(kind: str, item_id: str, data: bytes) -> None:
        # Every file is named by context.url (in this language's tree), so the site's links and the
        # files never drift.
        (dest / context.root_url(kind, item_id)).write_bytes(data)

    # Every document is a job, described by its HTML, rendered in workers or taken from the cache.
    card_ids = [COVER_ID, *library.stretches]
    jobs = plan_jobs(renderer, page)
    rendered = dict(zip(jobs, render_jobs([job for job, _ in jobs.values()], renderer), strict=True))
    for key, output in rendered.items():
        renderer.note_all(output.warnings, jobs[key][1])
    renderer.report_machine()

    # Every face must fit on one page of its card.
    overflow = face_problems(renderer, {key: output.pages for key, output in rendered.items()})
    if overflow:
        raise ContentError(overflow)
    log.info("%d card faces", sum(sum(rendered["card", card_id].pages.values()) for card_id in card_ids))

    # The deck joins the cards' own tagged PDFs; the large print is the deck enlarged; one PDF
    # per stretch is its card as rendered.
    titles = [guide.title, *(stretch.title for stretch in library.stretches.values())]
    deck = impose.join_tagged([rendered["card", card_id].pdf for card_id in card_ids], titles)
    save("deck", "", deck)
    save("deck-large-print", "", impose.enlarge(deck, LARGE_PRINT[0] * impose.MM, LARGE_PRINT[1] * impose.MM,
                                                i18n.gettext("{title} (large print)").format(
                                                    title=guide.title)))
    save("print-shop", size, impose.add_bleed(deck, PRINT_SHOP_BLEED * impose.MM,
                                              i18n.gettext("{title} ({size} cards for a print shop)").format(
                                                  title=guide.title, size=size)))
    for stretch_id in library.stretches:
        save("card", stretch_id, rendered["card", stretch_id].pdf)
    # Imposed sheets, from the deck's pages: front of card k is page 2k, its back 2k + 1.
    pairs = [(2 * k, 2 * k + 1) for k in range(len(card_ids))]
    offset = (guide.print.back_offset_mm.x, guide.print.back_offset_mm.y)
    with impose.Deck(deck) as forms:
        for sheet, (width, height) in SHEETS.items():
            duplex = impose.plan_grid(width, height, page.width, page.height)
            fold = impose.plan_grid(width, height, 2 * page.width, page.height)
            save("sheets", sheet, impose.impose_duplex(
                forms, pairs, duplex, offset, rendered["marks", sheet].pdf,
                impose.distinct(impose.duplex_marks(duplex, len(card_ids), sheet_label(sheet)))[1],
                sheet_meta(context, sheet)))
            save("sheets-fold", sheet, impose.impose_fold(
                forms, pairs, fold, rendered["fold-marks", sheet].pdf,
                impose.distinct(impose.fold_marks(fold, len(card_ids)))[1], sheet_meta(context, sheet)))
    for sheet in SHEETS:
        save("calibration", sheet, rendered["calibration", sheet].pdf)

    for (kind, item_id), output in rendered.items():
        if kind.startswith("handout-"):
            save(kind, item_id, output.pdf)
    return renderer.warnings


def page_counter() -> str:
    """Return the CSS `content` of a page footer, "Page 2 of 3", in the current language."""
    parts = re.split(r"\{(page|pages)\}", i18n.gettext("Page {page} of {pages}").replace('"', "'"))
    return " ".join(f"counter({part})" if odd else f'"{part}"'
                    for odd, part in ((i % 2 == 1, part) for i, part in enumerate(parts)) if odd or part)


def sheet_label(sheet: str) -> str:
    """Return the paper name printed on sheets."""
    return {"a4": "A4", "letter": i18n.gettext("US Letter")}[sheet]


def sheet_meta(context: RenderContext, sheet: str) -> impose.Meta:
    """Return the document metadata of imposed sheets."""
    guide = context.library.guide
    title = i18n.gettext("{title}: cards on {paper} sheets").format(title=guide.title, paper=sheet_label(sheet))
    return impose.Meta(title=title, author=guide.branding.clinic_name, language=i18n.current().tag,
                       date=build_stamp())
