"""Load content files: read YAML safely, keep positions, validate into models.

Every problem is collected with its file, line and column; nothing here raises
for bad content.
"""

from __future__ import annotations

import dataclasses
import datetime
import difflib
import io
import re
import types
import typing
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field, ValidationError
from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import MarkedYAMLError, YAMLError
from ruamel.yaml.events import AliasEvent, CollectionEndEvent, CollectionStartEvent, NodeEvent
from ruamel.yaml.nodes import ScalarNode
from yaml import YAMLError as YAMLError_
from yaml import parse as yaml_parse
from yaml.events import (
    AliasEvent as AliasEvent_,
)
from yaml.events import (
    DocumentEndEvent,
    DocumentStartEvent,
    MappingEndEvent,
    MappingStartEvent,
    ScalarEvent,
    SequenceEndEvent,
    StreamEndEvent,
    StreamStartEvent,
)

try:  # libyaml's parser, when PyYAML was built with it
    from yaml import CSafeLoader

    _LIBYAML = True
except ImportError:  # pragma: no cover - PyYAML wheels ship libyaml
    _LIBYAML = False

from . import vocab
from .models import ID_PATTERN, Guide, HoldRange, Library, RepRange, Routine, ShortText, Stretch, Strict
from .problems import Problem, command, join_key

MAX_FILE_BYTES = 256 * 1024
MAX_DEPTH = 12

#: What the live preview keeps between its builds: each file's bytes and what they were read into.
#: None (the default): a build reads every file once and keeps nothing.
_kept: dict[Path, tuple[bytes, tuple[Any, Positions, list[Problem]]]] | None = None


def keep_read_files() -> None:
    """Keep what each file was read into, and read again only the files whose bytes changed.

    Why only for the live preview: it builds again after every save, and parsing the YAML of a
    1,000-stretch library takes most of a second; a single build gains nothing and would hold
    every file's data to its end.
    """
    global _kept
    if _kept is None:
        _kept = {}
Loc = tuple[str | int, ...]


#: How every placeholder a scaffold writes begins; a build refuses text that still does.
PLACEHOLDER = "Replace this:"


@dataclasses.dataclass
class Positions:
    """Where each key and value of a loaded file sits: loc -> (line, col), 1-based."""

    keys: dict[Loc, tuple[int, int]] = dataclasses.field(default_factory=dict)
    values: dict[Loc, tuple[int, int]] = dataclasses.field(default_factory=dict)
    #: Texts that are still a scaffold's placeholder (they begin with PLACEHOLDER).
    placeholders: list[Loc] = dataclasses.field(default_factory=list)

    def at(self, loc: Loc, *, key: bool = False) -> tuple[int, int]:
        """Return the position of `loc`, or of its nearest ancestor that has one."""
        table = self.keys if key else self.values
        for n in range(len(loc), -1, -1):
            prefix = loc[:n]
            if prefix in table:
                return table[prefix]
            if prefix in self.keys:
                return self.keys[prefix]
        return (1, 1)


class PoseFile(Strict):
    """A named pose: `content/poses/<name>.yml`, joint angles a stretch's figure can use by name."""

    description: ShortText | None = Field(default=None, description="What the pose is, in a few words.")
    joints: dict[str, float] = Field(description="Joint angles in degrees (see docs/manual/figures.md).")


@dataclasses.dataclass
class LoadResult:
    """What loading a content folder produced."""

    library: Library | None
    problems: list[Problem]
    positions: dict[Path, Positions]
    #: Every file that did load, even when guide.yml did not, so the other checks still run.
    partial: Library | None = None


