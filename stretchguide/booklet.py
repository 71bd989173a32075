"""Render the booklet of the whole guide: a tagged PDF in reading order, and sheets for saddle stitching.

Why a renderer of its own: the booklet is laid out from one HTML document of the whole guide,
not assembled from cards; it shares with the cards only the templates' partials and the way
documents are rendered (`pdf`), so its jobs run in the same worker processes.

Why half-letter for US Letter: a US clinic folds Letter sheets in half, which gives 5.5 x 8.5 in
pages; A5 pages scaled onto Letter would print at 92 % with wide margins. So the booklet is laid
out once on the area an A5 and a half-letter page share (139.7 x 210 mm), and each page is put,
at full size, in the middle of an A5 page (for A4 sheets) and of a half-letter page (for Letter).
"""

from __future__ import annotations

import base64
import dataclasses
import logging
from collections.abc import Hashable, Mapping
from pathlib import Path

import markupsafe
import segno

from . import i18n, impose, pdf
from .i18n import N_
from .models import BOOKLET_MAX_STRETCHES, RenderContext
from .pdf import build_stamp
from .problems import Problem

#: Margin of a booklet page, in mm.
PAGE_MARGIN = 13.0


@dataclasses.dataclass(frozen=True)
class Format:
    """One booklet: its page size (mm), and the sheet (mm, landscape) it is imposed on."""

    page: tuple[float, float]
    sheet: tuple[float, float]
    sheet_id: str  # "a4" or "letter": the id of the imposed file in RenderContext.url
    paper: str  # the sheet's name, for titles


#: The area every booklet page shares (mm): the booklet is laid out on it once.
BOTH_PAGES = (139.7, 210.0)
#: The booklets, by id: A5 pages on A4 sheets, and half-letter pages on US Letter sheets.
FORMATS: dict[str, Format] = {
    "a5": Format((148.0, 210.0), (297.0, 210.0), "a4", "A4"),  # the paper names are translated where shown
    "half-letter": Format((139.7, 215.9), (279.4, 215.9), "letter", N_("US Letter")),
}

log = logging.getLogger(__name__)


def font_faces(theme_dir: Path) -> list[dict[str, str]]:
    """Return the typeface's files in theme/fonts/ (named `<family>-<weight>-<style>.woff2`) as @font-face values."""
    faces = []
    for path in sorted((theme_dir / "fonts").glob("*.woff2")):
        weight, style = path.stem.rsplit("-", 2)[1:]
        faces.append({"url": path.resolve().as_uri(), "weight": weight, "style": style})
    return faces


def booklet_html(context: RenderContext) -> str:
    """Return the booklet's HTML, laid out on `BOTH_PAGES`, from theme/booklet/booklet.html."""
    library = context.library
    guide = library.guide
    width, height = BOTH_PAGES
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


def booklet_job(context: RenderContext) -> pdf.Job:
    """Return the job of the booklet: its HTML, the theme's booklet styles and fonts."""
    theme = context.options.theme_dir.resolve()
    options = pdf.RenderOptions(base_url=(theme / "booklet").as_uri() + "/",
                                roots=(theme, context.library.content_dir.resolve()),
                                stylesheets=(theme / "booklet" / "booklet.css",))
    return pdf.Job(ident=f"{context.library.guide.title}/{context.prefix}booklet",
                   html=booklet_html(context), what="booklet", label="booklet", options=options)


def render_pdf(context: RenderContext, booklet_id: str) -> tuple[bytes, list[str]]:
    """Lay out the booklet, or take it from the cache; return its tagged PDF on one page size, and the warnings."""
    options = context.options
    output, = pdf.render_all([booklet_job(context)], options.cache_dir, options.jobs)
    return impose.on_paper(output.pdf, FORMATS[booklet_id].page), list(output.warnings)


def plan(context: RenderContext) -> pdf.Plan:
    """Plan the booklets: one job per page size, then the files made of them; none for a library
    too large to staple (`Library.has_booklet`)."""
    if not context.library.has_booklet:
        log.info("no booklet: %d stretches are more than a stapled booklet holds (%d at most)",
                 len(context.library.stretches), BOOKLET_MAX_STRETCHES)
        return pdf.Plan((), lambda outputs, dest: [])

    def finish(outputs: Mapping[Hashable, pdf.Output], dest: Path) -> list[Problem]:
        return write_booklets(context, {str(key): output for key, output in outputs.items()}, dest)

    return pdf.Plan([("booklet", booklet_job(context))], finish)


def render_booklet(context: RenderContext, dest: Path) -> list[Problem]:
    """Render each booklet in reading order, and imposed for saddle stitching, into dest/booklet/."""
    return pdf.render_plan(plan(context), dest, context.options)


def write_booklets(context: RenderContext, outputs: dict[str, pdf.Output], dest: Path) -> list[Problem]:
    """Write each booklet, and its sheets imposed for saddle stitching, into dest/booklet/; return the warnings."""
    guide = context.library.guide
    source = context.library.content_dir / "guide.yml"
    warnings: list[Problem] = []
    (dest / context.prefix / "booklet").mkdir(parents=True, exist_ok=True)
    output = outputs["booklet"]
    warnings += [Problem(source, 1, 1, "", message, "W005") for message in output.warnings]
    for booklet_id, form in FORMATS.items():
        reading = impose.on_paper(output.pdf, form.page)
        (dest / context.root_url("booklet", booklet_id)).write_bytes(reading)
        title = i18n.gettext("{title}: booklet on {paper} sheets, for saddle stitching").format(
            title=guide.title, paper=i18n.gettext(form.paper))
        meta = impose.Meta(title=title, author=guide.branding.clinic_name, language=context.lang,
                           date=build_stamp())
        (dest / context.root_url("booklet-saddle", form.sheet_id)).write_bytes(
            impose.impose_saddle(reading, *form.sheet, meta))
    return warnings
