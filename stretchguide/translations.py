"""Content in other languages: load translations, judge their status, and localise a library.

A translation holds only the translatable text of one source file, in
`content/translations/<lang>/` under the same relative path (`guide.yml`,
`stretches/<id>.yml`, `routines/<id>.yml`). Which keys are translatable is declared once,
on the models (`Annotated[..., TRANSLATE]` in stretchguide/models.py); the structure a
translation must have, its fingerprint and the JSON Schema all follow from that mark.

Each translation records under `source:` a short fingerprint of each top-level source text it
was made from; when the source text changes, the translation is out of date (warning W013).
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import io
import json
import re
import types
import typing
from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field, ValidationError, create_model

from . import vocab
from .models import TRANSLATE, Library, Routine
from .problems import ContentError, Problem, command, display_path, join_key

Loc = tuple[str | int, ...]

#: Where translations live inside a content folder.
FOLDER = "translations"
#: A BCP 47 tag in its usual case: language, optional script, region and variants (`es`, `pt-BR`, `zh-Hant-TW`).
TAG_PATTERN = re.compile(r"^[a-z]{2,3}(?:-[A-Z][a-z]{3})?(?:-(?:[A-Z]{2}|[0-9]{3}))?"
                         r"(?:-(?:[a-z0-9]{5,8}|[0-9][a-z0-9]{3}))*$")
#: Statuses of one file in one language, as the `translations` table shows them.
DONE, STARTED, OUT_OF_DATE, MISSING, INVALID = "done", "started", "out of date", "missing", "invalid"


@dataclasses.dataclass
class Translation:
    """One language's translations: the parts it translates and the status of every part."""

    tag: str
    folder: Path
    #: Translated models by part ("guide", "stretch:<id>", "routine:<id>"); only parts that can be shown.
    parts: dict[str, BaseModel] = dataclasses.field(default_factory=dict)
    #: DONE, STARTED (placeholders left), OUT_OF_DATE, MISSING or INVALID for every part of the library.
    status: dict[str, str] = dataclasses.field(default_factory=dict)
    #: For each out-of-date part: the top-level source keys whose text changed since it was translated.
    changed: dict[str, list[str]] = dataclasses.field(default_factory=dict)
    #: Parts whose translation file records no `source:` fingerprints.
    unrecorded: set[str] = dataclasses.field(default_factory=set)
    #: Out-of-date parts whose source changed shape (a step added, say): they are shown in the default language.
    reshaped: dict[str, str] = dataclasses.field(default_factory=dict)

    def path(self, part: str) -> Path:
        """Return the translation file of a part, whether it exists or not."""
        return self.folder / relative_path(part)


def languages(library: Library) -> list[str]:
    """Return the default language (guide.language) first, then every language of content/translations/, sorted."""
    default = library.guide.language
    return [default, *sorted(tag for tag in library.translations if tag != default)]


def localise(library: Library, lang: str) -> Library:
    """Return a copy whose guide, stretch and routine text is in `lang` where translated.

    Untranslated parts keep the default text and are named in `untranslated`;
    localise(library, guide.language) returns the library as is, with `language` set.
    """
    if lang == library.guide.language:
        return dataclasses.replace(library, language=lang, untranslated=frozenset())
    found = library.translations.get(lang)
    parts: dict[str, BaseModel] = found.parts if isinstance(found, Translation) else {}
    untranslated = set()

    def pick(part: str, original: Any) -> Any:
        if part in parts:
            return parts[part]
        untranslated.add(part)
        return original

    guide = pick("guide", library.guide)
    stretches = {sid: pick(f"stretch:{sid}", s) for sid, s in library.stretches.items()}
    routines = {rid: pick(f"routine:{rid}", r) for rid, r in library.routines.items()}
    return dataclasses.replace(library, guide=guide, stretches=stretches, routines=routines, language=lang,
                               untranslated=frozenset(untranslated))


def library_parts(library: Library) -> list[str]:
    """Return every translatable part of a library: the guide, then stretches and routines by id."""
    return ["guide", *(f"stretch:{sid}" for sid in sorted(library.stretches)),
            *(f"routine:{rid}" for rid in sorted(library.routines))]


def relative_path(part: str) -> str:
    """Return the '/'-separated path of a part's file, the same in the content folder and a language folder."""
    if part == "guide":
        return "guide.yml"
    kind, _, item_id = part.partition(":")
    return f"{'stretches' if kind == 'stretch' else 'routines'}/{item_id}.yml"


