"""Render the booklet of the whole guide: a tagged PDF in reading order, and sheets for saddle stitching.

Why a renderer of its own: the booklet is laid out from one HTML document of the whole guide,
not assembled from cards, so it shares nothing with the cards but the templates' partials.

Why half-letter for US Letter: a US clinic folds Letter sheets in half, which gives 5.5 x 8.5 in
pages; A5 pages scaled onto Letter would print at 92 % with wide margins. So the booklet is laid
out twice, A5 for A4 sheets and half-letter for Letter sheets, each page printed at full size.
"""

from __future__ import annotations

import base64
import contextlib
import dataclasses
import datetime
import hashlib
import logging
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from urllib.request import url2pathname

import markupsafe
import segno
import weasyprint

from . import __version__, cache, i18n, impose
from .i18n import N_
from .models import RenderContext
from .problems import Problem

#: Tagged PDF (PDF/UA-1), as every printed document.
PDF_VARIANT = "pdf/ua-1"
#: Creation date when SOURCE_DATE_EPOCH is not set: constant, so builds repeat.
FIXED_DATE = "2000-01-01T00:00:00Z"
#: Margin of a booklet page, in mm.
PAGE_MARGIN = 13.0


@dataclasses.dataclass(frozen=True)
class Format:
    """One booklet: its page size (mm), and the sheet (mm, landscape) it is imposed on."""

    page: tuple[float, float]
    sheet: tuple[float, float]
    sheet_id: str  # "a4" or "letter": the id of the imposed file in RenderContext.url
    paper: str  # the sheet's name, for titles


#: The booklets, by id: A5 pages on A4 sheets, and half-letter pages on US Letter sheets.
FORMATS: dict[str, Format] = {
    "a5": Format((148.0, 210.0), (297.0, 210.0), "a4", "A4"),  # the paper names are translated where shown
    "half-letter": Format((139.7, 215.9), (279.4, 215.9), "letter", N_("US Letter")),
}

log = logging.getLogger(__name__)


def build_stamp() -> str:
    """Return the creation date: SOURCE_DATE_EPOCH when set, else a constant."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    if epoch.isdigit():
        return datetime.datetime.fromtimestamp(int(epoch), tz=datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    return FIXED_DATE


class _ThemeFetcher(weasyprint.urls.URLFetcher):
    """Let the booklet read files of the theme and content folders, and data: URLs; nothing else.

    Why: a template or content file must never make the build reach the network.
    """

    def __init__(self, roots: tuple[Path, ...]) -> None:
        super().__init__(allowed_protocols=("file", "data"))
        self.roots = roots

    def fetch(self, url: str, headers: Any = None) -> weasyprint.urls.URLFetcherResponse:
        """Return `url` when it is a data: URL or a file inside the allowed folders."""
        parts = urlsplit(url)
        inside = parts.scheme == "file" and any(
            Path(url2pathname(parts.path)).resolve().is_relative_to(root) for root in self.roots)
        if parts.scheme != "data" and not inside:
            raise ValueError(f"refusing to fetch {url}: the booklet uses files of the theme and content folders only")
        return super().fetch(url, headers)


@contextlib.contextmanager
def _weasyprint_messages() -> Iterator[list[str]]:
    """Collect what WeasyPrint logs at warning level or above while the booklet is laid out."""
    logger = logging.getLogger("weasyprint")
    lines: list[str] = []
    handler = logging.Handler(logging.WARNING)
    handler.emit = lambda record: lines.append(record.getMessage())  # type: ignore[method-assign]
    propagate, logger.propagate = logger.propagate, False
    logger.addHandler(handler)
    try:
        yield lines
    finally:
        logger.removeHandler(handler)
        logger.propagate = propagate


def font_faces(theme_dir: Path) -> list[dict[str, str]]:
    """Return the typeface's files in theme/fonts/ (named `<family>-<weight>-<style>.woff2`) as @font-face values."""
    faces = []
    for path in sorted((theme_dir / "fonts").glob("*.woff2")):
        weight, style = path.stem.rsplit("-", 2)[1:]
        faces.append({"url": path.resolve().as_uri(), "weight": weight, "style": style})
    return faces


