"""The files a build reads besides the content: found in the checkout here, overridable by a clinic."""

from __future__ import annotations

from pathlib import Path

from stretchguide import resources

from .conftest import ROOT


def test_a_checkout_reads_its_own_theme_pages_config_and_poses() -> None:
    assert not resources.INSTALLED
    assert resources.THEME_DIR == ROOT / "theme"
    assert resources.DOCS_DIR == ROOT / "docs"
    assert resources.MKDOCS_CONFIG == ROOT / "mkdocs.yml"
    assert resources.POSES_DIR == ROOT / "content" / "poses"


def test_a_clinic_theme_replaces_only_its_own_files_and_edits_give_a_new_folder(tmp_path: Path) -> None:
    ours = tmp_path / "our-theme"
    (ours / "cards").mkdir(parents=True)
    (ours / "cards" / "cards.css").write_text("body { color: navy; }\n", encoding="utf-8")
    (ours / "extra.txt").write_text("ours\n", encoding="utf-8")
    merged = resources.merged_theme(ours, tmp_path / "cache")
    assert (merged / "cards" / "cards.css").read_text(encoding="utf-8") == "body { color: navy; }\n"
    assert (merged / "extra.txt").is_file()
    built_in = resources.THEME_DIR / "site" / "stretch.md"
    assert (merged / "site" / "stretch.md").read_bytes() == built_in.read_bytes()
    assert resources.merged_theme(ours, tmp_path / "cache") == merged  # the same files, the same folder

    (ours / "cards" / "cards.css").write_text("body { color: teal; }\n", encoding="utf-8")
    edited = resources.merged_theme(ours, tmp_path / "cache")
    assert edited != merged
    assert (edited / "cards" / "cards.css").read_text(encoding="utf-8") == "body { color: teal; }\n"

    # Messages name the file a person edits, not the merged copy.
    assert resources.theme_source(edited, edited / "cards" / "cards.css", ours) == ours / "cards" / "cards.css"
    assert resources.theme_source(edited, edited / "site" / "stretch.md", ours) == built_in