def read_yaml(path: Path) -> tuple[Any, Positions, list[Problem]]:
    """Read one YAML file into plain Python data, refusing anything unsafe or unclear."""
    problems: list[Problem] = []
    positions = Positions()

    def fail(line: int, col: int, message: str) -> tuple[Any, Positions, list[Problem]]:
        problems.append(Problem(path, line, col, "", message))
        return None, positions, problems

    try:
        if path.is_symlink() or not path.is_file():
            return fail(1, 1, "expected a regular file; replace the link or folder with a YAML file")
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            return fail(1, 1, f"file is {size // 1024} KB; content files may be at most "
                        f"{MAX_FILE_BYTES // 1024} KB, so shorten the text")
        raw = path.read_bytes()
    except OSError as exc:
        return fail(1, 1, f"cannot read the file ({exc.strerror}); check it exists and is readable")
    kept = _kept.get(path) if _kept is not None else None
    if kept is None or kept[0] != raw:
        kept = (raw, _read_text(path, raw))
        if _kept is not None:
            _kept[path] = kept
    data, positions, problems = kept[1]
    # A copy of the top level: a translation's reader takes its `source:` out of the mapping.
    return dict(data) if isinstance(data, dict) else data, positions, list(problems)


def _read_text(path: Path, raw: bytes) -> tuple[Any, Positions, list[Problem]]:
    """Read the bytes of one YAML file into plain Python data, refusing anything unsafe or unclear."""
    problems: list[Problem] = []
    positions = Positions()

    def fail(line: int, col: int, message: str) -> tuple[Any, Positions, list[Problem]]:
        problems.append(Problem(path, line, col, "", message))
        return None, positions, problems

    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        col = exc.start - (raw.rfind(b"\n", 0, exc.start) + 1) + 1
        return fail(line, col, f"byte 0x{raw[exc.start]:02x} is not UTF-8 text; save the file as UTF-8")
    text = text.removeprefix("\ufeff")
    if not text.strip() or all(ln.strip().startswith("#") or not ln.strip() for ln in text.splitlines()):
        return fail(1, 1, "file is empty; expected a mapping of keys such as `title:` "
                    f"(run `{command()} new stretch ID` for a template)")
    for number, line_text in enumerate(text.splitlines(), 1):
        indent = len(line_text) - len(line_text.lstrip(" \t"))
        if "\t" in line_text[:indent]:
            return fail(number, line_text.index("\t") + 1,
                        "tab used for indentation; YAML needs spaces, so replace the tab with spaces")

    fast = _read_fast(text)
    if fast is not None:
        return fast[0], fast[1], problems
    yaml = YAML(typ="rt", pure=True)
    try:
        depth = 0
        for event in yaml.parse(io.StringIO(text)):
            if isinstance(event, AliasEvent):
                mark = event.start_mark
                return fail(mark.line + 1, mark.column + 1,
                            "aliases (*name) are not allowed in content; write the value out in full")
            if isinstance(event, NodeEvent) and getattr(event, "anchor", None):
                mark = event.start_mark
                return fail(mark.line + 1, mark.column + 1,
                            "anchors (&name) are not allowed in content; remove the anchor")
            tag = getattr(event, "tag", None) if isinstance(event, NodeEvent) else None
            if tag is not None:
                mark = event.start_mark
                shown = tag.replace("tag:yaml.org,2002:", "!!")
                return fail(mark.line + 1, mark.column + 1,
                            f"tags such as `{shown}` are not allowed in content; remove `{shown}` "
                            "(put a value in quotes to keep it as text)")
            if isinstance(event, CollectionStartEvent):
                depth += 1
                if depth > MAX_DEPTH:
                    mark = event.start_mark
                    return fail(mark.line + 1, mark.column + 1,
                                f"data is nested more than {MAX_DEPTH} levels deep; "
                                "content files are never that deep, so check the indentation")
            elif isinstance(event, CollectionEndEvent):
                depth -= 1
        docs = list(yaml.load_all(io.StringIO(text)))
    except MarkedYAMLError as exc:
        what = (exc.problem or "invalid YAML").strip()
        # Why: "unexpected end of stream" points at the end; the unclosed thing began earlier.
        mark = exc.context_mark if "end of stream" in what and exc.context_mark else exc.problem_mark
        mark = mark or exc.context_mark
        line, col = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        if exc.context and "duplicate key" not in what:
            what = f"{exc.context.strip()}, {what}"
        if "duplicate key" in what:
            what = f"{what}; each key may appear once, so remove or rename one of them"
        else:
            what = f"invalid YAML: {what}; check the indentation and quoting on this line"
        return fail(line, col, what)
    except (YAMLError, RecursionError, ValueError) as exc:
        return fail(1, 1, f"invalid YAML: {exc}")
    if len(docs) != 1:
        return fail(1, 1, "expected exactly one YAML document; remove the `---` separators")
    merged = _merge_key(docs[0])
    if merged:
        return fail(*merged, "merge keys (`<<:`) are not allowed in content; write the keys out in full")
    data = _plain(docs[0], (), positions)
    return data, positions, problems


