"""Library-wide rules, checked in one pass: they return problems and never raise."""

from __future__ import annotations

import datetime
import re
from pathlib import Path

from . import readability, vocab
from .loader import LoadResult, Positions
from .models import Dose, DoseOverride, Library, Routine, Stretch
from .problems import Problem, display_path, join_key

#: How old a review may be, in days, before the stretch is due for another.
REVIEW_DAYS = 730


def reviews_due(library: Library, today: datetime.date) -> list[tuple[str, str]]:
    """Return (stretch id, why) for each stretch with no review, or a review over two years old."""
    due = []
    for sid, stretch in sorted(library.stretches.items()):
        if stretch.review is None:
            due.append((sid, "not yet reviewed by a clinician"))
        elif (today - stretch.review.on).days > REVIEW_DAYS:
            due.append((sid, f"last reviewed on {stretch.review.on.isoformat()} by {stretch.review.reviewer()}, "
                             "more than two years ago"))
    return due


#: Dose keys that only one kind of stretch uses, and what a stretch of the other kind writes instead.
NOT_FOR_KIND: dict[str, dict[str, str]] = {
    "hold": {
        "reps": "a hold has no `reps`; give its time as `hold: {min: 15, max: 30}` (seconds)",
        "hold_each": "a hold has no `hold_each` (the hold of each repetition); give its time as "
                     "`hold: {min: 15, max: 30}` (seconds)",
        "tempo": "a hold has no `tempo` (seconds per repetition); its time is `hold: {min: 15, max: 30}`, "
                 "so remove `tempo`",
    },
    "reps": {
        "hold": "a stretch done in repetitions has no `hold`; to hold each repetition, write `hold_each: 5` "
                "(seconds)",
    },
}


def dose_problems(kind: str, dose: Dose | DoseOverride) -> list[tuple[str, str]]:
    """Return (key, message) for each key of a dose that a stretch of this kind does not use."""
    found = [(key, message) for key, message in NOT_FOR_KIND[kind].items()
             if key in dose.model_fields_set and getattr(dose, key) is not None]
    if kind == "hold" and dose.sides == "alternate":
        found.append(("sides", "a hold cannot alternate sides on each repetition; for both sides write "
                               "`sides: each`"))
    return found


#: Equipment words that count as padding for the knees.
PADDING = r"\bpad|cushion|towel|blanket|pillow"


Loc = tuple[str | int, ...]


class _Report:
    """Collects positioned problems for one check of the library."""

    def __init__(self, result: LoadResult, library: Library) -> None:
        self.result = result
        self.library = library
        self.problems: list[Problem] = []

    def at(self, path: Path, loc: Loc, key: str, message: str, code: str | None = None) -> None:
        """Report a problem at the position of `loc` in `path`."""
        line, col = self.result.positions.get(path, Positions()).at(loc)
        self.problems.append(Problem(path, line, col, key, message, code))

    def read(self, path: Path, loc: Loc, text: str) -> None:
        """Warn about each hard sentence (W006) and clinical word (W007) of one piece of text."""
        for finding in readability.check_text(text):
            self.at(path, loc, join_key(loc), finding.message(), "W007" if finding.word else "W006")

    def unknown_stretch(self, path: Path, loc: Loc, key: str, other: str) -> None:
        """Report a reference to a stretch id that the library does not have."""
        source = self.library.source_paths.get(other)
        if other in self.library.stretches or (source is not None and source.parent.name == "stretches"):
            return  # it exists; if it is invalid, its own problems are reported
        # Suggest from every stretch file, loaded or not: a typo is a typo either way.
        hint = vocab.suggest(other, sorted(k for k, p in self.library.source_paths.items()
                                           if p.parent.name == "stretches"))
        expected = display_path(self.library.content_dir / "stretches" / f"{other}.yml")
        self.at(path, loc, key, f"no stretch with id `{other}` (expected a file {expected})"
                + (f"; did you mean `{hint}`?" if hint else ""))


def check_library(result: LoadResult, today: datetime.date | None = None, draft: bool = False) -> list[Problem]:
    """Check the rules that span files; return every problem found."""
    library = result.partial
    if library is None:
        return []
    report = _Report(result, library)
    if not draft:
        report.problems += placeholder_problems(result)
    if result.library is not None:  # guide.yml loaded: its own rules
        _check_guide(report)
    due = dict(reviews_due(library, today or datetime.date.today()))
    for sid, stretch in sorted(library.stretches.items()):
        _check_stretch(report, sid, stretch, due.get(sid))
    for rid, routine in sorted(library.routines.items()):
        _check_routine(report, library.source_paths[rid], routine)
    if result.library is not None and library.translations:
        from .translations import status_problems

        report.problems += status_problems(library, result.positions)
    return report.problems


