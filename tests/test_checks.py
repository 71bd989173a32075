"""Rules across files: review records, figures, site URL and routine references, each at its line."""

from __future__ import annotations

import datetime
import re
import subprocess
import sys
from pathlib import Path

import pytest

from stretchguide.checks import check_library
from stretchguide.loader import load_library
from stretchguide.problems import Problem
from tests.conftest import CONTENT, ROOT


def checked(content: Path, today: datetime.date | None = None) -> list[Problem]:
    """Load `content` and return what the cross-file checks find, in order."""
    result = load_library(content)
    assert result.library is not None, [p.format() for p in result.problems]
    return sorted(check_library(result, today))


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def line_of(path: Path, start: str) -> int:
    """Return the 1-based number of the first line of `path` that starts with `start`."""
    lines = path.read_text(encoding="utf-8").splitlines()
    return next(n for n, line in enumerate(lines, 1) if line.startswith(start))


def add_review(path: Path, on: str) -> None:
    with path.open("a", encoding="utf-8") as out:
        out.write(f"review:\n  by: A. Patel, physiotherapist\n  on: {on}\n")


def test_default_content_is_valid_and_says_it_awaits_review(
        default_content_checked: subprocess.CompletedProcess[str]) -> None:
    result = default_content_checked
    assert result.returncode == 0, result.stderr
    problems = [ln for ln in result.stderr.splitlines() if ln.startswith("content/")]
    # The shipped stretches carry no invented review record: W001 says so, and nothing else is wrong.
    assert problems and all("warning W001" in ln for ln in problems), problems
    strict = subprocess.run([sys.executable, str(ROOT / "build.py"), "check", "--content", str(CONTENT), "--strict"],
                            cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert strict.returncode == 1


def test_every_unreviewed_stretch_gets_one_w001(content_copy: Path) -> None:
    pigeon = content_copy / "stretches" / "pigeon.yml"
    add_review(pigeon, "2025-01-15")
    found = checked(content_copy, today=datetime.date(2025, 6, 1))
    w001 = sorted(p.path.stem for p in found if p.code == "W001")
    assert w001 == sorted(p.stem for p in (content_copy / "stretches").glob("*.yml") if p.stem != "pigeon")
    assert all(p.key == "review" and p.is_warning for p in found if p.code == "W001")


def test_a_review_older_than_two_years_is_w004_at_its_date(content_copy: Path) -> None:
    pigeon = content_copy / "stretches" / "pigeon.yml"
    add_review(pigeon, "2023-01-01")
    on_line = line_of(pigeon, "  on:")
    recent = checked(content_copy, today=datetime.date(2024, 12, 31))  # 730 days: still recent
    assert not [p for p in recent if p.code == "W004"]
    (old,) = [p for p in checked(content_copy, today=datetime.date(2025, 1, 2)) if p.code == "W004"]
    assert (old.path.name, old.line, old.key) == ("pigeon.yml", on_line, "review.on")
    assert "2023-01-01" in old.message and "review it again" in old.message


def test_a_stretch_without_a_figure_is_w003(content_copy: Path) -> None:
    pigeon = content_copy / "stretches" / "pigeon.yml"
    text = pigeon.read_text(encoding="utf-8")
    pigeon.write_text(text[:text.index("figure:\n")], encoding="utf-8")
    (w003,) = [p for p in checked(content_copy) if p.code == "W003"]
    assert w003.path == pigeon and w003.key == "figure"


def test_a_guide_without_site_url_is_w002(content_copy: Path) -> None:
    assert not [p for p in checked(content_copy) if p.code == "W002"]
    guide = content_copy / "guide.yml"
    guide.write_text(re.sub(r"(?m)^site_url:.*\n", "", guide.read_text(encoding="utf-8")), encoding="utf-8")
    (w002,) = [p for p in checked(content_copy) if p.code == "W002"]
    assert w002.path == guide and "QR code" in w002.message


def test_a_routine_naming_a_missing_stretch_suggests_the_closest(content_copy: Path,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(content_copy.parent)  # paths are shown relative to the working folder
    routine = content_copy / "routines" / "lower-back-basics.yml"
    edit(routine, "  - stretch: pigeon\n", "  - stretch: pidgeon\n")
    errors = [p for p in checked(content_copy) if not p.is_warning]
    assert [p.format() for p in errors] == [
        f"content/routines/lower-back-basics.yml:{line_of(routine, '  - stretch: pidgeon')}:14: items[2].stretch: "
        "no stretch with id `pidgeon` (expected a file content/stretches/pidgeon.yml); did you mean `pigeon`?"]


def test_a_routine_overriding_the_wrong_kind_of_dose_is_an_error(content_copy: Path) -> None:
    routine = content_copy / "routines" / "lower-back-basics.yml"
    # cat-cow is done in repetitions, pigeon is held.
    edit(routine, "  - stretch: cat-cow\n", "  - stretch: cat-cow\n    dose: {hold: {min: 10, max: 20}}\n")
    edit(routine, "  - stretch: pigeon\n", "  - stretch: pigeon\n    dose: {reps: {min: 5, max: 8}}\n")
    errors = {p.key: p.message for p in checked(content_copy) if not p.is_warning}
    assert errors == {
        "items[0].dose.hold": "`cat-cow` is done in repetitions, and a stretch done in repetitions has no `hold`; "
                              "to hold each repetition, write `hold_each: 5` (seconds)",
        "items[2].dose.reps": "`pigeon` is a hold, and a hold has no `reps`; give its time as "
                              "`hold: {min: 15, max: 30}` (seconds)"}


def test_nothing_to_check_when_the_library_did_not_load(tmp_path: Path) -> None:
    result = load_library(tmp_path)  # no guide.yml
    assert result.library is None and result.problems
    assert check_library(result) == []
