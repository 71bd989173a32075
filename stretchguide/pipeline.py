"""The whole build in one function: load -> check -> draw -> render -> write."""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import logging
import multiprocessing
import multiprocessing.connection
import os
import resource
import shutil
import tempfile
import threading
import time
import traceback
from collections.abc import Callable, Collection, Hashable, Iterable, Iterator
from multiprocessing.connection import Connection
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import jinja2

from . import __version__, cache, figures, i18n, resources, translations
from .checks import check_library, page_clashes
from .loader import load_library
from .models import BuildOptions, Library, RenderContext
from .output import staged_output
from .problems import ContentError, Problem, errors_of
from .templates import make_env, template_problem

if TYPE_CHECKING:
    from . import pdf

log = logging.getLogger("stretchguide")


def with_theme(options: BuildOptions) -> BuildOptions:
    """Return the options with the clinic's `--theme` folder laid over the built-in theme."""
    if options.theme_overrides is None:
        return options
    root = options.cache_dir or Path(tempfile.gettempdir()) / "stretchguide"
    return dataclasses.replace(options, theme_dir=resources.merged_theme(options.theme_overrides, root))


def load_checked(content_dir: Path, strict: bool = False, draft: bool = False, cache_dir: Path | None = None,
                 ) -> tuple[Library, list[Problem]]:
    """Load and check a content folder; raise ContentError unless it can be built.

    Returns the library and the warnings that did not stop it. Every file is checked in one
    run, even when some do not load, so all problems are reported together. With a
    `cache_dir`, figures found sound by an earlier build are not checked again.
    """
    result = load_library(content_dir)
    problems = result.problems + check_library(result, draft=draft)
    if result.partial is not None:
        problems += figures.check_figures(result.partial, result.positions, cache.Store(cache_dir, "checks"))
    problems = sorted(set(problems))
    if errors_of(problems, strict) or result.library is None:
        raise ContentError(problems)
    return result.library, problems


def prepare(options: BuildOptions) -> tuple[RenderContext, list[Problem]]:
    """Load, check and draw everything the renderers need; raise ContentError on any problem."""
    clashes = page_clashes(options.docs_dir, options.theme_dir)
    try:
        library, warnings = load_checked(options.content_dir, options.strict, options.draft, options.cache_dir)
    except ContentError as exc:
        raise ContentError(sorted(set(exc.problems + clashes))) from None
    if clashes:
        raise ContentError(clashes)
    tags = tuple(translations.languages(library))
    with i18n.activate(i18n.load_language(options.theme_dir, tags[0])):
        drawn = figures.draw_figures(library, store=cache.Store(options.cache_dir, "figures"))
    env = make_env(options.theme_dir, options.draft, options.cache_dir)
    return RenderContext(library, drawn, options, env, languages=tags), warnings


def language_contexts(context: RenderContext) -> list[tuple[i18n.Language, RenderContext]]:
    """Return each language's catalogue and render context, the default language first.

    A translated library keeps the default text where a part is not translated yet; its
    figures are drawn again, so that their alt text is in its language too.
    """
    options = context.options
    tags = context.languages or (context.library.guide.language,)
    out = [(i18n.load_language(options.theme_dir, tags[0]), context)]
    for tag in tags[1:]:
        language = i18n.load_language(options.theme_dir, tag)
        library = translations.localise(context.library, tag)
        with i18n.activate(language):
            drawn = figures.draw_figures(library, store=cache.Store(options.cache_dir, "figures"))
        out.append((language, dataclasses.replace(context, library=library, figures=drawn, language=tag)))
    return out