# The translatable keys, read from the models' TRANSLATE marks.

def _marked(field: Any) -> bool:
    """Return whether a field is marked TRANSLATE, on itself or on the type inside `... | None`."""
    def inside(annotation: Any) -> bool:
        if typing.get_origin(annotation) is typing.Annotated:
            return any(meta is TRANSLATE for meta in annotation.__metadata__)
        return any(inside(arg) for arg in typing.get_args(annotation)
                   if typing.get_origin(annotation) in (typing.Union, types.UnionType))

    return any(meta is TRANSLATE for meta in field.metadata) or inside(field.annotation)


def _submodel(annotation: Any) -> type[BaseModel] | None:
    from .loader import _unwrap

    return next((t for t in _unwrap(annotation) if isinstance(t, type) and issubclass(t, BaseModel)), None)


def _is_list(annotation: Any) -> bool:
    return "list[" in str(annotation)


@functools.cache
def translatable_keys(model: type[BaseModel]) -> dict[str, type[BaseModel] | None]:
    """Return the keys of `model` a translation gives: text keys map to None, keys holding models to the model.

    Cached: it reads only the class, and a library asks it for every item of every file.
    """
    keys: dict[str, type[BaseModel] | None] = {}
    for name, field in model.model_fields.items():
        if _marked(field):
            keys[name] = None
            continue
        sub = _submodel(field.annotation)
        if sub is not None and sub is not model and translatable_keys(sub):
            keys[name] = sub
    return keys


def translatable_paths(model: type[BaseModel], prefix: str = "") -> list[str]:
    """Return the dotted path of every translatable text key of a file: `title`, `red_flags[].signs`."""
    paths = []
    for name, sub in translatable_keys(model).items():
        path = f"{prefix}{name}"
        if sub is None:
            paths.append(path)
        else:
            many = _is_list(model.model_fields[name].annotation)
            paths += translatable_paths(sub, f"{path}{'[]' if many else ''}.")
    return paths


def source_text(obj: BaseModel) -> dict[str, Any]:
    """Return the translatable text of a model, shaped as its translation file: empty values left out."""
    out: dict[str, Any] = {}
    for name, sub in translatable_keys(type(obj)).items():
        value = getattr(obj, name)
        if value is None or value == []:
            continue
        if sub is None:
            out[name] = list(value) if isinstance(value, list) else value
        elif isinstance(value, list):
            items = [source_text(item) for item in value]
            if any(items):
                out[name] = items
        elif isinstance(value, BaseModel):
            text = source_text(value)
            if text:
                out[name] = text
    return out


def fingerprints(text: dict[str, Any]) -> dict[str, str]:
    """Return a short fingerprint of each top-level text of a source file (8 hex digits of SHA-256)."""
    return {key: hashlib.sha256(json.dumps(value, ensure_ascii=False, sort_keys=True).encode()).hexdigest()[:8]
            for key, value in sorted(text.items())}


# Loading.

def check_tag(tag: str) -> str | None:
    """Return why a folder name is not a BCP 47 tag in its usual case, or None when it is one."""
    if TAG_PATTERN.match(tag):
        return None
    parts = tag.replace("_", "-").split("-")
    usual = [parts[0].lower()] + [p.title() if len(p) == 4 and p.isalpha() else p.upper() if len(p) <= 3 and (
        p.isalpha() or p.isdigit()) else p.lower() for p in parts[1:]]
    better = "-".join(usual)
    hint = f"; rename the folder to `{better}`" if TAG_PATTERN.match(better) else ""
    return (f"folder name `{tag}` is not a BCP 47 language tag, such as `es`, `pt-BR` or `zh-Hant`{hint}")


