"""Library-wide rules, checked in one pass: they return problems and never raise."""

from __future__ import annotations

import datetime
from pathlib import Path

from . import vocab
from .loader import LoadResult, Positions
from .problems import Problem, display_path, join_key


def check_library(result: LoadResult, today: datetime.date | None = None, draft: bool = False) -> list[Problem]:
    """Check the rules that span files; return every problem found."""
    library = result.partial
    if library is None:
        return []
    today = today or datetime.date.today()
    problems: list[Problem] = []

    def at(path: Path, loc: tuple[str | int, ...], key: str, message: str, code: str | None = None) -> None:
        line, col = result.positions.get(path, Positions()).at(loc)
        problems.append(Problem(path, line, col, key, message, code))

    guide_path = library.content_dir / "guide.yml"
    if not draft:
        problems += placeholder_problems(result)
    if result.library is not None and not library.guide.site_url:
        at(guide_path, (), "site_url", "no `site_url` set: cards get no QR code and pages no oEmbed "
           "discovery link; set it to the guide's public address", "W002")

    for sid, stretch in sorted(library.stretches.items()):
        path = library.source_paths[sid]
        if stretch.review is None:
            at(path, (), "review", "no review record; add `review:` with `by:` and `on:` once a "
               "clinician has checked this stretch", "W001")
        elif (today - stretch.review.on).days > 730:
            at(path, ("review", "on"), "review.on", f"last reviewed on {stretch.review.on.isoformat()}, "
               "more than two years ago; review it again and update the date", "W004")
        if stretch.figure is None:
            at(path, (), "figure", "no figure; add `figure:` with a pose so readers see the position", "W003")

    for rid, routine in sorted(library.routines.items()):
        path = library.source_paths[rid]
        for index, item in enumerate(routine.items):
            if item.stretch in library.stretches:
                if item.dose and item.dose.hold and library.stretches[item.stretch].kind != "hold":
                    at(path, ("items", index, "dose", "hold"), f"items[{index}].dose.hold",
                       f"`{item.stretch}` is done in repetitions; override `reps` instead of `hold`")
                if item.dose and item.dose.reps and library.stretches[item.stretch].kind != "reps":
                    at(path, ("items", index, "dose", "reps"), f"items[{index}].dose.reps",
                       f"`{item.stretch}` is a hold; override `hold` instead of `reps`")
                continue
            if item.stretch in library.source_paths:
                continue  # the stretch exists but is invalid; its own problems are reported
            # Suggest from every stretch file, loaded or not: a typo is a typo either way.
            hint = vocab.suggest(item.stretch, sorted(k for k, p in library.source_paths.items()
                                                      if p.parent.name == "stretches"))
            at(path, ("items", index, "stretch"), f"items[{index}].stretch",
               f"no stretch with id `{item.stretch}` (expected a file "
               f"{display_path(library.content_dir / 'stretches' / item.stretch)}.yml)"
               + (f"; did you mean `{hint}`?" if hint else ""))
    return problems


def placeholder_problems(result: LoadResult) -> list[Problem]:
    """Return a problem for every text that is still a scaffold's placeholder, in any file."""
    return [Problem(path, *positions.at(loc), join_key(loc), "still the scaffold's placeholder text; write "
                    "the real text, or build with --draft to preview a draft")
            for path, positions in sorted(result.positions.items()) for loc in positions.placeholders]


def page_clashes(docs_dir: Path, theme_dir: Path) -> list[Problem]:
    """Return a problem for each hand-written page named like a page the build generates."""
    generated = {"index.md", "areas.md", "positions.md", *(p.name for p in (theme_dir / "site" / "pages").glob("*.md"))}
    return [Problem(docs_dir / name, 1, 1, "", "a generated page has this name; rename the hand-written page")
            for name in sorted(p.name for p in docs_dir.glob("*.md") if p.name in generated)]
