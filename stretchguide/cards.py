"""Render the pocket cards, imposed sheets and routine handouts as WeasyPrint PDFs.

Why this shape: each stretch's card is laid out from its own HTML document by a
pure function (`layout_html`), so a card can be rendered, checked and cached on
its own; the deck and the sheets are assembled from those pages afterwards.
"""

from __future__ import annotations

import base64
import dataclasses
import functools
import logging
import re
from collections.abc import Collection, Hashable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import markupsafe
import pikepdf
import segno

from . import cache, i18n, impose, pdf
from .models import Library, RenderContext, Routine, Stretch
from .pdf import Job, Output, build_stamp
from .problems import ContentError, Problem

if TYPE_CHECKING:
    from weasyprint import Document

    from .typeset import LayoutCache

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
#: The area A4 and US Letter paper share (210 x 279.4 mm), which prints at full size on both.
#: The large-print deck is the cards enlarged to it: text of at least 9pt on any card size
#: becomes at least 16pt (4x6in is enlarged least, 1.83 times). A handout is laid out on it
#: once, and put in the middle of an A4 and of a Letter page.
LARGE_PRINT = BOTH_PAPERS = (210.0, 279.4)
#: Sheet sizes in millimetres (portrait).
SHEETS: dict[str, tuple[float, float]] = {"a4": (210.0, 297.0), "letter": (215.9, 279.4)}
HANDOUT_MARGIN = 14.0
#: Bleed of the print shop's deck, each side, in millimetres.
PRINT_SHOP_BLEED = 3.0



# ---- The build ---------------------------------------------------------------------------


def qr_svg(url: str, title: str, store: cache.Store | None = None) -> markupsafe.Markup:
    """Return a QR code of `url` as inline vector SVG, sized by CSS, from `store` when it has it.

    Why a store: segno tries all eight masks in pure Python (about 10 ms a code), and a library
    of 1,000 stretches has 2,000 codes to plan on every build.
    """
    def make() -> bytes:
        code = segno.make(url, error="m", micro=False)
        return code.svg_inline(scale=1, border=0, omitsize=True, title=title, svgclass="qr__svg",
                               dark="#000").encode("utf-8")

    # Why Markup: segno builds the SVG from the URL it encodes; the title is escaped by segno.
    return markupsafe.Markup((store or cache.Store(None, "qr")).made(
        cache.digest("qr", segno.__version__, url, title), make).decode("utf-8"))


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
        self.options = pdf.RenderOptions(base_url=(theme / "cards").as_uri() + "/",
                                     roots=(theme, context.library.content_dir.resolve()),
                                     stylesheets=(theme / "cards" / "cards.css",))
        self._layouts: LayoutCache | None = None
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

    @property
    def cache(self) -> LayoutCache:
        """What the documents laid out in this process share; WeasyPrint is imported only here."""
        if self._layouts is None:
            from . import typeset

            self._layouts = typeset.LayoutCache()
        return self._layouts

    def layout(self, html: str, source: Path, what: str) -> Document:
        """Lay out a document, turning WeasyPrint's log into W005 warnings on `source`."""
        from . import typeset

        rendered = typeset.layout_html(html, self.options, self.cache)
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
                   what=what, label=item_id, options=self.options, anchors=(f"{item_id}-front", f"{item_id}-back"),
                   compact=(opening, f'class="{markupsafe.escape(page.html_class)} compact">'), margin=page.margin)

    def stretch_job(self, stretch: Stretch, page: PageBox) -> Job:
        """Return the job of one stretch's card."""
        return self.card_job("stretch.html", self.stretch_values(stretch, page), page, stretch.id,
                             f"card {stretch.id}")

    def cover_job(self, page: PageBox) -> Job:
        """Return the job of the cover card."""
        return self.card_job("cover.html", self.cover_values(page), page, COVER_ID, "cover card")

    def run(self, job: Job, source: Path) -> Output:
        """Render a job in this process, noting its warnings on `source`."""
        from . import typeset

        output = typeset.run_job(job, self.cache)
        self.note_all(output.warnings, source)
        return output

    def note_all(self, messages: Sequence[str], source: Path) -> None:
        """Record already-labelled WeasyPrint messages as W005 warnings; set aside those about the machine."""
        for message in messages:
            machine = next((m for m in pdf.MACHINE_MESSAGES if m.search(message)), None)
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
        from . import typeset

        rendered, _ = typeset.layout_job(job, self.cache)
        self.note_all(rendered.warnings, source)
        return rendered.document

    def overflow_problems(self, pages: dict[str, int] | Document, item_id: str, source: Path, size: str,
                          ) -> list[Problem]:
        """Return a problem for each face of a card (pages per face, or its layout) that runs over."""
        if not isinstance(pages, dict):  # a laid-out document
            from . import typeset

            pages = typeset.face_page_counts(pages, [f"{item_id}-front", f"{item_id}-back"])
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

    def handout_job(self, routine: Routine) -> Job:
        """Return the job of a routine handout, laid out on the area A4 and Letter share (`BOTH_PAPERS`)."""
        page = PageBox(*BOTH_PAPERS, HANDOUT_MARGIN, 48.0, 22.0, "handout")
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
            qr_svg=qr_svg(page_url, f"QR code: {routine.title} online", self.qr_store) if page_url else None)
        return dataclasses.replace(self.job(html, f"routine-{routine.id}"), last=True)

    def handout(self, routine: Routine, sheet: str) -> bytes:
        """Render a routine handout on A4 or Letter."""
        laid_out = self.run(self.handout_job(routine), self.library.source_paths.get(routine.id, self.guide_path())).pdf
        return impose.on_paper(laid_out, SHEETS[sheet])

    def job(self, html: str, name: str) -> Job:
        """Return the job of a document that is written as laid out (no faces to check)."""
        return Job(ident=f"{self.guide.title}/{name}", html=html, what=name, label=name, options=self.options)

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