def load_translations(content_dir: Path, library: Library, guide_loaded: bool) -> tuple[
        dict[str, Translation], list[Problem], dict[Path, Any]]:
    """Load every language folder under content/translations/; return them, their problems and positions."""
    from .loader import Positions

    root = content_dir / FOLDER
    found: dict[str, Translation] = {}
    problems: list[Problem] = []
    positions: dict[Path, Positions] = {}
    if not root.is_dir():
        return found, problems, positions
    default = library.guide.language if guide_loaded else None
    for folder in sorted(root.iterdir()):
        if folder.name.startswith(".") or folder.name == "README.md":
            continue
        if not folder.is_dir():
            problems.append(Problem(folder, 1, 1, "", "expected only language folders (such as `es/`) in "
                                    f"{FOLDER}/; move or remove this file"))
            continue
        why = check_tag(folder.name)
        if why:
            problems.append(Problem(folder, 1, 1, "", why))
            continue
        if folder.name == default:
            problems.append(Problem(folder, 1, 1, "", f"`{folder.name}` is the guide's own language "
                                    f"(`language: {default}` in guide.yml): its text is the source files, "
                                    "so remove this folder"))
            continue
        translation = Translation(folder.name, folder)
        problems += _load_language(translation, library, guide_loaded, positions)
        found[folder.name] = translation
    return found, problems, positions


def _load_language(translation: Translation, library: Library, guide_loaded: bool,
                   positions: dict[Path, Any]) -> list[Problem]:
    """Load one language folder into `translation`; return its problems."""
    problems: list[Problem] = []
    # Every source file counts, loaded or not: a translation of a file with errors waits for its fix.
    expected = {relative_path(part): part for part in ["guide", *(
        f"{'stretch' if path.parent.name == 'stretches' else 'routine'}:{item_id}"
        for item_id, path in sorted(library.source_paths.items()))]}
    seen: set[str] = set()
    for path in sorted(translation.folder.rglob("*")):
        if path.is_dir() or path.name.startswith("."):
            continue
        rel = path.relative_to(translation.folder).as_posix()
        part = expected.get(rel)
        if part is None:
            problems.append(_stray(path, rel, library, translation.folder))
            continue
        seen.add(rel)
        problems += _load_part(translation, part, path, library, guide_loaded, positions)
    for rel, part in expected.items():
        if rel not in seen:
            translation.status[part] = MISSING
    return problems


def _stray(path: Path, rel: str, library: Library, folder: Path) -> Problem:
    """Explain a file of a language folder that translates nothing."""
    kind, _, name = rel.partition("/")
    if path.suffix not in {".yml", ".yaml"} or kind not in {"stretches", "routines"} or "/" in name:
        return Problem(path, 1, 1, "", "not a translation file: a language folder holds guide.yml, "
                       "stretches/<id>.yml and routines/<id>.yml, each named like its source; move or remove it")
    ids = sorted(library.stretches if kind == "stretches" else library.routines)
    item_id = Path(name).stem
    hint = vocab.suggest(item_id, ids)
    source = display_path(library.content_dir / kind / f"{item_id}.yml")
    return Problem(path, 1, 1, "", f"translates {source}, which does not exist" + (
        f"; did you mean `{hint}.yml`?" if hint else "; rename the file after its source, or remove it"))


def _source_of(library: Library, part: str) -> BaseModel | None:
    if part == "guide":
        return library.guide
    kind, _, item_id = part.partition(":")
    return (library.stretches if kind == "stretch" else library.routines).get(item_id)


def _load_part(translation: Translation, part: str, path: Path, library: Library, guide_loaded: bool,
               positions: dict[Path, Any]) -> list[Problem]:
    """Load one translation file, compare it with its source, and record what it can show."""
    from .loader import PLACEHOLDER, _problem_from_error, _texts, read_yaml

    source = _source_of(library, part) if part != "guide" or guide_loaded else None
    if source is None:  # the source file itself does not load; its problems are reported there
        translation.status[part] = INVALID
        return []
    data, where, problems = read_yaml(path)
    positions[path] = where
    if problems:
        translation.status[part] = INVALID
        return problems
    if not isinstance(data, dict):
        translation.status[part] = INVALID
        return [Problem(path, 1, 1, "", "expected a mapping of keys (such as `title: ...`) at the top of the "
                        f"file; run `{command()} new translation LANG` for a start")]
    where.placeholders = [loc for loc, text in _texts(data) if text.lstrip().startswith(PLACEHOLDER)]
    source_rel = relative_path(part)
    text = source_text(source)
    current = fingerprints(text)
    recorded, problems = _recorded(data.pop("source", None), path, where, source_rel)
    changed = sorted(key for key in set(current) | set(recorded) if current.get(key) != recorded.get(key))
    errors, shape = _compare(type(source), text, data, (), path, where, source_rel)
    problems += errors
    if shape and not changed:
        problems += shape  # the source is as it was: the translation is wrong
    if problems:
        translation.status[part] = INVALID
        return problems
    if changed:
        translation.changed[part] = changed
    if not recorded:
        translation.unrecorded.add(part)
    if shape:
        translation.status[part] = OUT_OF_DATE
        translation.reshaped[part] = shape[0].message
        return []
    merged = _overlay(source.model_dump(), data)
    try:
        translated = type(source).model_validate(merged, context={"content_dir": library.content_dir})
    except ValidationError as exc:
        translation.status[part] = INVALID
        return sorted({_problem_from_error(type(source), error, path, where)
                       for error in exc.errors(include_url=False)})
    translation.parts[part] = translated
    translation.status[part] = OUT_OF_DATE if changed else STARTED if where.placeholders else DONE
    return []


