"""The whole build in one function: load -> check -> draw -> render -> write."""

from __future__ import annotations

import logging
import shutil
import time
from collections.abc import Collection
from pathlib import Path

from . import cache, figures
from .checks import check_library
from .loader import load_library
from .models import BuildOptions, Library, RenderContext
from .output import staged_output
from .problems import ContentError, Problem, errors_of
from .templates import make_env

log = logging.getLogger("stretchguide")


def load_checked(content_dir: Path, strict: bool = False) -> tuple[Library, list[Problem]]:
    """Load and check a content folder; raise ContentError unless it can be built.

    Returns the library and the warnings that did not stop it.
    """
    result = load_library(content_dir)
    problems = sorted(set(result.problems + check_library(result)))
    if result.library is not None:
        problems += figures.check_figures(result.library, result.positions)
    problems = sorted(set(problems))
    if errors_of(problems, strict) or result.library is None:
        raise ContentError(problems)
    return result.library, problems


def build(options: BuildOptions, reuse: Collection[str] = ()) -> list[Problem]:
    """Build every output into `options.out_dir`; return the warnings.

    Nothing is written to the output folder unless the whole build succeeds. Outputs named in
    `reuse` (such as "cards") are copied from the previous build's folder of that name instead
    of rendered: the live preview shows an edited page first and renders the cards after.
    """
    # First gather and check all content; nothing is written until it is all valid.
    started = time.perf_counter()
    library, warnings = load_checked(options.content_dir, options.strict)
    drawn = figures.draw_figures(library, store=cache.Store(options.cache_dir, "figures"))
    context = RenderContext(library, drawn, options, make_env(options.theme_dir))
    log.info("loaded %d stretches and %d routines in %.2f s", len(library.stretches),
             len(library.routines), time.perf_counter() - started)

    # Then render every output into a stage beside the target, and swap it in when complete.
    from . import cards, embeds, site  # imported here: `check` should not pay for them
    with staged_output(options.out_dir) as stage:
        for name, render in (("site", site.render_site), ("cards", cards.render_cards),
                             ("embeds", embeds.render_embeds)):
            step = time.perf_counter()
            if name in reuse and (options.out_dir / name).is_dir():
                shutil.copytree(options.out_dir / name, stage / name)
                continue
            warnings += render(context, stage)
            log.info("%s stage: %.2f s", name, time.perf_counter() - step)
        fatal = errors_of(warnings, options.strict)
        if fatal:
            raise ContentError(fatal)
    log.info("built %s in %.2f s", options.out_dir, time.perf_counter() - started)
    return warnings