def _merge_key(node: Any) -> tuple[int, int] | None:
    """Return where a mapping using a merge key (`<<:`) starts, if any does."""
    if isinstance(node, CommentedMap):
        if getattr(node, "merge", None):
            return node.lc.line + 1, node.lc.col + 1
        children = list(node.values())
    elif isinstance(node, CommentedSeq):
        children = list(node)
    else:
        return None
    return next((found for child in children if (found := _merge_key(child))), None)


#: The careful reader's rules for plain scalars: which type a word is, and its value.
_RULES = YAML(typ="rt", pure=True)
#: First characters of plain scalars that YAML 1.2 may read as something other than text.
_MAYBE_TYPED = {"", *(first for first in _RULES.resolver.versioned_resolver if first)}
_CORE_TAGS = {f"tag:yaml.org,2002:{name}" for name in ("null", "bool", "int", "float", "timestamp")}


def _read_fast(text: str) -> tuple[Any, Positions] | None:
    """Read plain, well-formed YAML with libyaml; None when the careful reader must decide.

    Why: the careful reader (ruamel.yaml in pure Python) takes about 20 ms per file, so a
    1,000-stretch library spent 20 s parsing. libyaml only tokenises here; every value is
    resolved by ruamel.yaml's YAML 1.2 rules, so both readers give the same data and positions
    (tests/test_loader_fuzz.py compares them). Anything unusual (anchors, aliases, tags,
    duplicate or complex keys, deep nesting, several documents, a syntax error) falls back to
    the careful reader, which words the problem.
    """
    if not _LIBYAML:
        return None
    positions = Positions()
    stack: list[tuple[Any, Loc, list[Any]]] = []  # (container, loc, [pending key])
    root: list[Any] = []
    empty: list[Loc] = []  # empty values whose position is the next event's
    documents = 0
    try:
        for event in yaml_parse(text, Loader=CSafeLoader):
            kind = type(event)
            if empty:  # ruamel.yaml places an empty value where the next thing starts
                for loc in empty:
                    positions.values[loc] = (event.start_mark.line + 1, event.start_mark.column + 1)
                    if isinstance(loc[-1], int):
                        positions.keys[loc] = positions.values[loc]
                empty.clear()
            if kind in (StreamStartEvent, StreamEndEvent, DocumentEndEvent):
                continue
            if kind is DocumentStartEvent:
                documents += 1
                if documents > 1:
                    return None
                continue
            if kind in (MappingEndEvent, SequenceEndEvent):
                stack.pop()
                continue
            if kind is AliasEvent_ or event.anchor is not None or event.tag is not None:
                return None
            mark = (event.start_mark.line + 1, event.start_mark.column + 1)
            if stack:
                container, loc, pending = stack[-1]
                if isinstance(container, dict) and not pending:
                    # A mapping key: plain text only, each once.
                    if kind is not ScalarEvent:
                        return None
                    key = _scalar(event)
                    if not isinstance(key, str) or key in container or key == "<<":
                        return None
                    pending.append(key)
                    positions.keys[(*loc, key)] = mark
                    continue
                if isinstance(container, dict):
                    key = pending.pop()
                    sub = (*loc, key)
                    positions.values[sub] = mark
                else:
                    sub = (*loc, len(container))
                    positions.values[sub] = positions.keys[sub] = mark
            else:
                container, sub = None, ()
            if kind is ScalarEvent:
                value: Any = _scalar(event)
                if not event.value and event.start_mark.index == event.end_mark.index and stack:
                    empty.append(sub)
            elif kind is MappingStartEvent:
                value = {}
            else:
                value = []
            if container is None:
                root.append(value)
            elif isinstance(container, dict):
                container[sub[-1]] = value
            else:
                container.append(value)
            if kind is not ScalarEvent:
                if len(stack) >= MAX_DEPTH:
                    return None
                stack.append((value, sub, []))
    except (YAMLError_, RecursionError, ValueError, TypeError):
        return None
    if documents != 1 or len(root) != 1:
        return None
    return root[0], positions


