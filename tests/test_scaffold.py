"""Generated files stay in step with the models; scaffolds are valid content."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from stretchguide.cli import main
from stretchguide.scaffold import MANUAL_PAGE, content_format_doc, schema_texts

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


def test_new_guide_builds_and_checks_clean(tmp_path: Path) -> None:
    guide = tmp_path / "our-guide"
    assert main(["new", "guide", str(guide)]) == 0
    result = subprocess.run([sys.executable, str(ROOT / "build.py"), "check", "--content", str(guide)],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert "content is valid" in result.stderr


def test_new_stretch_is_valid_and_refuses_to_overwrite(content_copy: Path) -> None:
    assert main(["new", "stretch", "knee-hug", "--content", str(content_copy)]) == 0
    assert (content_copy / "stretches" / "knee-hug.yml").is_file()
    assert main(["check", "--content", str(content_copy)]) == 0
    assert main(["new", "stretch", "knee-hug", "--content", str(content_copy)]) == 1
    assert main(["new", "stretch", "Knee Hug", "--content", str(content_copy)]) == 1


def test_every_command_has_help() -> None:
    for command in ("build", "check", "schema", "new", "serve", "figure"):
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
