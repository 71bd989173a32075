"""Render the pocket cards, imposed sheets and routine handouts as WeasyPrint PDFs.

Why this shape: each stretch's card is laid out from its own HTML document by a
pure function (`layout_html`), so a card can be rendered, checked and cached on
its own; the deck and the sheets are assembled from those pages afterwards.
"""

from __future__ import annotations

import base64
import contextlib
import dataclasses
import datetime
import hashlib
import io
import logging
import mimetypes
import os
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from urllib.request import url2pathname

import markupsafe
import segno
from fontTools.ttLib import woff2
from weasyprint import CSS, HTML, Document
from weasyprint.text.fonts import FontConfiguration
from weasyprint.urls import URLFetcher, URLFetcherResponse

from . import impose
from .models import Library, RenderContext, Routine, Stretch
from .problems import ContentError, Problem

#: Tagged PDF (PDF/UA-1) for every document WeasyPrint writes.
PDF_VARIANT = "pdf/ua-1"
#: Creation date of every PDF when SOURCE_DATE_EPOCH is not set: constant, so builds repeat.
FIXED_DATE = "2000-01-01T00:00:00Z"
#: The cover card's two faces come first in the deck.
COVER_ID = "cover"


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
CARD_PAGES: dict[str, PageBox] = {
    "A6": PageBox(105.0, 148.0, 4.5, 32.0, 15.0, "size-a6"),
    "A7": PageBox(74.0, 105.0, 4.0, 22.0, 15.0, "size-small size-a7"),
    "3x5in": PageBox(76.2, 127.0, 4.0, 27.0, 16.0, "size-small size-3x5in"),
    "4x6in": PageBox(101.6, 152.4, 4.5, 34.0, 15.0, "size-4x6in"),
}
#: Card sizes with more room than each size, suggested when a card does not fit.
BIGGER_CARDS: dict[str, str] = {"A7": "3x5in, A6 or 4x6in", "3x5in": "A6 or 4x6in", "A6": "4x6in"}
#: The large-print deck: A5, body text at 14pt; a face may run onto a second page.
LARGE_PRINT = PageBox(148.0, 210.0, 8.0, 45.0, 26.0, "large-print")
#: Sheet sizes in millimetres (portrait).
SHEETS: dict[str, tuple[float, float]] = {"a4": (210.0, 297.0), "letter": (215.9, 279.4)}
HANDOUT_MARGIN = 14.0



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