def _scalar(event: Any) -> Any:
    """Return a scalar's value as ruamel.yaml's YAML 1.2 rules read it."""
    if not event.implicit[0] or event.style:
        return event.value  # quoted or block text is always text
    if event.value[:1] not in _MAYBE_TYPED:
        return event.value  # most text: a word no resolver rule starts with
    node = ScalarNode(_RULES.resolver.resolve(ScalarNode, event.value, (True, False)), event.value)
    if node.tag == "tag:yaml.org,2002:str":
        return event.value
    if node.tag not in _CORE_TAGS:
        raise ValueError(f"left to the careful reader: {node.tag}")  # such as `<<` or `=`
    return _plain(_RULES.constructor.construct_non_recursive_object(node), (), Positions())


def _plain(node: Any, loc: Loc, positions: Positions) -> Any:
    """Turn ruamel's round-trip nodes into plain data, recording positions."""
    if isinstance(node, CommentedMap):
        out: dict[str, Any] = {}
        for key in node:
            sub = (*loc, str(key))
            kl, kc = node.lc.key(key)
            vl, vc = node.lc.value(key)
            positions.keys[sub] = (kl + 1, kc + 1)
            positions.values[sub] = (vl + 1, vc + 1)
            out[str(key)] = _plain(node[key], sub, positions)
        return out
    if isinstance(node, CommentedSeq):
        items = []
        for index, item in enumerate(node):
            il, ic = node.lc.item(index)
            positions.values[(*loc, index)] = (il + 1, ic + 1)
            positions.keys[(*loc, index)] = (il + 1, ic + 1)
            items.append(_plain(item, (*loc, index), positions))
        return items
    if isinstance(node, bool) or node is None:
        return node
    if isinstance(node, int):
        return int(node)
    if isinstance(node, float):
        return float(node)
    if isinstance(node, datetime.datetime):
        return node
    if isinstance(node, datetime.date):
        return datetime.date(node.year, node.month, node.day)
    return str(node)


def validate(model: type[BaseModel], data: Any, path: Path, positions: Positions,
             extra: dict[str, Any] | None = None, context: dict[str, Any] | None = None) -> tuple[Any, list[Problem]]:
    """Validate data into `model`, turning every pydantic error into a positioned problem."""
    if not isinstance(data, dict):
        found = type(data).__name__ if data is not None else "nothing"
        return None, [Problem(path, 1, 1, "", f"expected a mapping of keys (such as `title: ...`) "
                              f"at the top of the file, found {_kind(found)}; see `{command()} new`")]
    problems = []
    for key in extra or {}:
        if key in data:
            line, col = positions.at((key,), key=True)
            problems.append(Problem(path, line, col, key, f"`{key}` is set from the file name; remove this line"))
    if problems:
        return None, problems
    try:
        return model.model_validate({**data, **(extra or {})}, context=context), []
    except ValidationError as exc:
        for error in exc.errors(include_url=False):
            problems.append(_problem_from_error(model, error, path, positions))
        return None, sorted(set(problems))


def _kind(type_name: str) -> str:
    return {"list": "a list", "str": "a single text value", "int": "a number", "float": "a number",
            "dict": "a mapping", "bool": "true/false", "nothing": "nothing"}.get(type_name, type_name)