def _recorded(value: Any, path: Path, where: Any, source_rel: str) -> tuple[dict[str, str], list[Problem]]:
    """Read the `source:` fingerprints of a translation file."""
    if value is None:
        return {}, []
    if isinstance(value, dict) and all(isinstance(k, str) and isinstance(v, str) for k, v in value.items()):
        return dict(value), []
    line, col = where.at(("source",))
    return {}, [Problem(path, line, col, "source", "expected the fingerprints of the source text, one "
                        f"`key: digest` per line, as `{command()} new translation` writes them for {source_rel}")]


def _compare(model: type[BaseModel], source: Any, data: Any, loc: Loc, path: Path, where: Any,
             source_rel: str) -> tuple[list[Problem], list[Problem]]:
    """Compare a translation with its source text; return (errors, differences of shape).

    Errors (an unknown key, a list where text belongs) are wrong whatever the source says;
    differences of shape (a key or item missing or extra) are wrong only while the source is
    the one the translation was made from.
    """
    errors: list[Problem] = []
    shape: list[Problem] = []

    def report(bucket: list[Problem], at: Loc, message: str, key: bool = False) -> None:
        line, col = where.at(at, key=key)
        bucket.append(Problem(path, line, col, join_key(at), message))

    if not isinstance(data, dict):
        report(errors, loc, f"expected a mapping of keys, as under `{join_key(loc)}:` in {source_rel}")
        return errors, shape
    keys = translatable_keys(model)
    for name in data:
        if name not in keys:
            hint = vocab.suggest(name, sorted(keys))
            allowed = ", ".join(sorted(keys)) + (", source" if not loc else "")
            if name in model.model_fields:
                message = f"`{name}` is not translated: it stays in {source_rel}, so remove it here"
            elif hint:
                message = f"unknown key `{name}`; did you mean `{hint}`?"
            else:
                message = f"unknown key `{name}`; expected one of: {allowed}"
            report(errors, (*loc, name), message, key=True)
    for name, sub in keys.items():
        at = (*loc, name)
        if name not in data:
            if name in source:
                report(shape, at[:-1] or at, f"`{join_key(at)}` is missing; translate it from {source_rel}"
                       if loc else f"required key is missing; add `{name}:` (translate it from {source_rel})",
                       key=True)
            continue
        if name not in source:
            report(shape, at, f"{source_rel} has no `{join_key(at)}`; remove it here", key=True)
            continue
        expected, given = source[name], data[name]
        if isinstance(expected, list):
            if not isinstance(given, list):
                report(errors, at, f"expected a list (lines starting with `- `), one item per item of "
                       f"`{join_key(at)}` in {source_rel}")
                continue
            if len(given) != len(expected):
                report(shape, at, f"has {len(given)} item(s); `{join_key(at)}` in {source_rel} has "
                       f"{len(expected)}: give one translation per item, in the same order")
                continue
            for index, (want, got) in enumerate(zip(expected, given, strict=True)):
                if sub is not None:
                    more_errors, more_shape = _compare(sub, want, got, (*at, index), path, where, source_rel)
                    errors += more_errors
                    shape += more_shape
                elif not isinstance(got, str):
                    report(errors, (*at, index), f"expected text, as in {source_rel}; got {_what(got)}")
        elif sub is not None:
            more_errors, more_shape = _compare(sub, expected, given, at, path, where, source_rel)
            errors += more_errors
            shape += more_shape
        elif not isinstance(given, str):
            report(errors, at, f"expected text, as in {source_rel}; got {_what(given)}")
    return errors, shape


def _what(value: Any) -> str:
    """Name what a value is, in words: `a list`, `a mapping`, `a number`."""
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a mapping (a colon and a space inside text start one: put the text in quotes)"
    return "nothing" if value is None else f"`{value}` (put text in quotes to keep it as text)"


