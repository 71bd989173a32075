"""Scaffold new content and export the JSON Schema of content files."""

from __future__ import annotations

import datetime
import json
import re
import shutil
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from .models import ID_PATTERN, Guide, Routine, Stretch
from .problems import ContentError, Problem
from .templates import THEME_DIR, make_env

SCHEMAS: dict[str, type[BaseModel]] = {"guide": Guide, "stretch": Stretch, "routine": Routine}


def schema_of(model: type[BaseModel]) -> dict[str, Any]:
    """Return the JSON Schema of a content file, without the id that comes from the file name."""
    schema = model.model_json_schema()
    schema.get("properties", {}).pop("id", None)
    if "id" in schema.get("required", []):
        schema["required"].remove("id")
    return {"$schema": "https://json-schema.org/draft/2020-12/schema", **schema}


def schema_texts() -> dict[str, str]:
    """Return each schema file's name and text."""
    return {f"{name}.schema.json": json.dumps(schema_of(model), indent=2, ensure_ascii=False) + "\n"
            for name, model in SCHEMAS.items()}


def write_schemas(content_dir: Path) -> list[Path]:
    """Write the schemas into `content_dir/schema/`; return the paths written."""
    folder = content_dir / "schema"
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for name, text in schema_texts().items():
        (folder / name).write_text(text, encoding="utf-8")
        written.append(folder / name)
    return written


def new(what: str, name: str, content_dir: Path) -> Path:
    """Create a stretch file in `content_dir`, or a whole guide folder at `name`."""
    env = make_env(THEME_DIR)
    today = datetime.date.today().isoformat()
    if what == "stretch":
        if not re.match(ID_PATTERN, name):
            better = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-") or "my-stretch"
            raise ContentError([Problem(Path(name), 1, 1, "", f"`{name}` is not a valid id: use lowercase "
                                        f"letters, digits and hyphens, such as `{better}`")])
        path = content_dir / "stretches" / f"{name}.yml"
        if path.exists():
            raise ContentError([Problem(path, 1, 1, "", "file already exists; choose another id")])
        title = name.replace("-", " ").capitalize()
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(env.get_template("scaffold/stretch.yml").render(title=title, today=today),
                        encoding="utf-8")
        return path
    folder = Path(name)
    if folder.exists() and any(folder.iterdir()):
        raise ContentError([Problem(folder, 1, 1, "", "folder exists and is not empty; choose a new folder")])
    (folder / "routines").mkdir(parents=True, exist_ok=True)
    (folder / "stretches").mkdir(parents=True, exist_ok=True)
    (folder / "guide.yml").write_text(env.get_template("scaffold/guide.yml").render(today=today),
                                      encoding="utf-8")
    (folder / "stretches" / "example-stretch.yml").write_text(
        env.get_template("scaffold/stretch.yml").render(title="Example stretch", today=today), encoding="utf-8")
    (folder / "routines" / "example-routine.yml").write_text(
        env.get_template("scaffold/routine.yml").render(), encoding="utf-8")
    poses = THEME_DIR.parent / "content" / "poses"
    if poses.is_dir():
        shutil.copytree(poses, folder / "poses")
    write_schemas(folder)
    return folder