def _problem_from_error(model: type[BaseModel], error: Any, path: Path, positions: Positions) -> Problem:
    loc: Loc = tuple(error["loc"])
    kind = error["type"]
    value = error.get("input")
    ctx = error.get("ctx") or {}
    field_loc: Loc = ()
    for part in loc:
        # pydantic names union branches in the location ("int", "function-after[...]"); a key
        # of the file with such a name is kept.
        branch = isinstance(part, str) and (part.startswith("function-") or part in {"int", "str"})
        if not branch or (*field_loc, part) in positions.keys:
            field_loc = (*field_loc, part)
    key = join_key(field_loc)
    line, col = positions.at(field_loc, key=kind in {"extra_forbidden", "missing"})
    found = _describe(value)

    if kind == "missing":
        parent = field_loc[:-1]
        line, col = positions.at(parent, key=True) if parent else (1, 1)
        desc = _field_description(model, field_loc)
        message = f"required key is missing; add `{field_loc[-1]}:`" + (f" ({desc})" if desc else "")
    elif kind == "extra_forbidden":
        word = str(field_loc[-1])
        allowed = _allowed_keys(model, field_loc[:-1])
        meaning = _same_meaning(model, word)
        hint = meaning if meaning in allowed else None
        if meaning is None and allowed:
            hint = vocab.suggest(word, allowed)  # a typo of a key allowed here
        elsewhere = None if hint or meaning is None else _key_path(model, meaning)
        if hint:
            message = f"unknown key `{word}`; did you mean `{hint}`?"
        elif elsewhere:
            where = (f"under `{elsewhere.rsplit('.', 1)[0]}:`" if "." in elsewhere
                     else f"at the top level of the file, not under `{join_key(field_loc[:-1])}:`")
            if elsewhere.rsplit(".", 1)[-1] == word:
                message = f"`{word}` does not go here: it belongs {where}"
            else:
                message = f"unknown key `{word}` here; did you mean `{elsewhere}`? It belongs {where}"
        else:
            home = next((label for label, other in (("a routine file", Routine), ("a stretch file", Stretch),
                                                    ("guide.yml", Guide))
                         if other is not model and meaning is not None and meaning in _key_paths(other)), None)
            message = f"unknown key `{word}`" + (f": it belongs in {home}, not here" if home else "") + (
                f"; expected one of: {', '.join(allowed)}")
    elif kind == "literal_error":
        choices = re.findall(r"'([^']*)'", str(ctx.get("expected", "")))
        # A word that starts several choices ("pregnancy") is a family: name them all.
        family = [c for c in choices if isinstance(value, str) and c.startswith(value.lower().strip() + "-")]
        hint = vocab.suggest(value, choices)
        message = f"expected one of: {', '.join(choices)}; got {found}"
        if len(family) > 1:
            message += "; did you mean one of " + ", ".join(f"`{c}`" for c in family) + "?"
        elif hint:
            message += f"; did you mean `{hint}`?"
    elif kind in {"greater_than_equal", "less_than_equal", "greater_than", "less_than"}:
        bound = ctx.get("ge", ctx.get("le", ctx.get("gt", ctx.get("lt"))))
        word = {"greater_than_equal": "at least", "less_than_equal": "at most",
                "greater_than": "more than", "less_than": "less than"}[kind]
        message = f"must be {word} {bound}; got {found}" + _range_hint(field_loc)
    elif kind == "string_pattern_mismatch":
        message = f"{_pattern_meaning(str(ctx.get('pattern')))}; got {found}"
    elif kind == "string_too_long":
        message = (f"text is too long: at most {ctx.get('max_length')} characters, got "
                   f"{len(value) if isinstance(value, str) else '?'}; shorten it or split it into steps")
    elif kind in {"string_too_short", "too_short"}:
        desc = _field_description(model, field_loc)
        message = "must not be empty; add at least one item" + (f" ({desc[0].lower()}{desc[1:]})" if desc else "")
    elif kind == "too_long":
        message = f"too many items: at most {ctx.get('max_length')}, got {ctx.get('actual_length')}; shorten the list"
    elif kind in {"list_type", "tuple_type"}:
        message = f"expected a list (lines starting with `- `); got {found}"
    elif kind in {"model_type", "model_attributes_type", "dict_type"} and _model_at(model, field_loc) in (
            HoldRange, RepRange):
        message = f"expected a range written {_range_form(field_loc, value)}; got {found}"
    elif kind in {"model_type", "model_attributes_type", "dict_type"}:
        message = f"expected a mapping of keys (`key: value` lines, indented); got {found}"
    elif kind in {"string_type"}:
        message = f"expected text; got {found}; put the text in quotes"
    elif kind in {"int_type", "int_parsing", "int_from_float"}:
        message = f"expected a whole number; got {found}"
    elif kind in {"float_type", "float_parsing"}:
        message = f"expected a number; got {found}"
    elif kind in {"bool_type", "bool_parsing"}:
        message = f"expected true or false; got {found}"
    elif kind.startswith("date") or kind.startswith("datetime"):
        message = f"expected a date written YYYY-MM-DD; got {found}"
    elif kind == "value_error":
        message = str(ctx.get("error", error["msg"]))
    else:
        message = f"{error['msg']}; got {found}"
    return Problem(path, line, col, key, message)


