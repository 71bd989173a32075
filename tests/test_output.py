"""Atomic output: a build that fails or is killed leaves the previous output exactly as it was."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from stretchguide.output import recover, staged_output, write_text
from tests.conftest import ROOT, copy_content, wait_for
from tests.test_pipeline import build, tree_digest


def make_site(folder: Path, text: str) -> Path:
    """Write a small previous output: two pages."""
    write_text(folder / "index.html", text)
    write_text(folder / "stretches" / "pigeon" / "index.html", text)
    return folder


def test_a_complete_stage_replaces_the_output(tmp_path: Path) -> None:
    out = make_site(tmp_path / "site", "old")
    with staged_output(out) as stage:
        assert stage.parent == out.parent and stage != out
        assert not any(stage.iterdir())
        assert (out / "index.html").read_text(encoding="utf-8") == "old"  # still the old site meanwhile
        write_text(stage / "index.html", "new")
    assert (out / "index.html").read_text(encoding="utf-8") == "new"
    assert not (out / "stretches").exists()  # the old output is replaced, not merged into
    assert sorted(p.name for p in tmp_path.iterdir()) == ["site"]  # no stage or old copy left behind


def test_a_failed_build_leaves_the_previous_output_untouched(tmp_path: Path) -> None:
    out = make_site(tmp_path / "site", "old")
    before = tree_digest(out)
    with pytest.raises(RuntimeError), staged_output(out) as stage:
        write_text(stage / "index.html", "half a new site")
        raise RuntimeError("a renderer failed")
    assert tree_digest(out) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["site"]


def test_the_first_build_creates_the_output_and_its_parents(tmp_path: Path) -> None:
    out = tmp_path / "deep" / "er" / "site"
    with staged_output(out) as stage:
        write_text(stage / "index.html", "first")
    assert (out / "index.html").read_text(encoding="utf-8") == "first"
    assert oct(out.stat().st_mode & 0o777) == oct(0o755)  # readable by a web server, unlike mkdtemp's 0700


def test_a_swap_interrupted_between_its_renames_is_undone_by_the_next_build(tmp_path: Path) -> None:
    out = tmp_path / "site"
    # Killed after moving the old output aside and before moving the new one in:
    make_site(tmp_path / f".site.old-{os.getpid()}", "previous")
    make_site(tmp_path / ".site.new-abc123", "half")
    recover(out)
    assert (out / "index.html").read_text(encoding="utf-8") == "previous"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["site"]


def test_a_build_killed_mid_way_leaves_the_previous_output(tmp_path: Path, built_site: Path) -> None:
    content = copy_content(tmp_path / "content", stretches=["cat-cow", "childs-pose"])  # a smaller guide will do
    out = tmp_path / "site"
    shutil.copytree(built_site, out)
    before = tree_digest(out)
    proc = subprocess.Popen([sys.executable, str(ROOT / "build.py"), "build", "--content", str(content),
                             "--out", str(out), "--quiet"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        def mid_way() -> bool:
            assert proc.poll() is None, f"the build ended (exit {proc.returncode}) before its stage held a site"
            return any(tmp_path.glob(".site.new-*/index.html"))

        # The stage holds a whole site while the cards still render (from this test's empty cache); the
        # cards' folder appears only when they are assembled, just before the swap, too late to catch.
        wait_for(mid_way, 120, "the build's stage to hold its site")
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait()
    assert proc.returncode == -signal.SIGKILL  # killed, not finished
    assert tree_digest(out) == before
    assert build(content, out).returncode == 0  # the next build recovers and cleans up
    assert not list(tmp_path.glob(".site.*"))
