"""The installed package is the product: build the wheel, install it, and run a clinic's day with it.

Everything runs in temporary folders outside the checkout, with the wheel installed into a
fresh virtual environment, so nothing can be found in the repository by accident.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from stretchguide.loader import PLACEHOLDER

from .conftest import ROOT

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """The `stretchguide` command of a wheel built from this checkout, in a new virtual environment."""
    work = tmp_path_factory.mktemp("install")
    # Why a copy: building in place would leave build/ and *.egg-info in the checkout.
    source = work / "source"
    def generated(folder: str, names: list[str]) -> set[str]:
        """The checkout's own generated and tool folders, which are no part of the source."""
        top = {".git", ".venv", ".cache", "site", "build", "public"} if Path(folder) == ROOT else set()
        return {n for n in names if n in top or n == "__pycache__" or n.endswith((".egg-info", "_cache"))
                or n.startswith(".site.")}

    shutil.copytree(ROOT, source, ignore=generated)
    wheels = work / "wheels"
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "--disable-pip-version-check",
                    "--wheel-dir", str(wheels), str(source)], check=True, cwd=work, capture_output=True, timeout=600)
    wheel, = wheels.glob("stretchguide-*.whl")
    venv = work / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=120)
    subprocess.run([str(venv / "bin" / "python"), "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
                    str(wheel)], check=True, capture_output=True, timeout=600)
    yield venv / "bin" / "stretchguide"


def run(command: Path, *args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in {"PYTHONPATH", "VIRTUAL_ENV"}}
    env["STRETCHGUIDE_CACHE_DIR"] = str(cwd / ".cache")
    return subprocess.run([str(command), *args], cwd=cwd, capture_output=True, text=True, timeout=600, env=env)


def test_the_wheel_carries_theme_pages_config_poses_and_scaffolds(installed: Path) -> None:
    python = installed.parent / "python"
    found = subprocess.run([str(python), "-c", "import stretchguide.resources as r; print(r.INSTALLED, r.THEME_DIR)"],
                           capture_output=True, text=True, check=True, cwd=installed.parent).stdout.split()
    assert found[0] == "True"
    theme = Path(found[1])
    assert not theme.is_relative_to(ROOT)
    for name in ("scaffold/guide.yml", "site/stretch.md", "cards/cards.css", "embed/embed.js",
                 "site/overrides/main.html", "fonts/OFL.txt", "booklet/booklet.html", "booklet/booklet.css",
                 "partials/credits.html", "cards/credits.html", "site/pages/credits.md"):
        assert (theme / name).is_file(), name
    data = theme.parent
    assert (data / "mkdocs.yml").is_file() and (data / "docs" / "about.md").is_file()
    assert sorted(p.name for p in (data / "poses").glob("*.yml")) == sorted(
        p.name for p in (ROOT / "content" / "poses").glob("*.yml"))