def plan_jobs(renderer: CardRenderer, page: PageBox) -> Iterator[tuple[tuple[str, str], Job, Path]]:
    """Yield every document to render, by (kind, id), with the file its warnings name, as it is planned.

    kinds: handout (routine id), card (cover or stretch id), marks,
    fold-marks and calibration (sheet).
    """
    library = renderer.library
    yield ("card", COVER_ID), renderer.cover_job(page), renderer.guide_path()
    for stretch_id, stretch in library.stretches.items():
        yield ("card", stretch_id), renderer.stretch_job(stretch, page), renderer.source_of(stretch_id)
    cards = 1 + len(library.stretches)
    for sheet, (width, height) in SHEETS.items():
        duplex = impose.plan_grid(width, height, page.width, page.height)
        fold = impose.plan_grid(width, height, 2 * page.width, page.height)
        yield (("marks", sheet), renderer.overlay_job(impose.distinct(impose.duplex_marks(
            duplex, cards, sheet_label(sheet)))[0], width, height, f"sheets-{sheet}-marks"), renderer.guide_path())
        yield (("fold-marks", sheet), renderer.overlay_job(impose.distinct(impose.fold_marks(fold, cards))[0],
                                                           width, height, f"sheets-{sheet}-fold-marks"),
               renderer.guide_path())
        yield ("calibration", sheet), renderer.calibration_job(sheet), renderer.guide_path()
    # Marked `last`: the workers render them while the decks and sheets are assembled.
    for routine_id, routine in library.routines.items():
        yield ("handout", routine_id), renderer.handout_job(routine), library.source_paths.get(
            routine_id, renderer.guide_path())


def face_problems(renderer: CardRenderer, pages: dict[tuple[str, str], dict[str, int]]) -> list[Problem]:
    """Return a problem for every card face that runs over its page."""
    problems: list[Problem] = []
    for card_id in [COVER_ID, *renderer.library.stretches]:
        problems += renderer.overflow_problems(pages["card", card_id], card_id, renderer.source_of(card_id),
                                               renderer.context.card_size)
    return problems


def fit_problems(context: RenderContext) -> list[Problem]:
    """Lay out every card as a build would and return the faces that do not fit, and WeasyPrint's warnings.

    Why through the renderer's cache: the build after a check reuses the cards.
    """
    renderer = CardRenderer(context)
    planned = [(key, job, source) for key, job, source in plan_jobs(renderer, CARD_PAGES[context.card_size])
               if key[0] == "card"]
    options = context.options
    outputs = pdf.render_all([job for _, job, _ in planned], options.cache_dir, options.jobs, options.verbosity > 0)
    for (_, _, source), output in zip(planned, outputs, strict=True):
        renderer.note_all(output.warnings, source)
    renderer.report_machine()
    return renderer.warnings + face_problems(renderer, {key: output.pages for (key, _, _), output in zip(
        planned, outputs, strict=True)})