def check(options: BuildOptions) -> list[Problem]:
    """Check everything a build would refuse, cards that do not fit included; return the warnings.

    Why lay out cards here: text too long for a card is found only by laying it out, and a
    folder that checks clean must build clean. Nothing is written.
    """
    options = with_theme(options)
    try:
        context, warnings = prepare(options)
        # Why here: the card renderer brings in WeasyPrint (about a second), not needed until
        # the content has loaded without errors.
        from . import cards

        for language, localised in language_contexts(context):
            with i18n.activate(language):
                warnings += cards.fit_problems(localised)
    except jinja2.TemplateError as exc:
        raise ContentError([template_problem(exc, options.theme_dir, options.theme_overrides)]) from None
    fatal = errors_of(warnings, options.strict)
    if fatal:
        raise ContentError(sorted(set(warnings)))
    return sorted(set(warnings))


def build(options: BuildOptions, reuse: Collection[str] = (), fresh: Collection[str] = ()) -> list[Problem]:
    """Build every output into `options.out_dir`; return the warnings.

    Nothing is written to the output folder unless the whole build succeeds. Outputs named in
    `reuse` (such as "cards") are copied from the previous build's folder of that name instead
    of rendered: the live preview shows an edited page first and renders the cards after. The
    stretches named in `fresh` (the ones just edited) get their own card files anew even so.
    """
    # First gather and check all content; nothing is written until it is all valid.
    started = time.perf_counter()
    options = with_theme(options)
    try:
        return _build(options, reuse, fresh, started)
    except jinja2.TemplateError as exc:
        raise ContentError([template_problem(exc, options.theme_dir, options.theme_overrides)]) from None


#: Libraries with fewer stretches render their site in the build process: a process of its own
#: costs about 1-2 s of CPU to start and load the library, more than it saves for a small guide.
SITE_PROCESS_MIN_STRETCHES = 100


def cpu_seconds() -> float:
    """Return the CPU time of this process and of every process it has waited for (card workers, Zensical)."""
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def _build(options: BuildOptions, reuse: Collection[str], fresh: Collection[str], started: float) -> list[Problem]:
    context, warnings = prepare(options)
    library = context.library
    log.info("loaded %d stretches and %d routines in %.2f s", len(library.stretches),
             len(library.routines), time.perf_counter() - started)

    # Then render every output into a stage beside the target, and swap it in when complete.
    from . import booklet, cards, embeds, pdf, site  # imported here: `check` should not pay for them
    contexts = language_contexts(context)
    with staged_output(options.out_dir) as stage, contextlib.ExitStack() as running:
        # Why the site (and then the embeds) in a process of its own: for a large library the build
        # process is busy planning and assembling the decks, so on two cores the site overlaps them.
        # Not for a small library, nor when the cards are carried over (the live preview's quick
        # build): starting a process and loading the library again would only delay the page.
        beside = None
        if (not {"cards", "site", "embeds"} & set(reuse) and options.jobs != 1
                and len(library.stretches) >= SITE_PROCESS_MIN_STRETCHES):
            beside = running.enter_context(SiteProcess(options, stage))
        # Every PDF of every language is handed to the workers as soon as it is planned, so they
        # render while the site is built; the files are made of them at the end.
        renderer = running.enter_context(pdf.Renderer(options.cache_dir, options.jobs, options.verbosity > 0))
        pdf_started, own = time.perf_counter(), time.process_time()
        planners: dict[str, Callable[[RenderContext], pdf.Plan]] = {"booklet": booklet.plan, "cards": cards.plan}
        if fresh and "cards" in reuse:  # over the cards carried over, rendered beside the site
            planners["card files"] = functools.partial(cards.plan_stretch_cards, stretch_ids=fresh)
        plans = plan_languages(planners, contexts, renderer, stage, options.out_dir, reuse)
        planning = time.process_time() - own
        if beside is None:  # else both run there
            warnings += timed_stage(site.render_site, "site", contexts, stage, options.out_dir, reuse)
            warnings += timed_stage(embeds.render_embeds, "embeds", contexts, stage, options.out_dir, reuse)
        # The files are made once every document is rendered but those marked `last` (the routines'
        # handouts), which a worker renders while this process assembles the decks and sheets.
        renderer.finish(last=False)
        own = time.process_time()
        warnings += finish_languages(plans, renderer, stage, options.cache_dir)
        renderer.finish()
        assembling = time.process_time() - own
        # Its wall time runs from the first job handed in to the last file written, the site's
        # time in between included; its CPU is planning, every job wherever it ran, and assembling.
        log.info("pdf stage: %.2f s, %.2f s CPU (%d documents: planning %.2f s, rendering %.2f s, "
                 "assembling %.2f s of CPU)", time.perf_counter() - pdf_started, planning + renderer.cpu + assembling,
                 len(renderer), planning, renderer.cpu, assembling)
        site_warnings: list[Problem] = []
        if beside is not None:
            site_warnings = beside.result()
            log.info("site stage: %.2f s, %.2f s CPU (beside the cards)", beside.wall, beside.cpu)
        warnings = site_warnings + warnings
        fatal = errors_of(warnings, options.strict)
        if fatal:
            raise ContentError(fatal)
    log.info("built %s in %.2f s", options.out_dir, time.perf_counter() - started)
    return warnings