def _check_guide(report: _Report) -> None:
    """Check guide.yml: the site address, the red flags and the reading level of its text."""
    guide = report.library.guide
    path = report.library.content_dir / "guide.yml"
    if not guide.site_url:
        report.at(path, (), "site_url", "no `site_url` set: cards get no QR code and pages no oEmbed "
                  "discovery link; set it to the guide's public address", "W002")
    report.read(path, ("disclaimer",), guide.disclaimer)
    for index, rule in enumerate(guide.safety_rules):
        report.read(path, ("safety_rules", index), rule)
    for g, group in enumerate(guide.red_flags):
        if group.action:
            report.read(path, ("red_flags", g, "action"), group.action)
        for index, sign in enumerate(group.signs):
            report.read(path, ("red_flags", g, "signs", index), sign)
    for s, section in enumerate(guide.before_you_start):
        for index, point in enumerate(section.points):
            report.read(path, ("before_you_start", s, "points", index), point)
    if not any(group.urgency == "emergency" for group in guide.red_flags):
        report.at(path, ("red_flags",), "red_flags", "no group has `urgency: emergency`; group the warning "
                  "signs by urgency, starting with those that need an emergency department now (see the "
                  "manual)", "W010")


def _check_stretch(report: _Report, sid: str, stretch: Stretch, due: str | None) -> None:
    """Check one stretch: review, reading level, dose, alternative, precautions, padding, figure."""
    path = report.library.source_paths[sid]
    review = stretch.review
    if review is None:
        report.at(path, (), "review", "no review record; add `review:` with `by:` and `on:` once a "
                  "clinician has checked this stretch", "W001")
    elif due:
        report.at(path, ("review", "on"), "review.on", f"last reviewed on {review.on.isoformat()}, "
                  "more than two years ago; review it again and update the date", "W004")
    elif not (review.role or review.registration):
        report.at(path, ("review",), "review", f"says who ({review.by}) but not as what; add `role:` or "
                  "`registration:` so readers can tell a clinician signed it", "W011")

    for field in ("setup", "steps", "helper_cues"):
        for index, text in enumerate(getattr(stretch, field)):
            report.read(path, (field, index), text)
    for field in ("stop_if", "avoid_if"):
        for index, text in enumerate(getattr(stretch.safety, field)):
            report.read(path, ("safety", field, index), text)
            hint = next((words for pattern, words in vocab.PRECAUTION_HINTS.items()
                         if re.search(pattern, text, re.IGNORECASE)), None)
            if hint:
                report.at(path, ("safety", field, index), f"safety.{field}[{index}]",
                          "names a common precaution in its own words, which may read differently on "
                          f"other stretches; list {hint} under `safety.precautions:` instead", "W008")

    for key, message in dose_problems(stretch.kind, stretch.dose):
        kind = {"reps": "reps", "hold": "hold"}.get(key)
        report.at(path, ("dose", key), f"dose.{key}",
                  message + (f", or change `kind:` to `{kind}`" if kind else ""))

    if stretch.alternative is not None:
        other = stretch.alternative.stretch
        if other == sid:
            report.at(path, ("alternative", "stretch"), "alternative.stretch",
                      "a stretch cannot be its own alternative; name another stretch")
        else:
            report.unknown_stretch(path, ("alternative", "stretch"), "alternative.stretch", other)

    safety_text = [*stretch.safety.stop_if, *stretch.safety.avoid_if, *stretch.safety.precaution_texts()]
    if any(re.search(r"\bpad", text, re.IGNORECASE) for text in safety_text) and not any(
            re.search(PADDING, item, re.IGNORECASE) for item in stretch.equipment):
        report.at(path, ("equipment",), "equipment", "the safety text relies on padding, but `equipment` "
                  "names none; add an item such as `Cushion or folded towel for the knees`", "W009")
    if stretch.figure is None:
        report.at(path, (), "figure", "no figure; add `figure:` with a pose so readers see the position", "W003")


def _check_routine(report: _Report, path: Path, routine: Routine) -> None:
    """Check a routine's references to stretches and the dose keys it overrides."""
    for index, item in enumerate(routine.items):
        stretch = report.library.stretches.get(item.stretch)
        if stretch is None:
            report.unknown_stretch(path, ("items", index, "stretch"), f"items[{index}].stretch", item.stretch)
            continue
        what = "a hold" if stretch.kind == "hold" else "done in repetitions"
        for key, message in dose_problems(stretch.kind, item.dose) if item.dose else []:
            report.at(path, ("items", index, "dose", key), f"items[{index}].dose.{key}",
                      f"`{item.stretch}` is {what}, and {message}")


def placeholder_problems(result: LoadResult) -> list[Problem]:
    """Return a problem for every text that is still a scaffold's placeholder, in any file."""
    return [Problem(path, *positions.at(loc), join_key(loc), "still the scaffold's placeholder text; write "
                    "the real text, or build with --draft to preview a draft")
            for path, positions in sorted(result.positions.items()) for loc in positions.placeholders]


def page_clashes(docs_dir: Path, theme_dir: Path) -> list[Problem]:
    """Return a problem for each hand-written page named like a page the build generates."""
    generated = {"index.md", "areas.md", "positions.md", "before-you-start.md",
                 *(p.name for p in (theme_dir / "site" / "pages").glob("*.md"))}
    return [Problem(docs_dir / name, 1, 1, "", "a generated page has this name; rename the hand-written page")
            for name in sorted(p.name for p in docs_dir.glob("*.md") if p.name in generated)]
