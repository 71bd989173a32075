"""The whole build in one function: load -> check -> draw -> render -> write."""

from __future__ import annotations

import dataclasses
import logging
import shutil
import tempfile
import time
from collections.abc import Collection
from pathlib import Path

import jinja2

from . import cache, figures, i18n, resources, translations
from .checks import check_library, page_clashes
from .loader import load_library
from .models import BuildOptions, Library, RenderContext
from .output import staged_output
from .problems import ContentError, Problem, errors_of
from .templates import make_env, template_problem

log = logging.getLogger("stretchguide")


def with_theme(options: BuildOptions) -> BuildOptions:
    """Return the options with the clinic's `--theme` folder laid over the built-in theme."""
    if options.theme_overrides is None:
        return options
    root = options.cache_dir or Path(tempfile.gettempdir()) / "stretchguide"
    return dataclasses.replace(options, theme_dir=resources.merged_theme(options.theme_overrides, root))


def load_checked(content_dir: Path, strict: bool = False, draft: bool = False) -> tuple[Library, list[Problem]]:
    """Load and check a content folder; raise ContentError unless it can be built.

    Returns the library and the warnings that did not stop it. Every file is checked in one
    run, even when some do not load, so all problems are reported together.
    """
    result = load_library(content_dir)
    problems = result.problems + check_library(result, draft=draft)
    if result.partial is not None:
        problems += figures.check_figures(result.partial, result.positions)
    problems = sorted(set(problems))
    if errors_of(problems, strict) or result.library is None:
        raise ContentError(problems)
    return result.library, problems


def prepare(options: BuildOptions) -> tuple[RenderContext, list[Problem]]:
    """Load, check and draw everything the renderers need; raise ContentError on any problem."""
    clashes = page_clashes(options.docs_dir, options.theme_dir)
    try:
        library, warnings = load_checked(options.content_dir, options.strict, options.draft)
    except ContentError as exc:
        raise ContentError(sorted(set(exc.problems + clashes))) from None
    if clashes:
        raise ContentError(clashes)
    tags = tuple(translations.languages(library))
    with i18n.activate(i18n.load_language(options.theme_dir, tags[0])):
        drawn = figures.draw_figures(library, store=cache.Store(options.cache_dir, "figures"))
    env = make_env(options.theme_dir, options.draft)
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
    from . import cards

    options = with_theme(options)
    try:
        context, warnings = prepare(options)
        for language, localised in language_contexts(context):
            with i18n.activate(language):
                warnings += cards.fit_problems(localised)
    except jinja2.TemplateError as exc:
        raise ContentError([template_problem(exc, options.theme_dir, options.theme_overrides)]) from None
    fatal = errors_of(warnings, options.strict)
    if fatal:
        raise ContentError(sorted(set(warnings)))
    return sorted(set(warnings))


def build(options: BuildOptions, reuse: Collection[str] = ()) -> list[Problem]:
    """Build every output into `options.out_dir`; return the warnings.

    Nothing is written to the output folder unless the whole build succeeds. Outputs named in
    `reuse` (such as "cards") are copied from the previous build's folder of that name instead
    of rendered: the live preview shows an edited page first and renders the cards after.
    """
    # First gather and check all content; nothing is written until it is all valid.
    started = time.perf_counter()
    options = with_theme(options)
    try:
        return _build(options, reuse, started)
    except jinja2.TemplateError as exc:
        raise ContentError([template_problem(exc, options.theme_dir, options.theme_overrides)]) from None


def _build(options: BuildOptions, reuse: Collection[str], started: float) -> list[Problem]:
    context, warnings = prepare(options)
    library = context.library
    log.info("loaded %d stretches and %d routines in %.2f s", len(library.stretches),
             len(library.routines), time.perf_counter() - started)

    # Then render every output into a stage beside the target, and swap it in when complete.
    from . import booklet, cards, embeds, site  # imported here: `check` should not pay for them
    contexts = language_contexts(context)
    with staged_output(options.out_dir) as stage:
        for name, render in (("site", site.render_site), ("cards", cards.render_cards),
                             ("embeds", embeds.render_embeds), ("booklet", booklet.render_booklet)):
            step = time.perf_counter()
            refused: list[Problem] = []  # every language's, so a build reports what `check` does
            for language, localised in contexts:
                folder = localised.prefix + name
                if name in reuse and (options.out_dir / folder).is_dir():
                    shutil.copytree(options.out_dir / folder, stage / folder)
                    continue
                with i18n.activate(language):
                    try:
                        warnings += render(localised, stage)
                    except ContentError as exc:
                        refused += exc.problems
            if refused:
                raise ContentError(sorted(set(refused)))
            log.info("%s stage: %.2f s", name, time.perf_counter() - step)
        fatal = errors_of(warnings, options.strict)
        if fatal:
            raise ContentError(fatal)
    log.info("built %s in %.2f s", options.out_dir, time.perf_counter() - started)
    return warnings