def _describe(value: Any) -> str:
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    if value is None:
        return "nothing"
    if isinstance(value, bool):
        return str(value).lower()
    text = str(value)
    return f"`{text[:60]}…`" if len(text) > 60 else f"`{text}`"


def _range_form(loc: Loc, value: Any) -> str:
    """Show how to write a range, with the numbers the author gave when there are any."""
    numbers = [int(n) for n in re.findall(r"\d+", str(value))][:2] if not isinstance(value, bool) else []
    low, high = (min(numbers), max(numbers)) if len(numbers) == 2 else ((15, 30) if "hold" in loc else (10, 15))
    unit = " (seconds)" if "hold" in loc else ""
    exactly = (f"; for exactly {numbers[0]}, write `{{min: {numbers[0]}, max: {numbers[0]}}}`"
               if len(numbers) == 1 else "")
    return f"`{{min: {low}, max: {high}}}`{unit}{exactly}"


def _range_hint(loc: Loc) -> str:
    names = [p for p in loc if isinstance(p, str)]
    if "hold" in names:
        return " (holds are 5-180 seconds, written `{min: 15, max: 30}`)"
    if "reps" in names:
        return " (repetitions are 1-50, written `{min: 10, max: 15}`)"
    if "hold_each" in names:
        return " (a hold on each repetition is 1-60 seconds)"
    if "sets" in names:
        return " (sets are 1-10)"
    return ""


def _pattern_meaning(pattern: str) -> str:
    return {
        ID_PATTERN: "expected an id of lowercase letters, digits and hyphens, such as `childs-pose`",
        r"^[A-Za-z]{2,3}(?:-[A-Za-z0-9]{2,8})*$": "expected a BCP 47 language tag, such as `en` or `en-GB`",
        r"^#[0-9a-fA-F]{6}$": "expected a colour written #rrggbb, such as `#1d5f8a`",
    }.get(pattern, f"does not match the pattern {pattern}")


def _unwrap(annotation: Any) -> list[Any]:
    """Return the candidate types inside Optional/Annotated/list annotations."""
    origin = typing.get_origin(annotation)
    if origin is typing.Annotated:
        return _unwrap(typing.get_args(annotation)[0])
    if origin in (typing.Union, types.UnionType):
        return [t for arg in typing.get_args(annotation) for t in _unwrap(arg)]
    if origin in (list, tuple):
        return [t for arg in typing.get_args(annotation) for t in _unwrap(arg)]
    return [annotation]


