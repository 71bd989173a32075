"""Scaffold new content and export the JSON Schema of content files."""

from __future__ import annotations

import inspect
import json
import re
import shutil
import typing
from pathlib import Path
from typing import Any

import jinja2
from pydantic import BaseModel

from . import vocab
from .loader import _unwrap
from .models import ID_PATTERN, SWITCH_SECONDS, TRANSITION_SECONDS, Guide, Routine, Stretch
from .problems import ContentError, Problem, display_path
from .resources import DOCS_DIR, POSES_DIR, THEME_DIR
from .templates import make_env

SCHEMAS: dict[str, type[BaseModel]] = {"guide": Guide, "stretch": Stretch, "routine": Routine}


def schema_of(model: type[BaseModel]) -> dict[str, Any]:
    """Return the JSON Schema of a content file, without the id that comes from the file name."""
    schema = model.model_json_schema()
    schema.get("properties", {}).pop("id", None)
    if "id" in schema.get("required", []):
        schema["required"].remove("id")
    return {"$schema": "https://json-schema.org/draft/2020-12/schema", **schema}


def schema_texts() -> dict[str, str]:
    """Return each schema file's name and text: the content files', then their translations'."""
    from .translations import translation_schema

    texts = {f"{name}.schema.json": json.dumps(schema_of(model), indent=2, ensure_ascii=False) + "\n"
             for name, model in SCHEMAS.items()}
    texts.update({f"translation-{name}.schema.json": json.dumps(translation_schema(model), indent=2,
                                                                ensure_ascii=False) + "\n"
                  for name, model in SCHEMAS.items()})
    return texts


def write_schemas(content_dir: Path) -> list[Path]:
    """Write the schemas into `content_dir/schema/`; return the paths written."""
    folder = content_dir / "schema"
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for name, text in schema_texts().items():
        (folder / name).write_text(text, encoding="utf-8")
        written.append(folder / name)
    return written


def new(what: str, name: str, content_dir: Path, theme_dir: Path = THEME_DIR) -> Path:
    """Create a stretch or routine file in `content_dir`, or a whole guide folder at `name`."""
    env = make_env(theme_dir)
    if what == "guide":
        return _new_guide(Path(name), env)
    if not re.match(ID_PATTERN, name):
        better = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-") or f"my-{what}"
        raise ContentError([Problem(Path(name), 1, 1, "", f"`{name}` is not a valid id: use lowercase "
                                    f"letters, digits and hyphens, such as `{better}`")])
    if not (content_dir / "guide.yml").is_file():
        # Why refuse: scaffolding into a folder that is no guide (such as ./content where no
        # guide lives) would leave a stray file that nothing builds.
        raise ContentError([Problem(content_dir / "guide.yml", 1, 1, "", (
            f"`{display_path(content_dir)}` is not a guide folder (it has no guide.yml); pass "
            "--content DIR of your guide, or start one with `stretchguide new guide DIR`"))])
    path = content_dir / ("stretches" if what == "stretch" else "routines") / f"{name}.yml"
    if path.exists():
        raise ContentError([Problem(path, 1, 1, "", "file already exists; choose another id")])
    title = name.replace("-", " ").capitalize()
    stretches = sorted(p.stem for p in (content_dir / "stretches").glob("*.yml"))[:3] or ["example-stretch"]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(env.get_template(f"scaffold/{what}.yml").render(title=title, stretches=stretches),
                    encoding="utf-8")
    return path


def _new_guide(folder: Path, env: jinja2.Environment) -> Path:
    """Create a guide folder: guide.yml, an example stretch and routine, the poses and schemas."""
    if folder.exists() and any(folder.iterdir()):
        raise ContentError([Problem(folder, 1, 1, "", "folder exists and is not empty; choose a new folder")])
    (folder / "routines").mkdir(parents=True, exist_ok=True)
    (folder / "stretches").mkdir(parents=True, exist_ok=True)
    (folder / "guide.yml").write_text(env.get_template("scaffold/guide.yml").render(), encoding="utf-8")
    (folder / "stretches" / "example-stretch.yml").write_text(
        env.get_template("scaffold/stretch.yml").render(title="Example stretch"), encoding="utf-8")
    (folder / "routines" / "example-routine.yml").write_text(
        env.get_template("scaffold/routine.yml").render(title="Example routine", stretches=["example-stretch"]),
        encoding="utf-8")
    shutil.copytree(POSES_DIR, folder / "poses")
    write_schemas(folder)
    return folder


MANUAL_PAGE = DOCS_DIR / "manual" / "content-format.md"


def _type_name(annotation: Any) -> str:
    names = []
    for option in _unwrap(annotation):
        if option is type(None):
            continue
        if isinstance(option, type) and issubclass(option, BaseModel):
            names.append(f"mapping ({option.__name__})")
        elif typing.get_origin(option) is typing.Literal:
            names.append("one of " + ", ".join(f"`{a}`" for a in typing.get_args(option)))
        else:
            names.append(getattr(option, "__name__", str(option)).replace("str", "text").replace("int", "number"))
    many = typing.get_origin(annotation) is list or "list[" in str(annotation)
    text = " or ".join(dict.fromkeys(names))
    return f"list of {text}" if many and not text.startswith("list") else text


def content_format_doc() -> str:
    """Render the content-format manual page from the models."""
    seen: list[type[BaseModel]] = []

    def walk(model: type[BaseModel]) -> None:
        if model in seen:
            return
        seen.append(model)
        for field in model.model_fields.values():
            for option in _unwrap(field.annotation):
                if isinstance(option, type) and issubclass(option, BaseModel):
                    walk(option)

    for model in SCHEMAS.values():
        walk(model)
    sections = []
    for model in seen:
        rows = [{"key": name, "type": _type_name(field.annotation), "required": field.is_required(),
                 "description": (field.description or "").replace("|", "\\|")}
                for name, field in model.model_fields.items() if name != "id"]
        sections.append({"title": model.__name__, "intro": inspect.cleandoc(model.__doc__ or ""), "rows": rows})
    vocabularies = [("target_areas", vocab.TARGET_AREAS), ("position", vocab.POSITIONS),
                    ("difficulty", vocab.DIFFICULTIES), ("print.card_size", vocab.CARD_SIZES)]
    env = make_env(THEME_DIR)
    env.autoescape = False
    from .translations import translatable_paths

    translatable = [(f"{name}.yml" if name == "guide" else f"{name} files", translatable_paths(model))
                    for name, model in SCHEMAS.items()]
    return env.get_template("manual/content-format.md").render(
        sections=sections, vocabularies=vocabularies, transition=TRANSITION_SECONDS,
        switch=SWITCH_SECONDS, translatable=translatable)


def write_manual() -> Path:
    """Regenerate docs/manual/content-format.md."""
    MANUAL_PAGE.parent.mkdir(parents=True, exist_ok=True)
    MANUAL_PAGE.write_text(content_format_doc(), encoding="utf-8")
    return MANUAL_PAGE
