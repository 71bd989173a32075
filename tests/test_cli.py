"""The command line as a user runs it: exit codes, messages, quiet and strict."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

from tests.conftest import copy_content

ROOT = Path(__file__).resolve().parent.parent


def run(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, str(ROOT / "build.py"), *args], cwd=cwd, capture_output=True,
                          text=True, timeout=600)


def test_build_is_the_default_command_and_says_where_the_guide_is(tmp_path: Path) -> None:
    content = copy_content(tmp_path / "content", stretches=["cat-cow"])  # one stretch is enough
    result = run("--content", str(content), "--out", "out", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "Built the guide into out/" in result.stderr
    assert (tmp_path / "out" / "index.html").is_file()


def test_hints_name_the_command_typed_in_a_checkout(tmp_path: Path) -> None:
    nowhere = run("check", "--content", "no-such-folder", cwd=tmp_path)
    assert nowhere.returncode == 2 and "run `build.py new guide DIR`" in nowhere.stderr, nowhere.stderr
    assert "Run `build.py COMMAND --help`" in run("--help", cwd=tmp_path).stdout


def test_quiet_prints_nothing_but_problems(tmp_path: Path) -> None:
    content = copy_content(tmp_path / "content", stretches=["cat-cow"])  # every stage runs, for one stretch
    result = run("build", "--content", str(content), "--out", "out", "--quiet", cwd=tmp_path)
    assert result.returncode == 0
    lines = [ln for ln in result.stderr.splitlines() if ln.strip()]
    assert all("warning W" in ln or "warning(s)" in ln for ln in lines), lines
    assert result.stdout == ""


def test_strict_turns_warnings_into_errors_and_keeps_the_old_output(tmp_path: Path, built_site: Path) -> None:
    import shutil

    out = tmp_path / "out"
    shutil.copytree(built_site, out)
    marker = out / "index.html"
    before = marker.read_bytes()
    result = run("build", "--content", str(ROOT / "content"), "--out", str(out), "--strict", cwd=tmp_path)
    assert result.returncode == 1
    assert "warning W001" in result.stderr and "under --strict" in result.stderr
    assert marker.read_bytes() == before


def test_quiet_and_verbose_exclude_each_other(tmp_path: Path) -> None:
    result = run("build", "--quiet", "--verbose", cwd=tmp_path)
    assert result.returncode == 2
    assert "not allowed with argument" in result.stderr


ERRORS = ROOT / "tests" / "data" / "errors"


def problem_lines(result: subprocess.CompletedProcess[str]) -> list[str]:
    """The problem lines a run printed (`path:line:col: ...`), without progress or summary lines."""
    return [ln for ln in result.stderr.splitlines() if re.match(r"^[^\s:]+:\d+:\d+: ", ln)]


def assert_golden(name: str, lines: list[str], update: bool) -> None:
    """Compare problem lines with tests/data/errors/<name>.expected.txt (`--update-golden` rewrites it)."""
    expected = ERRORS / f"{name}.expected.txt"
    text = "\n".join(lines) + "\n"
    if update:
        expected.parent.mkdir(parents=True, exist_ok=True)
        expected.write_text(text, encoding="utf-8")
    assert text == expected.read_text(encoding="utf-8")


def test_a_template_typo_names_the_template_and_line(content_copy: Path, tmp_path: Path,
                                                     update_golden: bool) -> None:
    theme = tmp_path / "our-theme" / "site"
    theme.mkdir(parents=True)
    source = (ROOT / "theme" / "site" / "stretch.md").read_text(encoding="utf-8")
    assert "stretch.title" in source
    (theme / "stretch.md").write_text(source.replace("stretch.title", "stretch.titel", 1), encoding="utf-8")
    result = run("build", "--content", "content", "--out", "out", "--theme", "our-theme", cwd=tmp_path)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "out").exists()
    assert_golden("template-typo", problem_lines(result), update_golden)


def test_check_reports_every_kind_of_mistake_in_one_run(content_copy: Path, update_golden: bool) -> None:
    (content_copy / "stretches" / "broken.yml").write_text("title: [unclosed\n", encoding="utf-8")
    for name, old, new in (("pigeon", "kind: hold", "kind: hould"),
                           ("seated-forward-bend", "pose: seated", "pose: seatd"),
                           ("cat-cow", "summary:", "summary: !!str"),
                           ("../routines/lower-back-basics", "stretch: cat-cow", "stretch: cat-cwo"),
                           ("../guide", "language: en", "language: english")):
        path = content_copy / "stretches" / f"{name}.yml"
        text = path.read_text(encoding="utf-8")
        assert old in text, (name, old)
        path.write_text(text.replace(old, new, 1), encoding="utf-8")
    result = run("check", "--content", "content", cwd=content_copy.parent)
    assert result.returncode == 1
    lines = [ln for ln in problem_lines(result) if "warning" not in ln]
    assert_golden("several-kinds", lines, update_golden)


def test_a_folder_that_checks_clean_builds_clean_and_check_finds_cards_that_do_not_fit(
        tmp_path: Path, update_golden: bool) -> None:
    content = copy_content(tmp_path / "content", stretches=["pigeon", "figure-four"])  # pigeon and its alternative
    stretch = content / "stretches" / "pigeon.yml"
    long_cue = "  - " + "Watch them closely, keep the hold gentle and count it aloud for them. " * 2
    stretch.write_text(stretch.read_text(encoding="utf-8").replace(
        "helper_cues:\n", "helper_cues:\n" + (long_cue.rstrip() + "\n") * 8, 1), encoding="utf-8")
    checked = run("check", "--content", "content", cwd=tmp_path)
    built = run("build", "--content", "content", "--out", "out", cwd=tmp_path)
    assert checked.returncode == built.returncode == 1
    refused = [ln for ln in problem_lines(checked) if "warning" not in ln]
    assert refused == [ln for ln in problem_lines(built) if "warning" not in ln]
    assert_golden("cards-do-not-fit", refused, update_golden)


def test_other_libraries_log_lines_appear_only_with_verbose(tmp_path: Path) -> None:
    content = copy_content(tmp_path / "content", stretches=["cat-cow"])  # every stage runs, for one stretch
    quiet = run("build", "--content", str(content), "--out", "out", cwd=tmp_path)
    assert quiet.returncode == 0
    assert "pikepdf" not in quiet.stderr and "logger bridge" not in quiet.stderr
    verbose = run("build", "--content", str(content), "--out", "out", "--verbose", cwd=tmp_path)
    assert verbose.returncode == 0
    assert "logger bridge initialized" in verbose.stderr


def test_review_due_lists_unreviewed_and_old_reviews_but_not_recent_ones(content_copy: Path) -> None:
    import datetime

    stretches = content_copy / "stretches"
    recent = (datetime.date.today() - datetime.timedelta(days=30)).isoformat()
    with open(stretches / "cat-cow.yml", "a", encoding="utf-8") as out:
        out.write(f"review:\n  by: A. Patel\n  role: Physiotherapist\n  registration: HCPC PH123456\n  on: {recent}\n")
    with open(stretches / "pigeon.yml", "a", encoding="utf-8") as out:
        out.write("review:\n  by: B. Jones\n  role: Physiotherapist\n  on: 2020-03-01\n")
    result = run("check", "--content", "content", "--review-due", cwd=content_copy.parent)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert "content/stretches/childs-pose.yml: not yet reviewed by a clinician" in lines
    assert ("content/stretches/pigeon.yml: last reviewed on 2020-03-01 by B. Jones (Physiotherapist), "
            "more than two years ago") in lines
    assert not any("cat-cow" in line for line in lines)
    assert lines[-1] == "5 of 6 stretch(es) due for review"