def _model_at(model: type[BaseModel], loc: Loc) -> type[BaseModel] | None:
    current: type[BaseModel] | None = model
    for part in loc:
        if isinstance(part, int) or current is None:
            continue
        field = current.model_fields.get(part)
        if field is None:
            return None
        current = next((t for t in _unwrap(field.annotation)
                        if isinstance(t, type) and issubclass(t, BaseModel)), None)
    return current


def _allowed_keys(model: type[BaseModel], loc: Loc) -> list[str]:
    found = _model_at(model, loc)
    return [name for name in (found.model_fields if found else {}) if name != "id"]


#: Words people write for a key, and the key that means the same thing. Why a list: a
#: did-you-mean must not send `rest_between_items` to `rest`, which is the rest between sides.
KEY_SYNONYMS: dict[str, str] = {
    "hold_seconds": "hold", "hold_secs": "hold", "hold_time": "hold", "hold_for": "hold",
    "duration": "hold", "seconds": "hold",
    "repetitions": "reps", "repeats": "reps", "rep": "reps", "times": "reps",
    "side": "sides", "each_side": "sides", "alternating": "sides",
    "hold_each_seconds": "hold_each", "hold_per_rep": "hold_each", "hold_each_rep": "hold_each",
    "hold_each_for": "hold_each",
    "rest_seconds": "rest", "rest_between_sides": "rest", "rest_between_sets": "rest",
    "rest_between_stretches": "rest_between_items", "rest_between_exercises": "rest_between_items",
    "transition": "rest_between_items", "transition_seconds": "rest_between_items",
    "how_often": "frequency", "speed": "tempo",
    "precaution": "precautions", "contraindications": "precautions", "cautions": "precautions",
    "alternatives": "alternative", "instead": "alternative",
    "cues": "helper_cues", "partner_cues": "helper_cues",
    "reviewer": "review", "reviewed_by": "review", "references": "sources", "citations": "sources",
    "warning_signs": "red_flags", "emergency_phone": "emergency_number",
}


def _key_paths(model: type[BaseModel]) -> dict[str, str]:
    """Map each key name of a file's model, at any depth, to its first dotted path."""
    paths: dict[str, str] = {}

    def walk(current: type[BaseModel], prefix: str, depth: int) -> None:
        for name, field in current.model_fields.items():
            if name != "id":
                paths.setdefault(name, f"{prefix}.{name}" if prefix else name)
            for option in _unwrap(field.annotation):
                if depth < 3 and isinstance(option, type) and issubclass(option, BaseModel):
                    walk(option, f"{prefix}.{name}" if prefix else name, depth + 1)

    walk(model, "", 0)
    return paths


def _same_meaning(model: type[BaseModel], word: str) -> str | None:
    """Return the key of the model that `word` (or a close misspelling of it) means, if any."""
    lowered = word.lower().strip()
    if lowered in KEY_SYNONYMS:
        return KEY_SYNONYMS[lowered]
    # Every content file's keys are candidates, so a key of another kind of file matches itself.
    names = {name for other in (model, Stretch, Routine, Guide) for name in _key_paths(other)}
    words = sorted({*KEY_SYNONYMS, *names})
    matches = difflib.get_close_matches(lowered, words, n=1, cutoff=0.8)
    if not matches:
        return None
    return KEY_SYNONYMS.get(matches[0], matches[0])


def _key_path(model: type[BaseModel], key: str) -> str | None:
    """Return where a key lives in a file's model: "hold" -> "dose.hold"."""
    return _key_paths(model).get(key)


def _field_description(model: type[BaseModel], loc: Loc) -> str | None:
    parent = _model_at(model, loc[:-1])
    field = parent.model_fields.get(str(loc[-1])) if parent else None
    return field.description.rstrip(".") if field and field.description else None


def _id_problem(path: Path) -> Problem | None:
    if re.match(ID_PATTERN, path.stem):
        return None
    better = re.sub(r"[^a-z0-9]+", "-", path.stem.lower()).strip("-") or "my-stretch"
    return Problem(path, 1, 1, "", f"file name `{path.name}` is not a valid id: use lowercase letters, "
                   f"digits and hyphens; rename it to `{better}{path.suffix}`")


