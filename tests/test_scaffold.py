"""Generated files stay in step with the models; scaffolds are valid content."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from stretchguide.cli import main
from stretchguide.loader import PLACEHOLDER
from stretchguide.scaffold import MANUAL_PAGE, content_format_doc, schema_texts
from stretchguide.templates import DRAFT_MARK
from tests.conftest import copy_content

ROOT = Path(__file__).resolve().parent.parent


def test_committed_schemas_are_current() -> None:
    for name, text in schema_texts().items():
        committed = ROOT / "content" / "schema" / name
        assert committed.read_text(encoding="utf-8") == text, f"{name} is stale: run `build.py schema`"


def test_content_format_page_is_current() -> None:
    assert MANUAL_PAGE.read_text(encoding="utf-8") == content_format_doc(), "run `build.py schema`"


def test_content_files_point_editors_at_the_schema() -> None:
    for path in sorted((ROOT / "content").rglob("*.yml")):
        if path.parent.name == "poses":
            continue
        first = path.read_text(encoding="utf-8").splitlines()[0]
        assert first.startswith("# yaml-language-server: $schema="), path
        target = (path.parent / first.split("=", 1)[1]).resolve()
        assert target.is_file(), f"{path}: schema {target} missing"


def fill_placeholders(folder: Path) -> None:
    """Do what a clinic does with a scaffold: write real text where it says "Replace this:"."""
    for path in folder.rglob("*.yml"):
        text = path.read_text(encoding="utf-8")
        path.write_text(text.replace(PLACEHOLDER + " ", "Our own text: "), encoding="utf-8")


def check(folder: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, str(ROOT / "build.py"), "check", "--content", str(folder), *extra],
                          capture_output=True, text=True, timeout=300, cwd=folder.parent)


def test_a_new_guide_is_refused_until_its_placeholders_are_written(tmp_path: Path) -> None:
    guide = tmp_path / "our-guide"
    assert main(["new", "guide", str(guide)]) == 0
    result = check(guide)
    assert result.returncode == 1
    placeholders = [ln for ln in result.stderr.splitlines() if "placeholder" in ln]
    # Each names the file, line and key of the text still to write.
    assert "our-guide/stretches/example-stretch.yml:8:10: summary: still the scaffold's placeholder" in result.stderr
    assert {ln.split(":")[0] for ln in placeholders} == {
        "our-guide/guide.yml", "our-guide/stretches/example-stretch.yml", "our-guide/routines/example-routine.yml"}
    fill_placeholders(guide)
    result = check(guide)
    assert result.returncode == 0, result.stderr
    assert "content is valid" in result.stderr


def test_scaffolds_never_record_a_review_nobody_made(tmp_path: Path) -> None:
    guide = tmp_path / "our-guide"
    assert main(["new", "guide", str(guide)]) == 0
    assert main(["new", "stretch", "knee-hug", "--content", str(guide)]) == 0
    fill_placeholders(guide)
    result = check(guide)
    assert result.returncode == 0, result.stderr
    for name in ("example-stretch", "knee-hug"):
        assert f"our-guide/stretches/{name}.yml:1:1: review: warning W001" in result.stderr
    assert check(guide, "--strict").returncode == 1


def test_a_draft_build_says_so_on_every_page_card_and_embed(tmp_path: Path) -> None:
    import pypdf

    guide, out = tmp_path / "our-guide", tmp_path / "public"
    assert main(["new", "guide", str(guide)]) == 0
    assert main(["build", "--content", str(guide), "--out", str(out), "--quiet"]) == 1
    assert not out.exists()
    assert main(["build", "--content", str(guide), "--out", str(out), "--quiet", "--draft"]) == 0
    pages = sorted(out.rglob("*.html"))
    assert len(pages) > 10
    unmarked = [p for p in pages if DRAFT_MARK not in p.read_text(encoding="utf-8") and p.name != "oembed.html"]
    assert not unmarked
    for pdf in sorted((out / "cards").glob("*.pdf")):
        if "calibration" in pdf.name:
            continue
        reader = pypdf.PdfReader(pdf)
        assert all(DRAFT_MARK in page.extract_text() for page in reader.pages), pdf.name
    assert json.loads((out / "api" / "stretches.json").read_text(encoding="utf-8"))["guide"]["draft"] is True


def test_new_stretch_and_routine_are_valid_and_refuse_to_overwrite(tmp_path: Path) -> None:
    content = copy_content(tmp_path / "content", stretches=["cat-cow", "childs-pose"])  # a smaller guide will do
    assert main(["new", "stretch", "knee-hug", "--content", str(content)]) == 0
    assert main(["new", "routine", "evening", "--content", str(content)]) == 0
    assert (content / "stretches" / "knee-hug.yml").is_file()
    routine = (content / "routines" / "evening.yml").read_text(encoding="utf-8")
    assert "stretch: cat-cow" in routine  # it starts from stretches the guide has
    fill_placeholders(content)
    assert main(["check", "--content", str(content)]) == 0
    assert main(["new", "stretch", "knee-hug", "--content", str(content)]) == 1
    assert main(["new", "routine", "evening", "--content", str(content)]) == 1
    assert main(["new", "stretch", "Knee Hug", "--content", str(content)]) == 1


def test_new_stretch_outside_a_guide_creates_nothing_and_says_why(tmp_path: Path) -> None:
    result = subprocess.run([sys.executable, str(ROOT / "build.py"), "new", "stretch", "knee-hug"],
                            capture_output=True, text=True, timeout=60, cwd=tmp_path)
    assert result.returncode == 1
    assert result.stderr.startswith("content/guide.yml:1:1: `content` is not a guide folder (it has no guide.yml)")
    assert not (tmp_path / "content").exists()


def test_every_command_has_help() -> None:
    for command in ("build", "check", "schema", "new", "serve", "figure", "translations"):
        result = subprocess.run([sys.executable, str(ROOT / "build.py"), command, "--help"],
                                capture_output=True, text=True, timeout=60)
        assert result.returncode == 0 and "usage:" in result.stdout, command


def test_readme_links_point_at_files_that_exist() -> None:
    import re

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    targets = [t for t in re.findall(r"\]\(([^)#]+)\)", readme) if not t.startswith(("http:", "https:"))]
    assert targets
    missing = [t for t in targets if not (ROOT / t).exists()]
    assert not missing


def test_readme_names_exactly_the_two_set_up_commands() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    block = readme.split("## Set up", 1)[1].split("```sh", 1)[1].split("```", 1)[0]
    commands = [ln.split("#")[0].strip() for ln in block.strip().splitlines()]
    assert commands == ["make build", "make test"]


def test_the_content_format_page_has_no_text_that_markdown_reads_as_code() -> None:
    text = content_format_doc()
    fenced = text.split("```")[::2]  # outside the fenced examples
    indented = [line for part in fenced for line in part.splitlines() if line.startswith("    ")]
    assert indented == []
