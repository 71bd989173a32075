"""Loading content: positioned, reworded problems for every kind of bad input."""

from __future__ import annotations

import contextlib
import io
import re
import shutil
import subprocess
import sys
from pathlib import Path
from unittest import mock

import pytest

from stretchguide.cli import main
from stretchguide.loader import load_library, read_yaml
from tests.conftest import copy_content

ROOT = Path(__file__).resolve().parent.parent
INVALID = ROOT / "tests" / "data" / "invalid"
CASES = sorted(p for p in INVALID.iterdir() if p.suffix == ".yml")


def place_case(case: Path, content: Path) -> Path:
    """Put a golden case into a content folder where its kind of file belongs."""
    if case.stem.startswith("guide-"):
        dest = content / "guide.yml"
    elif case.stem.startswith("routine-"):
        dest = content / "routines" / f"{case.stem}.yml"
    else:
        dest = content / "stretches" / f"{case.stem}.yml"
    shutil.copyfile(case, dest)
    return dest


def run_process(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    """Run `build.py` with `args` in a process of its own, in `cwd`."""
    return subprocess.run([sys.executable, str(ROOT / "build.py"), *args], cwd=cwd,
                          capture_output=True, text=True, timeout=120)


def run_cli(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    """Run the command line with `args` in this process, in `cwd`, as `build.py` does; return its exit code and output.

    Why not a process of its own: starting Python and importing the renderers takes over a second,
    paid again by every case. test_cli.py runs the command line as a user does.
    """
    out, err = io.StringIO(), io.StringIO()
    with contextlib.chdir(cwd), contextlib.redirect_stdout(out), contextlib.redirect_stderr(err), \
            mock.patch.object(sys, "argv", ["build.py", *args]):
        code = main(list(args))
    return subprocess.CompletedProcess(["build.py", *args], code, out.getvalue(), err.getvalue())


@pytest.mark.parametrize("case", CASES, ids=[c.stem for c in CASES])
def test_invalid_case_matches_golden_message(case: Path, content_copy: Path, update_golden: bool) -> None:
    dest = place_case(case, content_copy)
    result = run_cli("check", "--content", "content", cwd=content_copy.parent)
    assert result.returncode == 1, result.stderr
    assert "Traceback" not in result.stderr
    shown = dest.relative_to(content_copy.parent).as_posix()
    lines = [ln.replace(shown, "CASE") for ln in result.stderr.splitlines() if ln.startswith(shown + ":")]
    expected_path = case.with_suffix(".expected.txt")
    if update_golden:
        expected_path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    assert lines, result.stderr
    assert "\n".join(lines) + "\n" == expected_path.read_text(encoding="utf-8")


def test_every_case_has_a_golden_message() -> None:
    assert CASES
    missing = [c.name for c in CASES if not c.with_suffix(".expected.txt").exists()]
    assert not missing


def test_five_mistakes_are_all_reported_with_line_and_column(content_copy: Path) -> None:
    place_case(INVALID / "five-mistakes.yml", content_copy)
    result = run_cli("check", "--content", "content", cwd=content_copy.parent)
    assert result.returncode == 1
    lines = [ln for ln in result.stderr.splitlines() if ln.startswith("content/stretches/five-mistakes.yml:")]
    keys = {ln.split(": ")[1] for ln in lines}
    assert {"target_areas[0]", "dose.hold.max", "dose.sets", "safety.stop_if", "hold_secnds"} <= keys
    for line in lines:
        _, row, col, *_ = line.split(":")
        assert int(row) > 1 and int(col) >= 1


def test_usage_errors_exit_2(tmp_path: Path) -> None:
    assert run_process("check", "--content", str(tmp_path / "nope"), cwd=tmp_path).returncode == 2
    assert run_process("build", "--card-size", "A1", cwd=tmp_path).returncode == 2
    assert run_process("frobnicate", cwd=tmp_path).returncode == 2


def test_duplicate_ids_across_extensions(content_copy: Path) -> None:
    shutil.copyfile(content_copy / "stretches" / "cat-cow.yml", content_copy / "stretches" / "cat-cow.yaml")
    result = load_library(content_copy)
    messages = [p.format() for p in result.problems]
    assert any("id `cat-cow` is already used" in m for m in messages), messages


@pytest.mark.parametrize("name", ["Child Pose.yml", "ChildPose.yml", "child_pose.yml"])
def test_file_names_must_be_ids(content_copy: Path, name: str) -> None:
    shutil.copyfile(content_copy / "stretches" / "childs-pose.yml", content_copy / "stretches" / name)
    result = run_cli("check", "--content", "content", cwd=content_copy.parent)
    assert result.returncode == 1
    assert f"content/stretches/{name}:1:1: file name `{name}` is not a valid id" in result.stderr


def test_symlink_leaving_content_is_refused(content_copy: Path, tmp_path: Path) -> None:
    outside = tmp_path / "outside.yml"
    shutil.copyfile(content_copy / "stretches" / "cat-cow.yml", outside)
    (content_copy / "stretches" / "linked.yml").symlink_to(outside)
    result = load_library(content_copy)
    assert any("expected a regular file" in p.message and p.path.name == "linked.yml" for p in result.problems)


def test_logo_symlink_pointing_outside_is_refused(content_copy: Path, tmp_path: Path) -> None:
    secret = tmp_path / "secret.png"
    secret.write_bytes(b"\x89PNG")
    (content_copy / "logo.png").symlink_to(secret)
    guide = content_copy / "guide.yml"
    text, logos = re.subn(r"(?m)^(\s+)logo: .*$", r"\1logo: logo.png", guide.read_text(encoding="utf-8"))
    if not logos:  # a guide without a logo of its own
        text = text.replace("branding:\n", "branding:\n  logo: logo.png\n", 1)
    guide.write_text(text, encoding="utf-8")
    result = run_cli("check", "--content", "content", cwd=content_copy.parent)
    assert result.returncode == 1
    assert "content/guide.yml:" in result.stderr and "points outside the content folder" in result.stderr


def test_huge_string_is_refused_by_its_size(content_copy: Path) -> None:
    # How fast, and in how much memory, is measured by bench/run.py.
    big = content_copy / "stretches" / "huge.yml"
    big.write_text("title: " + "x" * 1_000_000 + "\n", encoding="utf-8")
    result = run_cli("check", "--content", "content", cwd=content_copy.parent)
    assert result.returncode == 1
    assert "content/stretches/huge.yml:1:1: file is 976 KB" in result.stderr
    assert "Traceback" not in result.stderr


def test_alias_bomb_is_refused_at_its_first_anchor() -> None:
    data, _, problems = read_yaml(INVALID / "alias-bomb.yml")
    assert data is None  # nothing was built, let alone expanded
    assert [(p.line, p.col) for p in problems] == [(1, 4)]
    assert "anchors (&name) are not allowed" in problems[0].message


def test_positions_point_at_the_offending_value(tmp_path: Path) -> None:
    path = tmp_path / "x.yml"
    path.write_text("a:\n  b:\n    - one\n    - two\n", encoding="utf-8")
    data, positions, problems = read_yaml(path)
    assert not problems and data == {"a": {"b": ["one", "two"]}}
    assert positions.at(("a", "b", 1)) == (4, 7)
    assert positions.at(("a", "missing"), key=True) == (1, 1)
    assert positions.at(("a", "b"), key=True) == (2, 3)


def test_non_ascii_utf8_is_fine(tmp_path: Path) -> None:
    path = tmp_path / "x.yml"
    path.write_text("title: Étirement · 15–30 s\n", encoding="utf-8")
    data, _, problems = read_yaml(path)
    assert not problems and data["title"] == "Étirement · 15–30 s"


def test_check_leaves_no_files_behind(tmp_path: Path, cache_dir: Path) -> None:
    # One stretch, in every language: check draws its figures and lays out its cards in each.
    copy_content(tmp_path / "content", languages=True, stretches=["cat-cow"])

    # The cache may keep what check drew and laid out; it lives where STRETCHGUIDE_CACHE_DIR says.
    def files() -> list[str]:
        return sorted(p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*")
                      if not p.is_relative_to(cache_dir))

    before = files()
    run_cli("check", "--content", "content", cwd=tmp_path)
    assert files() == before


def test_a_plain_list_of_red_flags_still_loads_but_is_warned_about(tmp_path: Path) -> None:
    guide = copy_content(tmp_path / "content", stretches=["cat-cow"]) / "guide.yml"  # one stretch is enough
    text = guide.read_text(encoding="utf-8")
    start, end = text.index("red_flags:\n"), text.index("disclaimer:")
    guide.write_text(text[:start] + "red_flags:\n  - Chest pain.\n  - Numbness in both legs.\n" + text[end:],
                     encoding="utf-8")
    result = run_cli("check", "--content", "content", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    line = text[:start].count("\n") + 2  # the first sign, under `red_flags:`
    assert (f"content/guide.yml:{line}:3: red_flags: warning W010: no group has `urgency: emergency`"
            in result.stderr), result.stderr


def test_hard_guide_text_is_warned_about_with_its_sentence(tmp_path: Path) -> None:
    guide = copy_content(tmp_path / "content", stretches=["cat-cow"]) / "guide.yml"  # one stretch is enough
    text = guide.read_text(encoding="utf-8")
    start, end = text.index("disclaimer:"), text.index("sources:")
    hard = ("disclaimer: >-\n  The information herein is provided for general educational purposes and does not "
            "constitute individualised medical advice.\n")
    text = text[:start] + hard + text[end:]
    text = text.replace("      - Chest pain.\n", "      - Symptoms suggesting cauda equina.\n")
    guide.write_text(text, encoding="utf-8")
    result = run_cli("check", "--content", "content", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert re.search(r"content/guide\.yml:\d+:\d+: disclaimer: warning W006: reads at school grade 1\d", result.stderr)
    assert ('does not constitute individualised medical advice."' in result.stderr)
    assert re.search(r"content/guide\.yml:\d+:9: red_flags\[0\]\.signs\[6\]: warning W007: `cauda equina` is a "
                     r'clinical word .*: "Symptoms suggesting cauda equina\."', result.stderr), result.stderr
    strict = run_cli("check", "--content", "content", "--strict", cwd=tmp_path)
    assert strict.returncode == 1


def test_default_content_reads_plainly(default_content_checked: subprocess.CompletedProcess[str]) -> None:
    result = default_content_checked
    assert result.returncode == 0, result.stderr
    assert not re.search(r"warning W00[6-9]|warning W010", result.stderr), result.stderr


def test_the_preview_reads_again_only_the_files_a_save_changed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from stretchguide import loader

    content = copy_content(tmp_path / "content", languages=True)  # translations are read too
    monkeypatch.setattr(loader, "_kept", None)
    loader.keep_read_files()  # as `serve` does
    read: list[str] = []
    real = loader._read_text
    monkeypatch.setattr(loader, "_read_text", lambda path, raw: read.append(path.name) or real(path, raw))
    first = load_library(content)
    assert first.library is not None and "pigeon.yml" in read
    read.clear()
    again = load_library(content)
    assert read == []  # nothing saved, nothing parsed again
    assert again.library is not None and again.problems == first.problems
    assert again.library.stretches == first.library.stretches
    assert again.library.translations.keys() == first.library.translations.keys()
    path = content / "stretches" / "pigeon.yml"
    path.write_text(path.read_text(encoding="utf-8").replace("title: ", "title: Edited ", 1), encoding="utf-8")
    edited = load_library(content)
    assert read == ["pigeon.yml"]
    assert edited.library is not None and edited.library.stretches["pigeon"].title.startswith("Edited ")