#: A stage planned in one language: the language, its plan, the renderer's ticket of each job,
#: the key of the files its plan makes (`assembly_inputs` and its documents' keys), and its slot
#: in the cache (the content folder, stage, language and card size: one entry kept per slot).
Planned = tuple[i18n.Language, "pdf.Plan", dict[Hashable, int], str, str]


def plan_languages(planners: dict[str, Callable[[RenderContext], pdf.Plan]],
                   contexts: list[tuple[i18n.Language, RenderContext]], renderer: pdf.Renderer, stage: Path,
                   out_dir: Path, reuse: Collection[str] = ()) -> list[Planned]:
    """Plan each PDF stage in every language, handing each job to `renderer` as it is planned.

    Outputs named in `reuse` are copied from the previous build instead.
    """
    @functools.cache
    def shared() -> str:  # read only when some stage is planned, not when all are carried over
        return assembly_inputs(contexts[0][1].options)

    def plan(name: str, planner: Callable[[RenderContext], pdf.Plan], language: i18n.Language,
             localised: RenderContext) -> list[Planned]:
        planned = planner(localised)
        tickets = {key: renderer.submit(job) for key, job in planned.jobs}
        key = cache.digest(shared(), name, localised.lang, localised.prefix, localised.card_size,
                           *(renderer.key(ticket) for ticket in tickets.values()))
        slot = cache.digest(str(localised.options.content_dir.absolute()), name, localised.lang, localised.prefix,
                            localised.card_size)
        return [(language, planned, tickets, key, slot)]

    return in_every_language((language, functools.partial(plan, name, planner, language, localised))
                             for name, planner in planners.items() for language, localised in contexts
                             if not carried_over(name, localised, stage, out_dir, reuse))


def assembly_inputs(options: BuildOptions) -> str:
    """Return a digest of what shapes the files made of the documents, besides the documents themselves.

    The content (titles, print offsets, clinic name), the theme (its catalogues name the large
    print and the sheets), the build's date, and this tool's and pikepdf's versions; each
    stage's key adds its name, language, card size and the keys of its documents. Read once
    per build, for every stage and language.
    """
    import pikepdf

    from .pdf import build_stamp

    files = [path for folder in (options.content_dir, options.theme_dir)
             for path in folder.rglob("*") if path.is_file()]
    return cache.digest(__version__, pikepdf.__version__, build_stamp(), cache.files_digest(files))


def finish_languages(plans: list[Planned], renderer: pdf.Renderer, stage: Path, cache_dir: Path | None,
                     ) -> list[Problem]:
    """Make each planned stage's files of its rendered documents; return the warnings of every language.

    Files made of the same documents and content before are taken from the cache instead: a
    build with nothing changed neither assembles the decks and sheets again nor keeps their
    documents in memory.
    """
    from . import pdf

    store = cache.Store(cache_dir, "assembled")

    def finish(planned: pdf.Plan, tickets: dict[Hashable, int], key: str, slot: str) -> list[Problem]:
        hit = store.get(key)
        if hit is not None:
            return unpack_files(*hit, stage)
        with tempfile.TemporaryDirectory(dir=stage.parent, prefix=".assembling-") as tmp:
            warnings = planned.finish(pdf.Outputs(renderer, tickets), Path(tmp))
            store.put(key, *pack_files(Path(tmp), warnings), slot=slot)
            shutil.copytree(tmp, stage, dirs_exist_ok=True, copy_function=shutil.move)
        return warnings

    return in_every_language((language, functools.partial(finish, planned, tickets, key, slot))
                             for language, planned, tickets, key, slot in plans)