def _overlay(base: Any, text: Any) -> Any:
    """Return `base` (a model dump) with the translated text put in place."""
    if isinstance(text, dict) and isinstance(base, dict):
        return {**base, **{key: _overlay(base.get(key), value) for key, value in text.items()}}
    if isinstance(text, list) and isinstance(base, list):
        return [_overlay(b, t) for b, t in zip(base, text, strict=True)]
    return text


def status_problems(library: Library, positions: dict[Path, Any]) -> list[Problem]:
    """Warn about each missing (W012) and out-of-date (W013) translation, per language and file."""
    from .loader import Positions

    out: list[Problem] = []
    for tag, translation in sorted(library.translations.items()):
        for part in library_parts(library):
            state = translation.status.get(part)
            path = translation.path(part)
            source = display_path(library.content_dir / relative_path(part))
            if state == MISSING:
                out.append(Problem(path, 1, 1, "", f"no `{tag}` translation of {source}: readers of the `{tag}` "
                                   f"guide see it in `{library.guide.language}`; run `{command()} new translation "
                                   f"{tag}` to start one", "W012"))
            elif state == OUT_OF_DATE:
                line, col = positions.get(path, Positions()).at(("source",), key=True)
                if part in translation.unrecorded:
                    why = (f"out of date: it records no `source:` fingerprints, so nothing says which text of "
                           f"{source} it was made from")
                else:
                    changed = ", ".join(f"`{key}`" for key in translation.changed.get(part, []))
                    why = f"out of date: {changed} changed in {source} since this was translated"
                shown = (f"its shape no longer matches ({translation.reshaped[part]}), so readers see the "
                         f"`{library.guide.language}` text until it is updated") if part in translation.reshaped \
                    else "readers still see this translation"
                out.append(Problem(path, line, col, "source", f"{why}; {shown}. Bring the translation in line with "
                                   f"its source, then run `{command()} translations --refresh {display_path(path)}` "
                                   "to record the source it now matches", "W013"))
    return out


def status_table(library: Library) -> tuple[list[str], list[tuple[str, list[str]]]]:
    """Return the languages and, for each source file, its status in each language."""
    tags = [tag for tag in languages(library)[1:] if tag in library.translations]
    rows = [(relative_path(part), [library.translations[tag].status.get(part, MISSING) for tag in tags])
            for part in library_parts(library)]
    return tags, rows


# Schemas, scaffolds and refreshing fingerprints.

def translation_model(model: type[BaseModel]) -> type[BaseModel]:
    """Return the model of a translation file of `model`: its translatable keys only, each optional."""
    from .models import Strict

    fields: dict[str, Any] = {}
    for name, sub in translatable_keys(model).items():
        field = model.model_fields[name]
        if sub is None:
            annotation: Any = field.annotation
            fields[name] = (annotation | None, Field(default=None, description=field.description))
        else:
            inner = translation_model(sub)
            shape: Any = list[inner] if _is_list(field.annotation) else inner  # type: ignore[valid-type]
            fields[name] = (shape | None, Field(default=None, description=field.description))
    words = re.sub(r"(?<=[a-z])(?=[A-Z])", " ", model.__name__).lower()  # HelperFrame: "helper frame"
    return create_model(f"{model.__name__}Translation", __base__=Strict,
                        __doc__=f"The translatable text of a {words}, in another language.", **fields)


def translation_schema(model: type[BaseModel]) -> dict[str, Any]:
    """Return the JSON Schema of a translation file of `model`, `source:` fingerprints included."""
    schema = translation_model(model).model_json_schema()
    schema.setdefault("properties", {})["source"] = {
        "type": "object", "additionalProperties": {"type": "string", "pattern": "^[0-9a-f]{8}$"},
        "description": "Fingerprints of the source text this translation was made from; written by the "
        "`new translation` and `translations --refresh` commands, not by hand."}
    return {"$schema": "https://json-schema.org/draft/2020-12/schema", **schema}


def _schema_line(part: str) -> str:
    kind = "guide" if part == "guide" else part.partition(":")[0]
    up = "../../" if part == "guide" else "../../../"
    return f"# yaml-language-server: $schema={up}schema/translation-{kind}.schema.json\n"