def qr_svg(url: str, title: str) -> markupsafe.Markup:
    """Return a QR code of `url` as inline vector SVG, sized by CSS."""
    code = segno.make(url, error="m", micro=False)
    # Why Markup: segno builds the SVG from the URL it encodes; the title is escaped by segno.
    return markupsafe.Markup(code.svg_inline(scale=1, border=0, omitsize=True, title=title,
                                             svgclass="qr__svg", dark="#000"))


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
        self.stamp = build_stamp()
        self.warnings: list[Problem] = []

    # -- templates --

    def html(self, template: str, **values: Any) -> str:
        """Render a template of theme/cards/ with the values every document shares."""
        return str(self.context.env.get_template(f"cards/{template}").render(
            guide=self.guide, stamp=self.stamp, library=self.library, **values))

    def page_values(self, page: PageBox) -> dict[str, Any]:
        """Return the template values describing a page box."""
        return {"page": page, "html_class": page.html_class}

    def layout(self, html: str, source: Path, what: str) -> Document:
        """Lay out a document, turning WeasyPrint's log into W005 warnings on `source`."""
        rendered = layout_html(html, self.options, self.cache)
        self.note(rendered.warnings, source, what)
        return rendered.document

    def write(self, document: Document, source: Path, name: str) -> bytes:
        """Write a document as PDF bytes, noting WeasyPrint's warnings."""
        data, messages = write_pdf(document, f"{self.guide.title}/{name}")
        self.note(messages, source, name)
        return data

    def note(self, messages: Sequence[str], source: Path, what: str) -> None:
        """Record WeasyPrint messages as W005 warnings."""
        self.warnings += [Problem(source, 1, 1, "cards", f"{what}: {message}", "W005")
                          for message in messages]

    # -- cards --

    def stretch_values(self, stretch: Stretch, page: PageBox) -> dict[str, Any]:
        """Return the template values of one stretch's card."""
        art = self.context.figures.get(stretch.id)
        page_url = self.context.absolute_url("stretch", stretch.id)
        return {
            **self.page_values(page),
            "stretch": stretch,
            "figure_src": figure_src(art.svg) if art else None,
            "figure_alt": art.alt if art else "",
            "page_url": page_url,
            "short_url": short_url(page_url) if page_url else None,
            "qr_svg": qr_svg(page_url, f"QR code: the page of {stretch.title} online")
            if page_url else None,
        }

    def cover_values(self, page: PageBox) -> dict[str, Any]:
        """Return the template values of the cover card."""
        home = self.context.site_url
        logo = self.guide.branding.logo
        logo_path = (self.library.content_dir / logo).resolve() if logo else None
        return {
            **self.page_values(page),
            "page_url": home,
            "short_url": short_url(home) if home else None,
            "qr_svg": qr_svg(home, f"QR code: {self.guide.title} online") if home else None,
            "logo_src": logo_path.as_uri() if logo_path and logo_path.is_file() else None,
        }

    def guide_path(self) -> Path:
        """Return the path of guide.yml, for problems about the guide as a whole."""
        return self.library.content_dir / "guide.yml"

    def stretch_card(self, stretch: Stretch, page: PageBox) -> Document:
        """Lay out one stretch's front and back, tighter if the text does not fit otherwise."""
        source = self.library.source_paths.get(stretch.id, self.guide_path())
        return self.fitted(lambda box: self.html("stretch.html", **self.stretch_values(stretch, box)),
                           page, stretch.id, source, f"card {stretch.id}")

    def cover_card(self, page: PageBox) -> Document:
        """Lay out the cover card's front and back, tighter if the text does not fit otherwise."""
        return self.fitted(lambda box: self.html("cover.html", **self.cover_values(box)), page,
                           COVER_ID, self.guide_path(), "cover card")

    def fitted(self, make_html: Callable[[PageBox], str], page: PageBox, item_id: str,
               source: Path, what: str) -> Document:
        """Lay out a card; when a face runs over, lay it out again in the compact variant.

        Why: most cards fit with comfortable spacing; a crowded one gets tighter spacing
        (never smaller text) before the build gives up on it.
        """
        document = self.layout(make_html(page), source, what)
        if page is LARGE_PRINT or all(n == 1 for n in face_page_counts(
                document, [f"{item_id}-front", f"{item_id}-back"]).values()):
            return document
        compact = dataclasses.replace(page, html_class=f"{page.html_class} compact")
        return self.layout(make_html(compact), source, what)

    def overflow_problems(self, document: Document, item_id: str, source: Path, size: str,
                          ) -> list[Problem]:
        """Return a problem for each face of a card that needs more than one page."""
        anchors = [f"{item_id}-front", f"{item_id}-back"]
        problems = []
        for anchor, pages in face_page_counts(document, anchors).items():
            if pages > 1:
                side = anchor.rsplit("-", 1)[1]
                keys = ("setup, steps, feel" if side == "front" else "helper_cues, easier, harder, safety")
                if item_id == COVER_ID:
                    keys = "safety_rules" if side == "front" else "red_flags, disclaimer"
                bigger = BIGGER_CARDS.get(size)
                larger = (f", or choose a bigger card with --card-size {bigger} (or print.card_size "
                          "in guide.yml)") if bigger else ""
                problems.append(Problem(
                    source, 1, 1, "",
                    f"the {side} of the {size} card does not fit: it needs {pages} pages; "
                    f"shorten the text ({keys}){larger}"))
        return problems

    # -- handouts --

    def handout(self, routine: Routine, sheet: str) -> bytes:
        """Render a routine handout on A4 or Letter."""
        width, height = SHEETS[sheet]
        page = PageBox(width, height, HANDOUT_MARGIN, 48.0, 22.0, f"handout handout-{sheet}")
        steps = self.library.steps(routine)
        figures = {step.stretch.id: self.context.figures.get(step.stretch.id) for step in steps}
        page_url = self.context.absolute_url("routine", routine.id)
        html = self.html(
            "handout.html", **self.page_values(page), routine=routine, steps=steps,
            figure_srcs={sid: figure_src(art.svg) for sid, art in figures.items() if art},
            figure_alts={sid: art.alt for sid, art in figures.items() if art},
            total=self.library.routine_seconds(routine), page_url=page_url,
            short_url=short_url(page_url) if page_url else None,
            qr_svg=qr_svg(page_url, f"QR code: {routine.title} online") if page_url else None,
            sheet=sheet)
        source = self.library.source_paths.get(routine.id, self.guide_path())
        name = f"routine-{routine.id}-{sheet}"
        return self.write(self.layout(html, source, name), source, name)

    # -- sheets --

    def overlay(self, sheets: Sequence[impose.SheetMarks], width: float, height: float,
                name: str) -> bytes:
        """Render the marks and labels of imposed sheets: one page per sheet."""
        page = PageBox(width, height, 0.0, 0.0, 0.0, "sheet")
        html = self.html("sheet.html", **self.page_values(page), sheets=sheets,
                         line=impose.MARK_LINE_MM)
        return self.write(self.layout(html, self.guide_path(), name), self.guide_path(), name)

    def calibration(self, sheet: str) -> bytes:
        """Render the front/back registration sheet with the current back offset applied."""
        width, height = SHEETS[sheet]
        page = PageBox(width, height, 0.0, 0.0, 0.0, "calibration")
        offset = self.guide.print.back_offset_mm
        ticks = list(range(-10, 11))
        html = self.html("calibration.html", **self.page_values(page), sheet=sheet, ticks=ticks,
                         offset=offset, centre=(width / 2, height / 2))
        name = f"calibration-{sheet}"
        return self.write(self.layout(html, self.guide_path(), name), self.guide_path(), name)