def pack_files(folder: Path, warnings: list[Problem]) -> tuple[Iterator[bytes], dict[str, Any]]:
    """Return every file under `folder` as one cache entry: their bytes, read one file at a time
    as the entry is written, their names and sizes, and `warnings`."""
    files = sorted(path for path in folder.rglob("*") if path.is_file())
    return (path.read_bytes() for path in files), {
        "files": [[path.relative_to(folder).as_posix(), path.stat().st_size] for path in files],
        "warnings": [[str(w.path), w.line, w.col, w.key, w.message, w.code] for w in warnings]}


def unpack_files(data: bytes, meta: dict[str, Any], dest: Path) -> list[Problem]:
    """Write the files of a cache entry made by `pack_files` under `dest`; return its warnings."""
    start = 0
    for name, length in meta["files"]:
        (dest / name).parent.mkdir(parents=True, exist_ok=True)
        (dest / name).unlink(missing_ok=True)  # maybe a link to the last output's file (see `link_or_copy`)
        (dest / name).write_bytes(data[start:start + length])
        start += length
    return [Problem(Path(path), line, col, key, message, code)
            for path, line, col, key, message, code in meta["warnings"]]


def timed_stage(render: Callable[[RenderContext, Path], list[Problem]], name: str,
                contexts: list[tuple[i18n.Language, RenderContext]], stage: Path, out_dir: Path,
                reuse: Collection[str] = (), where: str = "") -> list[Problem]:
    """Render one stage in every language (`render_languages`) and log its wall and CPU time."""
    step, step_cpu = time.perf_counter(), cpu_seconds()
    warnings = render_languages(render, name, contexts, stage, out_dir, reuse)
    log.info("%s stage: %.2f s, %.2f s CPU%s", name, time.perf_counter() - step, cpu_seconds() - step_cpu, where)
    return warnings


def render_languages(render: Callable[[RenderContext, Path], list[Problem]], name: str,
                     contexts: list[tuple[i18n.Language, RenderContext]], stage: Path, out_dir: Path,
                     reuse: Collection[str] = ()) -> list[Problem]:
    """Render one stage in every language; return the warnings.

    Outputs named in `reuse` are copied from the previous build instead.
    """
    return in_every_language((language, functools.partial(render, localised, stage))
                             for language, localised in contexts
                             if not carried_over(name, localised, stage, out_dir, reuse))


T = TypeVar("T")


def in_every_language(steps: Iterable[tuple[i18n.Language, Callable[[], list[T]]]]) -> list[T]:
    """Run each step in its language and gather what they return.

    What one language refuses does not stop the others: a build reports every language's
    problems together, as `check` does.
    """
    results: list[T] = []
    refused: list[Problem] = []
    for language, step in steps:
        with i18n.activate(language):
            try:
                results += step()
            except ContentError as exc:
                refused += exc.problems
    if refused:
        raise ContentError(sorted(set(refused)))
    return results


#: What each stage writes under its language's folder, where that is not one folder of the stage's name.
STAGE_PATHS = {"embeds": ("embed", "api", "_headers")}


def carried_over(name: str, localised: RenderContext, stage: Path, out_dir: Path, reuse: Collection[str]) -> bool:
    """Copy a stage's output from the previous build when it is to be reused and exists; return whether it was."""
    paths = [localised.prefix + path for path in STAGE_PATHS.get(name, (name,))]
    if name not in reuse or not (out_dir / paths[0]).is_dir():
        return False
    for path in paths:
        if (out_dir / path).is_dir():  # a folder may hold pages of the site as well: those stay as built
            shutil.copytree(out_dir / path, stage / path, copy_function=link_or_copy, dirs_exist_ok=True)
        elif (out_dir / path).is_file():
            link_or_copy(str(out_dir / path), str(stage / path))
    return True