def test_a_clinic_starts_checks_builds_and_previews_its_own_guide(installed: Path, tmp_path: Path) -> None:
    assert run(installed, "new", "guide", "our-guide", cwd=tmp_path).returncode == 0
    assert run(installed, "new", "stretch", "knee-hug", "--content", "our-guide", cwd=tmp_path).returncode == 0
    assert run(installed, "new", "routine", "evening", "--content", "our-guide", cwd=tmp_path).returncode == 0
    # Hints name the command the clinic typed: there is no build.py beside an installed package.
    nowhere = run(installed, "check", "--content", "our-gide", cwd=tmp_path)
    assert nowhere.returncode == 2 and "run `stretchguide new guide DIR`" in nowhere.stderr, nowhere.stderr
    untranslated = run(installed, "translations", "--content", "our-guide", cwd=tmp_path)
    assert "`stretchguide new translation LANG` starts one" in untranslated.stdout, untranslated.stdout

    # Until the placeholders are written, check and build refuse, naming each one.
    refused = run(installed, "check", "--content", "our-guide", cwd=tmp_path)
    assert refused.returncode == 1
    assert "our-guide/stretches/knee-hug.yml:8:10: summary: still the scaffold's placeholder" in refused.stderr
    def fill(folder: Path) -> None:
        for path in folder.rglob("*.yml"):
            path.write_text(path.read_text(encoding="utf-8").replace(PLACEHOLDER + " ", ""), encoding="utf-8")

    fill(tmp_path / "our-guide")
    # A translation in the clinic's own folder loads from the installed package too.
    assert run(installed, "new", "translation", "es", "--content", "our-guide", cwd=tmp_path).returncode == 0
    fill(tmp_path / "our-guide" / "translations")

    checked = run(installed, "check", "--content", "our-guide", cwd=tmp_path)
    assert checked.returncode == 0, checked.stderr
    assert "W012" not in checked.stderr and "W013" not in checked.stderr
    table = run(installed, "translations", "--content", "our-guide", cwd=tmp_path)
    assert table.returncode == 0 and "es: 5 of 5 file(s) done" in table.stdout, table.stdout + table.stderr
    built = run(installed, "build", "--content", "our-guide", "--out", "public", cwd=tmp_path)
    assert built.returncode == 0, built.stderr
    assert "Traceback" not in built.stderr and "W005" not in built.stderr
    for name in ("index.html", "stretches/knee-hug/index.html", "routines/evening/index.html",
                 "cards/stretch-cards.pdf", "cards/sheets-a4.pdf", "embed/knee-hug/index.html",
                 "api/stretches.json", "assets/sg/site.css", "search/search_index.json"):
        assert (tmp_path / "public" / name).is_file(), name
    assert "Knee hug" in (tmp_path / "public" / "stretches" / "knee-hug" / "index.html").read_text(encoding="utf-8")

    # The live preview serves the guide; Ctrl+C (SIGINT) or SIGTERM stops it.
    env = {k: v for k, v in os.environ.items() if k not in {"PYTHONPATH", "VIRTUAL_ENV"}}
    env["STRETCHGUIDE_CACHE_DIR"] = str(tmp_path / ".cache")
    serve = subprocess.Popen([str(installed), "serve", "--content", "our-guide", "--out", "preview", "--port", "0"],
                             cwd=tmp_path, stderr=subprocess.PIPE, text=True, env=env, start_new_session=True)
    try:
        url = _wait_for_line(serve, "Serving ").split(" on ", 1)[1].split(" ", 1)[0]
        _wait_for_line(serve, "built ")
        with urllib.request.urlopen(url + "stretches/knee-hug/", timeout=30) as response:
            assert response.status == 200
            assert b"Knee hug" in response.read()
    finally:
        os.killpg(serve.pid, signal.SIGTERM)
        serve.wait(timeout=60)


def test_a_clinic_theme_replaces_only_the_templates_it_has(installed: Path, tmp_path: Path) -> None:
    assert run(installed, "new", "guide", "our-guide", cwd=tmp_path).returncode == 0
    theme = tmp_path / "our-theme" / "embed"
    theme.mkdir(parents=True)
    (theme / "embed.css").write_text("/* our clinic's embed style */\n", encoding="utf-8")
    built = run(installed, "build", "--content", "our-guide", "--out", "public", "--draft", "--theme", "our-theme",
                cwd=tmp_path)
    assert built.returncode == 0, built.stderr
    assert (tmp_path / "public" / "embed" / "embed.css").read_text(encoding="utf-8").startswith("/* our clinic")
    assert (tmp_path / "public" / "index.html").is_file()  # the rest of the theme came from the package


def _wait_for_line(process: subprocess.Popen[str], start: str) -> str:
    """Read the process's stderr until a line starting with `start`; fail if it ends first."""
    assert process.stderr is not None
    seen = []
    for line in process.stderr:
        seen.append(line)
        if line.startswith(start):
            return line.strip()
    pytest.fail(f"the process ended before printing {start!r}:\n{''.join(seen)}")