def render_cards(context: RenderContext, dest: Path) -> list[Problem]:
    """Render the deck, one PDF per stretch, sheets, calibration and handouts into dest/cards/."""
    renderer = CardRenderer(context)
    library = context.library
    size = context.card_size
    page = CARD_PAGES[size]
    (dest / "cards").mkdir(parents=True, exist_ok=True)

    def save(kind: str, item_id: str, data: bytes) -> None:
        # Every file is named by context.url, so the site's links and the files never drift.
        (dest / context.url(kind, item_id)).write_bytes(data)

    # First lay out every card and check that each face fits on one page.
    cards: dict[str, Document] = {COVER_ID: renderer.cover_card(page)}
    for stretch_id, stretch in library.stretches.items():
        cards[stretch_id] = renderer.stretch_card(stretch, page)
    overflow: list[Problem] = []
    for card_id, document in cards.items():
        source = renderer.guide_path() if card_id == COVER_ID else library.source_paths.get(
            card_id, renderer.guide_path())
        overflow += renderer.overflow_problems(document, card_id, source, size)
    if overflow:
        raise ContentError(overflow)

    # Then write the deck and one PDF per stretch.
    deck_pages = [p for document in cards.values() for p in document.pages]
    deck = renderer.write(cards[COVER_ID].copy(deck_pages), renderer.guide_path(), "stretch-cards")
    save("deck", "", deck)
    for stretch_id in library.stretches:
        save("card", stretch_id, renderer.write(cards[stretch_id], library.source_paths.get(
            stretch_id, renderer.guide_path()), stretch_id))

    # The large-print deck: faces may run over, as it is read at home rather than carried.
    large = [renderer.cover_card(LARGE_PRINT)] + [
        renderer.stretch_card(stretch, LARGE_PRINT) for stretch in library.stretches.values()]
    large_pages = [p for document in large for p in document.pages]
    save("deck-large-print", "", renderer.write(large[0].copy(large_pages), renderer.guide_path(),
                                                "stretch-cards-large-print"))

    # Imposed sheets, from the deck's pages: front of card k is page 2k, its back 2k + 1.
    pairs = [(2 * k, 2 * k + 1) for k in range(len(cards))]
    offset = (context.library.guide.print.back_offset_mm.x, context.library.guide.print.back_offset_mm.y)
    for sheet, (width, height) in SHEETS.items():
        duplex = impose.plan_grid(width, height, page.width, page.height)
        marks = impose.duplex_marks(duplex, len(pairs), sheet_label(sheet))
        overlay = renderer.overlay(marks, width, height, f"sheets-{sheet}-marks")
        save("sheets", sheet, impose.impose_duplex(
            deck, pairs, duplex, offset, overlay, f"sheets-{sheet}", sheet_meta(context, sheet)))
        fold = impose.plan_grid(width, height, 2 * page.width, page.height)
        fold_marks = impose.fold_marks(fold, len(pairs))
        fold_overlay = renderer.overlay(fold_marks, width, height, f"sheets-{sheet}-fold-marks")
        save("sheets-fold", sheet, impose.impose_fold(
            deck, pairs, fold, fold_overlay, f"sheets-{sheet}-fold", sheet_meta(context, sheet)))
        save("calibration", sheet, renderer.calibration(sheet))

    # Routine handouts.
    for routine_id, routine in library.routines.items():
        for sheet in SHEETS:
            save(f"handout-{sheet}", routine_id, renderer.handout(routine, sheet))
    return renderer.warnings


def sheet_label(sheet: str) -> str:
    """Return the paper name printed on sheets."""
    return {"a4": "A4", "letter": "US Letter"}[sheet]


def sheet_meta(context: RenderContext, sheet: str) -> impose.Meta:
    """Return the document metadata of imposed sheets."""
    guide = context.library.guide
    stamp = build_stamp()
    date = "D:" + stamp.replace("-", "").replace(":", "").replace("T", "")
    return impose.Meta(title=f"{guide.title}: cards on {sheet_label(sheet)} sheets",
                       author=guide.branding.clinic_name, language=guide.language, date=date)