def plan(context: RenderContext) -> pdf.Plan:
    """Plan the cards, sheets, calibration and handouts: jobs as they are planned, then the files they make."""
    renderer = CardRenderer(context)
    sources: dict[tuple[str, str], Path] = {}

    def jobs() -> Iterator[tuple[Hashable, pdf.Job]]:
        for key, job, source in plan_jobs(renderer, CARD_PAGES[context.card_size]):
            sources[key] = source
            yield key, job

    def finish(outputs: Mapping[Hashable, pdf.Output], dest: Path) -> list[Problem]:
        return assemble(renderer, sources, outputs, dest)  # type: ignore[arg-type]

    return pdf.Plan(jobs(), finish)


def plan_stretch_cards(context: RenderContext, stretch_ids: Collection[str]) -> pdf.Plan:
    """Plan only the named stretches' own card files (`cards/<id>.pdf`), not the decks and sheets.

    For the live preview's quick build, which carries the last build's cards over: an edited
    stretch's card is back with its page, and the full build that follows makes the rest.
    """
    renderer = CardRenderer(context)
    library = context.library
    ids = [stretch_id for stretch_id in library.stretches if stretch_id in stretch_ids]

    def jobs() -> Iterator[tuple[Hashable, pdf.Job]]:
        for stretch_id in ids:
            yield stretch_id, renderer.stretch_job(library.stretches[stretch_id], CARD_PAGES[context.card_size])

    def finish(outputs: Mapping[Hashable, pdf.Output], dest: Path) -> list[Problem]:
        problems = []
        for stretch_id in ids:
            renderer.note_all(outputs[stretch_id].warnings, renderer.source_of(stretch_id))
            problems += renderer.overflow_problems(outputs[stretch_id].pages, stretch_id,
                                                   renderer.source_of(stretch_id), context.card_size)
        if problems:
            raise ContentError(problems)
        for stretch_id in ids:
            path = dest / context.root_url("card", stretch_id)
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(outputs[stretch_id].pdf)
        return renderer.warnings

    return pdf.Plan(jobs(), finish)


def render_cards(context: RenderContext, dest: Path) -> list[Problem]:
    """Render the deck, one PDF per stretch, sheets, calibration and handouts into dest/cards/."""
    return pdf.render_plan(plan(context), dest, context.options)


def assemble(renderer: CardRenderer, sources: dict[tuple[str, str], Path],
             rendered: Mapping[tuple[str, str], pdf.Output], dest: Path) -> list[Problem]:
    """Write the deck, large print, print-shop deck, each stretch's card, sheets, calibration and
    handouts into dest/cards/ from the rendered documents; return the warnings."""
    context = renderer.context
    library = context.library
    guide = library.guide
    size = context.card_size
    page = CARD_PAGES[size]
    (dest / context.prefix / "cards").mkdir(parents=True, exist_ok=True)

    def save(kind: str, item_id: str, data: bytes) -> None:
        # Every file is named by context.url (in this language's tree), so the site's links and the
        # files never drift.
        (dest / context.root_url(kind, item_id)).write_bytes(data)

    # The cards are read first and the handouts last: the workers may still be rendering those.
    card_ids = [COVER_ID, *library.stretches]
    for key in rendered:
        if key[0] != "handout":
            renderer.note_all(rendered[key].warnings, sources[key])

    # Every face must fit on one page of its card.
    overflow = face_problems(renderer, {("card", card_id): rendered["card", card_id].pages for card_id in card_ids})
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

    # A routine's handout is most often unchanged when a card is: its A4 and Letter files are kept.
    placed = cache.Store(context.options.cache_dir, "on-paper")
    code = cache.digest(pikepdf.__version__, pikepdf.__libqpdf_version__, Path(impose.__file__).read_bytes())
    for kind, item_id in rendered:
        if kind == "handout":
            output = rendered[kind, item_id]
            renderer.note_all(output.warnings, sources[kind, item_id])
            for sheet in SHEETS:
                save(f"handout-{sheet}", item_id, placed.made(
                    cache.digest(code, output.pdf, repr(SHEETS[sheet])),
                    functools.partial(impose.on_paper, output.pdf, SHEETS[sheet])))
    renderer.report_machine()
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