def _dump(data: Any) -> str:
    from ruamel.yaml import YAML

    yaml = YAML(typ="rt", pure=True)
    yaml.width = 100
    yaml.indent(mapping=2, sequence=4, offset=2)
    buffer = io.StringIO()
    yaml.dump(data, buffer)
    return buffer.getvalue()


def new_translation(library: Library, tag: str) -> list[Path]:
    """Write a translation file for every part `tag` lacks, holding the source text to replace; return them."""
    from ruamel.yaml.comments import CommentedMap, CommentedSeq

    from .loader import PLACEHOLDER

    why = check_tag(tag)
    if why:
        raise ContentError([Problem(library.content_dir / FOLDER / tag, 1, 1, "", why)])
    if tag == library.guide.language:
        raise ContentError([Problem(library.content_dir / "guide.yml", 1, 1, "language", (
            f"`{tag}` is the guide's own language; name another language, such as `es`"))])
    folder = library.content_dir / FOLDER / tag

    def marked(value: Any) -> Any:
        if isinstance(value, str):
            return f"{PLACEHOLDER} {value}"
        if isinstance(value, list):
            return CommentedSeq(marked(item) for item in value)
        return CommentedMap((key, marked(item)) for key, item in value.items())

    written = []
    for part in library_parts(library):
        path = folder / relative_path(part)
        source = _source_of(library, part)
        if path.exists() or source is None:
            continue
        text = source_text(source)
        data = marked(text)
        if isinstance(source, Routine) and "items" in data:  # name each item's stretch: most have no text
            for index, item in enumerate(source.items):
                data["items"].yaml_add_eol_comment(item.stretch, index)
        data["source"] = CommentedMap(fingerprints(text))
        header = (_schema_line(part) + f"# The `{tag}` translation of {relative_path(part)}.\n# Translate each "
                  f"text after `{PLACEHOLDER}` and remove those words; keep every key\n# and list item, in the "
                  "same order. `source:` records the text it was made from: leave it.\n")
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(header + _dump(data), encoding="utf-8")
        written.append(path)
    return written


#: The top-level `source:` block of a translation file: its line and the indented lines under it.
_SOURCE_BLOCK = re.compile(r"^source:.*\n(?:(?:[ \t]+.*|[ \t]*)(?:\n|$))*", re.MULTILINE)


def with_fingerprints(text: str, prints: dict[str, str]) -> str:
    """Return a translation file's text with its `source:` block replaced (or added) and nothing else changed.

    Why by hand: a YAML round trip re-wraps and re-quotes the translator's text; only the
    block written here may change.
    """
    block = _dump({"source": dict(prints)})
    if _SOURCE_BLOCK.search(text):
        return _SOURCE_BLOCK.sub(lambda _: block, text, count=1)
    return text.rstrip("\n") + "\n" + block


def refresh(library: Library, paths: list[Path]) -> list[Path]:
    """Record the current source text as the one each translation file (or language folder) was made from."""
    targets: list[Path] = []
    problems: list[Problem] = []
    for given in paths:
        if given.is_dir():
            targets += sorted(p for p in given.rglob("*.yml") if p.is_file())
        elif given.is_file():
            targets.append(given)
        else:
            problems.append(Problem(given, 1, 1, "", "no such translation file or language folder"))
    root = (library.content_dir / FOLDER).resolve()
    done: list[tuple[Path, str]] = []
    for path in targets:
        try:
            tag, *rest = path.resolve().relative_to(root).parts
        except ValueError:
            problems.append(Problem(path, 1, 1, "", f"not inside {display_path(library.content_dir / FOLDER)}/; "
                                    "name a translation file or a language folder"))
            continue
        parts = {relative_path(p): p for p in library_parts(library)}
        part = parts.get("/".join(rest))
        translation = library.translations.get(tag)
        if part is None or not isinstance(translation, Translation):
            continue  # `check` reports stray files
        if part in translation.reshaped:
            problems.append(Problem(path, 1, 1, "", f"cannot refresh: {translation.reshaped[part]}; make the "
                                    "translation match its source first"))
            continue
        if translation.status.get(part) != OUT_OF_DATE:
            continue
        source = _source_of(library, part)
        assert source is not None
        done.append((path, with_fingerprints(path.read_text(encoding="utf-8"), fingerprints(source_text(source)))))
    if problems:  # nothing is written unless every file named can be refreshed
        raise ContentError(problems)
    for path, text in done:
        path.write_text(text, encoding="utf-8")
    return [path for path, _ in done]
