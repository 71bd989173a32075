"""The command line as a user runs it: exit codes, messages, quiet and strict."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def run(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, str(ROOT / "build.py"), *args], cwd=cwd, capture_output=True,
                          text=True, timeout=600)


def test_build_is_the_default_command_and_says_where_the_guide_is(tmp_path: Path) -> None:
    result = run("--content", str(ROOT / "content"), "--out", "out", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "Built the guide into out/" in result.stderr
    assert (tmp_path / "out" / "index.html").is_file()


def test_quiet_prints_nothing_but_problems(tmp_path: Path) -> None:
    result = run("build", "--content", str(ROOT / "content"), "--out", "out", "--quiet", cwd=tmp_path)
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