def link_or_copy(source: str, dest: str) -> None:
    """Link `dest` to `source`'s file, or copy it where a link cannot be made; keep a `dest` already written.

    Why a link: a carried-over folder of cards is tens of megabytes at 200 stretches, and no build
    writes into a file of the last output (each writes a new stage and swaps it in), so the last
    output and the new one can share the files. Nothing writes into a carried-over file afterwards:
    only the site shares a folder with another stage (`embed/`, with the embeds), and it is built
    before the embeds are carried over; a file made anew over one (an edited stretch's card)
    replaces it (`unpack_files`, `finish_languages`).
    """
    if os.path.lexists(dest):
        return
    try:
        os.link(source, dest)
    except OSError:
        shutil.copy2(source, dest)


def _site_main(options: BuildOptions, dest: Path, connection: Connection) -> None:
    """Render the site and embeds stages into `dest` in this (child) process; send back their warnings,
    problems or failure."""
    logging.basicConfig(level=logging.INFO if options.verbosity > 1 else logging.WARNING, format="%(message)s")
    parent = multiprocessing.parent_process()
    if parent is not None:  # a killed build takes its site stage with it, as it does its card workers
        threading.Thread(target=_end_with, args=(parent.sentinel,), name="watch-build", daemon=True).start()
    started, started_cpu = time.perf_counter(), cpu_seconds()
    try:
        from . import embeds, site

        context, _ = prepare(options)
        contexts = language_contexts(context)
        warnings = render_languages(site.render_site, "site", contexts, dest, options.out_dir)
        site_time = (time.perf_counter() - started, cpu_seconds() - started_cpu)
        warnings += timed_stage(embeds.render_embeds, "embeds", contexts, dest, options.out_dir,
                                where=" (beside the cards)")
        connection.send(("done", warnings, site_time))
    except ContentError as exc:
        connection.send(("problems", exc.problems, (0.0, 0.0)))
    except jinja2.TemplateError as exc:
        connection.send(("problems", [template_problem(exc, options.theme_dir, options.theme_overrides)], (0.0, 0.0)))
    except BaseException:  # a bug: the build fails with the child's traceback
        connection.send(("crash", traceback.format_exc(), (0.0, 0.0)))
    finally:
        connection.close()


def _end_with(sentinel: int) -> None:
    """Wait until the build process has ended, then end this one."""
    multiprocessing.connection.wait([sentinel])
    os._exit(1)


class SiteProcess:
    """The site and embeds stages running in a child process beside the card stage."""

    def __init__(self, options: BuildOptions, dest: Path) -> None:
        context = multiprocessing.get_context("spawn")  # as the card workers: no forked library state
        self._receive, send = context.Pipe(duplex=False)
        self._process = context.Process(target=_site_main, args=(options, dest, send), name="site-stage",
                                        daemon=True)
        self.wall = self.cpu = 0.0  # of the site stage in its process (not the embeds), from its start to its end

    def __enter__(self) -> SiteProcess:
        self._process.start()
        return self

    def __exit__(self, *exc: object) -> None:
        if self._process.is_alive():  # the cards failed first: the site is not needed
            self._process.terminate()
        self._process.join()

    def result(self) -> list[Problem]:
        """Wait for the site stage; return its warnings, or raise what stopped it."""
        try:
            kind, value, (self.wall, self.cpu) = self._receive.recv()
        except EOFError:
            kind, value = "crash", f"the site stage ended with exit code {self._process.exitcode}"
        self._process.join()
        if kind == "problems":
            raise ContentError(value)
        if kind == "crash":
            raise RuntimeError(f"the site stage failed:\n{value}")
        return list(value)