def booklet_html(context: RenderContext, booklet_id: str) -> str:
    """Return the booklet's HTML for one page size, from theme/booklet/booklet.html."""
    library = context.library
    guide = library.guide
    width, height = FORMATS[booklet_id].page
    logo = guide.branding.logo
    logo_path = (library.content_dir / logo).resolve() if logo else None
    home = context.absolute_url("home")
    figures = {stretch_id: {"src": "data:image/svg+xml;base64," + base64.b64encode(art.svg.encode()).decode("ascii"),
                            "alt": art.alt} for stretch_id, art in context.figures.items()}
    qr = None
    if home:
        # Why Markup: segno builds the SVG from the address; it escapes the title itself.
        qr = markupsafe.Markup(segno.make(home, error="m", micro=False).svg_inline(
            scale=1, border=0, omitsize=True, title=i18n.gettext("QR code: {title} online").format(title=guide.title),
            dark="#000"))
    template = context.env.get_template("booklet/booklet.html")
    return str(template.render(
        guide=guide, library=library, stamp=build_stamp(), html_class="booklet",
        page={"width": width, "height": height, "margin": PAGE_MARGIN, "figure": 0, "qr": 0},
        fonts=font_faces(context.options.theme_dir),
        stretches=sorted(library.stretches.values(), key=lambda s: (s.title.casefold(), s.id)),
        routines=sorted(library.routines.values(), key=lambda r: (r.title.casefold(), r.id)),
        figures=figures, logo_src=logo_path.as_uri() if logo_path and logo_path.is_file() else None,
        page_url=home, short_url=home.split("://", 1)[-1] if home else None, qr_svg=qr,
        credits=library.credits()))


def render_pdf(context: RenderContext, booklet_id: str) -> tuple[bytes, list[str]]:
    """Lay out the booklet of one page size, or take it from the cache; return its tagged PDF and warnings.

    Why a cache: laying out both booklets takes about as long as all the cards of the default
    guide; a build that changed no text of the guide should not pay for it again.
    """
    theme = context.options.theme_dir.resolve()
    roots = (theme, context.library.content_dir.resolve())
    text = booklet_html(context, booklet_id)
    logo = context.library.guide.branding.logo
    key = cache.digest(__version__, weasyprint.__version__, PDF_VARIANT, booklet_id, text, str(theme),
                       cache.files_digest(sorted(path for folder in ("booklet", "fonts")
                                                 for path in (theme / folder).rglob("*") if path.is_file())
                                          + ([context.library.content_dir / logo] if logo else [])))
    store = cache.Store(context.options.cache_dir, "booklet")
    hit = store.get(key)
    if hit is not None:
        return hit[0], list(hit[1]["warnings"])
    data, messages = _layout(context, text, booklet_id, roots)
    store.put(key, data, {"warnings": messages})
    return data, messages


def _layout(context: RenderContext, text: str, booklet_id: str, roots: tuple[Path, ...]) -> tuple[bytes, list[str]]:
    theme = roots[0]
    fetcher = _ThemeFetcher(roots)
    with _weasyprint_messages() as messages:
        html = weasyprint.HTML(string=text, base_url=(theme / "booklet").as_uri() + "/", url_fetcher=fetcher)
        style = weasyprint.CSS(url=(theme / "booklet" / "booklet.css").as_uri(), url_fetcher=fetcher)
        name = f"{context.library.guide.title}/{context.prefix}booklet-{booklet_id}"
        identifier = hashlib.sha256(name.encode()).hexdigest()[:32]
        data = html.write_pdf(stylesheets=[style], pdf_variant=PDF_VARIANT, pdf_identifier=identifier.encode())
    return bytes(data or b""), messages


def render_booklet(context: RenderContext, dest: Path) -> list[Problem]:
    """Render each booklet in reading order, and imposed for saddle stitching, into dest/booklet/."""
    guide = context.library.guide
    source = context.library.content_dir / "guide.yml"
    warnings: list[Problem] = []
    (dest / context.prefix / "booklet").mkdir(parents=True, exist_ok=True)
    for booklet_id, form in FORMATS.items():
        data, messages = render_pdf(context, booklet_id)
        warnings += [Problem(source, 1, 1, "", f"booklet ({booklet_id}): {message}", "W005")
                     for message in messages]
        (dest / context.root_url("booklet", booklet_id)).write_bytes(data)
        title = i18n.gettext("{title}: booklet on {paper} sheets, for saddle stitching").format(
            title=guide.title, paper=i18n.gettext(form.paper))
        meta = impose.Meta(title=title, author=guide.branding.clinic_name, language=context.lang,
                           date=build_stamp())
        (dest / context.root_url("booklet-saddle", form.sheet_id)).write_bytes(
            impose.impose_saddle(data, *form.sheet, meta))
    return warnings
