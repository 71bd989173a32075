"""Where the files a build reads besides the content live: theme, hand-written pages, base config, poses.

Installed from a wheel they are package data in stretchguide/data/; in a checkout (or an
editable install) they are the repository's own theme/, docs/, mkdocs.yml and content/poses/.
A clinic's `--theme DIR` overrides any theme file; what it lacks comes from the package.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from . import cache

PACKAGE_DIR = Path(__file__).resolve().parent
_DATA = PACKAGE_DIR / "data"
#: Whether this is an installed package (data shipped inside it) rather than a checkout.
INSTALLED = (_DATA / "theme").is_dir()
_ROOT = _DATA if INSTALLED else PACKAGE_DIR.parent

THEME_DIR = _ROOT / "theme"
DOCS_DIR = _ROOT / "docs"
MKDOCS_CONFIG = _ROOT / "mkdocs.yml"
POSES_DIR = _ROOT / "poses" if INSTALLED else _ROOT / "content" / "poses"


def _files(folder: Path) -> dict[str, Path]:
    """Return every file under `folder` by its '/'-separated path inside it."""
    return {path.relative_to(folder).as_posix(): path for path in sorted(folder.rglob("*"))
            if path.is_file() and "__pycache__" not in path.parts}


def merged_theme(overrides: Path, cache_dir: Path) -> Path:
    """Return a theme folder holding the package theme with every file of `overrides` in its place.

    Why a folder: every renderer, MkDocs' `custom_dir` and WeasyPrint's file access read one
    theme folder, so an override is a file in the same place, nothing more. The folder is
    named by a digest of both trees, so an edit to either gives a new one.
    """
    files = {**_files(THEME_DIR), **_files(overrides)}
    key = cache.digest(*(part for name, path in sorted(files.items()) for part in (name, path.read_bytes())))
    folder = cache_dir.absolute() / "theme" / key[:16]
    if not folder.is_dir():
        stage = folder.with_name(f".{folder.name}.tmp")
        shutil.rmtree(stage, ignore_errors=True)
        for name, path in files.items():
            (stage / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(path, stage / name)
        try:
            stage.rename(folder)
        except OSError:  # another build made the same folder first
            shutil.rmtree(stage, ignore_errors=True)
    return folder


def theme_source(theme_dir: Path, path: Path, overrides: Path | None) -> Path:
    """Return where a file of the (possibly merged) theme folder came from, for messages."""
    try:
        name = path.resolve().relative_to(theme_dir.resolve())
    except ValueError:
        return path
    if overrides is not None and (overrides / name).is_file():
        return overrides / name
    return THEME_DIR / name