def load_file(path: Path, model: type[BaseModel],
              content_dir: Path | None = None) -> tuple[Any, Positions, list[Problem]]:
    """Load and validate one content file into `model`."""
    data, positions, problems = read_yaml(path)
    if problems:
        return None, positions, problems
    positions.placeholders = [loc for loc, text in _texts(data) if text.lstrip().startswith(PLACEHOLDER)]
    id_problem = _id_problem(path) if model in (Stretch, Routine) else None
    if id_problem:
        return None, positions, [id_problem]
    extra = {"id": path.stem} if model in (Stretch, Routine) else None
    obj, problems = validate(model, data, path, positions, extra, {"content_dir": content_dir or path.parent})
    return obj, positions, problems


def _texts(value: Any, loc: Loc = ()) -> Iterator[tuple[Loc, str]]:
    """Yield every text in plain data with where it is."""
    if isinstance(value, str):
        yield loc, value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _texts(item, (*loc, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _texts(item, (*loc, index))


def content_files(folder: Path) -> list[Path]:
    """List the YAML files of a content subfolder, sorted."""
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.iterdir() if p.suffix in {".yml", ".yaml"})


def model_for(path: Path) -> type[BaseModel]:
    """Choose the model of a file from where it lives."""
    if path.name in {"guide.yml", "guide.yaml"}:
        return Guide
    if path.parent.name == "routines":
        return Routine
    return Stretch


def load_library(content_dir: Path) -> LoadResult:
    """Load every file of a content folder; return the library only when all are valid."""
    problems: list[Problem] = []
    positions: dict[Path, Positions] = {}
    guide_path = content_dir / "guide.yml"
    if not guide_path.is_file():
        problems.append(Problem(guide_path, 1, 1, "", f"guide.yml is missing; run `{command()} new guide DIR` "
                                "to start a content folder"))
        guide = None
    else:
        guide, positions[guide_path], found = load_file(guide_path, Guide, content_dir)
        problems += found

    stretches: dict[str, Stretch] = {}
    routines: dict[str, Routine] = {}
    sources: dict[str, Path] = {}
    for folder, model, bucket in (("stretches", Stretch, stretches), ("routines", Routine, routines)):
        for path in content_files(content_dir / folder):
            obj, positions[path], found = load_file(path, model, content_dir)
            problems += found
            if path.stem in sources:
                problems.append(Problem(path, 1, 1, "", f"id `{path.stem}` is already used by "
                                        f"{sources[path.stem].relative_to(content_dir).as_posix()}; "
                                        "ids must be unique across stretches and routines, so rename one file"))
                continue
            sources[path.stem] = path
            if obj is not None:
                bucket[obj.id] = obj
    if not (content_dir / "stretches").is_dir() and guide is not None:
        problems.append(Problem(content_dir / "stretches", 1, 1, "",
                                "the `stretches` folder is missing; add at least one stretch with "
                                f"`{command()} new stretch ID`"))
    poses: dict[str, dict[str, float]] = {}
    for path in content_files(content_dir / "poses"):
        pose, positions[path], found = load_file(path, PoseFile)
        problems += found
        if pose is not None:
            poses[path.stem] = dict(pose.joints)
    # Why an empty guide: checks of the other files need none of its values; reading one fails loudly.
    empty_guide = Guide.model_construct()  # type: ignore[call-arg]
    partial = Library(content_dir=content_dir, guide=guide or empty_guide, stretches=stretches,
                      routines=routines, poses=poses, source_paths=sources)
    if (content_dir / "translations").is_dir():
        from .translations import load_translations

        found_translations, found, where = load_translations(content_dir, partial, guide is not None)
        problems += found
        positions.update(where)
        partial.translations.update(found_translations)
    return LoadResult(partial if guide is not None else None, problems, positions, partial)
