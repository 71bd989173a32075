"""Library-wide rules, checked in one pass: they return problems and never raise."""

from __future__ import annotations

import datetime
import re
from pathlib import Path

from . import readability, vocab
from .loader import LoadResult, Positions
from .models import Dose, DoseOverride, Library
from .problems import Problem, join_key

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


def check_library(result: LoadResult, today: datetime.date | None = None) -> list[Problem]:
    """Check the rules that span files; return every problem found."""
    library = result.library
    if library is None:
        return []
    today = today or datetime.date.today()
    problems: list[Problem] = []

    def at(path: Path, loc: tuple[str | int, ...], key: str, message: str, code: str | None = None) -> None:
        line, col = result.positions.get(path, Positions()).at(loc)
        problems.append(Problem(path, line, col, key, message, code))

    guide_path = library.content_dir / "guide.yml"
    if not library.guide.site_url:
        at(guide_path, (), "site_url", "no `site_url` set: cards get no QR code and pages no oEmbed "
           "discovery link; set it to the guide's public address", "W002")

    def unknown_stretch(path: Path, loc: tuple[str | int, ...], key: str, other: str) -> None:
        """Report a reference to a stretch id that the library does not have."""
        source = library.source_paths.get(other)
        if other in library.stretches or (source is not None and source.parent.name == "stretches"):
            return  # it exists; if it is invalid, its own problems are reported
        hint = vocab.suggest(other, sorted(library.stretches))
        at(path, loc, key, f"no stretch with id `{other}` (expected a file content/stretches/{other}.yml)"
           + (f"; did you mean `{hint}`?" if hint else ""))

    def read(path: Path, loc: tuple[str | int, ...], text: str) -> None:
        """Warn about each hard sentence (W006) and clinical word (W007) of one piece of text."""
        for finding in readability.check_text(text):
            at(path, loc, join_key(loc), finding.message(), "W007" if finding.word else "W006")

    guide = library.guide
    read(guide_path, ("disclaimer",), guide.disclaimer)
    for index, rule in enumerate(guide.safety_rules):
        read(guide_path, ("safety_rules", index), rule)
    for g, group in enumerate(guide.red_flags):
        if group.action:
            read(guide_path, ("red_flags", g, "action"), group.action)
        for index, sign in enumerate(group.signs):
            read(guide_path, ("red_flags", g, "signs", index), sign)
    for s, section in enumerate(guide.before_you_start):
        for index, point in enumerate(section.points):
            read(guide_path, ("before_you_start", s, "points", index), point)

    if not any(group.urgency == "emergency" for group in library.guide.red_flags):
        at(guide_path, ("red_flags",), "red_flags", "no group has `urgency: emergency`; group the warning signs "
           "by urgency, starting with those that need an emergency department now (see the manual)", "W010")

    due = dict(reviews_due(library, today))
    for sid, stretch in sorted(library.stretches.items()):
        path = library.source_paths[sid]
        if stretch.review is None:
            at(path, (), "review", "no review record; add `review:` with `by:` and `on:` once a "
               "clinician has checked this stretch", "W001")
        elif sid in due:
            at(path, ("review", "on"), "review.on", f"last reviewed on {stretch.review.on.isoformat()}, "
               "more than two years ago; review it again and update the date", "W004")
        elif not (stretch.review.role or stretch.review.registration):
            at(path, ("review",), "review", f"says who ({stretch.review.by}) but not as what; add `role:` or "
               "`registration:` so readers can tell a clinician signed it", "W011")
        for field in ("setup", "steps", "helper_cues"):
            for index, text in enumerate(getattr(stretch, field)):
                read(path, (field, index), text)
        for field in ("stop_if", "avoid_if"):
            for index, text in enumerate(getattr(stretch.safety, field)):
                read(path, ("safety", field, index), text)
        for key, message in dose_problems(stretch.kind, stretch.dose):
            other = {"reps": "reps", "hold": "hold"}.get(key)
            at(path, ("dose", key), f"dose.{key}", message + (f", or change `kind:` to `{other}`" if other else ""))
        if stretch.alternative is not None:
            other = stretch.alternative.stretch
            if other == sid:
                at(path, ("alternative", "stretch"), "alternative.stretch",
                   "a stretch cannot be its own alternative; name another stretch")
            else:
                unknown_stretch(path, ("alternative", "stretch"), "alternative.stretch", other)
        for field in ("stop_if", "avoid_if"):
            for index, text in enumerate(getattr(stretch.safety, field)):
                for pattern, words in vocab.PRECAUTION_HINTS.items():
                    if re.search(pattern, text, re.IGNORECASE):
                        at(path, ("safety", field, index), f"safety.{field}[{index}]",
                           "names a common precaution in its own words, which may read differently on "
                           f"other stretches; list {words} under `safety.precautions:` instead", "W008")
                        break
        safety_text = [*stretch.safety.stop_if, *stretch.safety.avoid_if, *stretch.safety.precaution_texts()]
        if any(re.search(r"\bpad", text, re.IGNORECASE) for text in safety_text) and not any(
                re.search(PADDING, item, re.IGNORECASE) for item in stretch.equipment):
            at(path, ("equipment",), "equipment", "the safety text relies on padding, but `equipment` names "
               "none; add an item such as `Cushion or folded towel for the knees`", "W009")
        if stretch.figure is None:
            at(path, (), "figure", "no figure; add `figure:` with a pose so readers see the position", "W003")

    for rid, routine in sorted(library.routines.items()):
        path = library.source_paths[rid]
        for index, item in enumerate(routine.items):
            if item.stretch in library.stretches:
                kind = library.stretches[item.stretch].kind
                for key, message in dose_problems(kind, item.dose) if item.dose else []:
                    at(path, ("items", index, "dose", key), f"items[{index}].dose.{key}",
                       f"`{item.stretch}` is {'a hold' if kind == 'hold' else 'done in repetitions'}, and {message}")
                continue
            unknown_stretch(path, ("items", index, "stretch"), f"items[{index}].stretch", item.stretch)
    return problems
