"""Problems: one `file:line:col: key: message` line each, in file order, errors apart from warnings."""

from __future__ import annotations

from pathlib import Path

import pytest

from stretchguide.problems import WARNINGS, ContentError, Problem, display_path, errors_of, join_key


def test_a_problem_is_one_gcc_style_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    path = tmp_path / "content" / "stretches" / "pigeon.yml"
    error = Problem(path, 12, 5, "dose.hold.max", "must be at least min (30), got 20")
    assert error.format() == "content/stretches/pigeon.yml:12:5: dose.hold.max: must be at least min (30), got 20"
    warning = Problem(path, 1, 1, "review", "no review record", "W001")
    assert warning.format() == "content/stretches/pigeon.yml:1:1: review: warning W001: no review record"
    assert Problem(path, 1, 1, "", "file is empty").format() == "content/stretches/pigeon.yml:1:1: file is empty"
    assert error.format(relative_to=tmp_path / "content") == "stretches/pigeon.yml:12:5: dose.hold.max: " \
        "must be at least min (30), got 20"


def test_problems_sort_by_file_then_line_then_column() -> None:
    a, b = Path("content/stretches/a.yml"), Path("content/stretches/b.yml")
    found = [Problem(b, 1, 1, "", "x"), Problem(a, 10, 1, "", "x"), Problem(a, 2, 9, "", "x"),
             Problem(a, 2, 3, "", "x")]
    assert [(p.path.name, p.line, p.col) for p in sorted(found)] == [
        ("a.yml", 2, 3), ("a.yml", 2, 9), ("a.yml", 10, 1), ("b.yml", 1, 1)]
    # Numbers sort as numbers: line 10 after line 9, not after line 1.
    assert sorted([Problem(a, 10, 1, "", "x"), Problem(a, 9, 1, "", "x")])[0].line == 9


def test_paths_outside_the_working_folder_stay_absolute(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "here").mkdir()
    monkeypatch.chdir(tmp_path / "here")
    assert display_path(tmp_path / "here" / "content" / "guide.yml") == "content/guide.yml"
    assert display_path(tmp_path / "elsewhere" / "guide.yml") == (tmp_path / "elsewhere" / "guide.yml").as_posix()
    assert display_path(Path("content/guide.yml")) == "content/guide.yml"


def test_keys_are_written_as_in_the_file() -> None:
    assert join_key(["steps", 2]) == "steps[2]"
    assert join_key(["items", 0, "dose", "hold", "max"]) == "items[0].dose.hold.max"
    assert join_key([]) == ""


def test_strict_makes_every_warning_an_error() -> None:
    path = Path("content/guide.yml")
    error, warning = Problem(path, 1, 1, "", "bad"), Problem(path, 1, 1, "site_url", "none", "W002")
    assert not error.is_warning and warning.is_warning
    assert errors_of([error, warning], strict=False) == [error]
    assert errors_of([error, warning], strict=True) == [error, warning]
    assert errors_of([warning], strict=False) == []


def test_every_warning_code_is_explained_and_errors_carry_their_problems() -> None:
    assert all(code.startswith("W") and text for code, text in WARNINGS.items())
    problems = [Problem(Path("a.yml"), 1, 1, "", "bad")]
    assert ContentError(problems).problems == problems
