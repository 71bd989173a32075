"""Property tests: whatever a content file holds, loading it reports problems and never crashes."""

from __future__ import annotations

import io
import tempfile
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from ruamel.yaml import YAML

from stretchguide.loader import load_file
from stretchguide.models import Guide, Routine, Stretch

KEYS = sorted({*Stretch.model_fields, *Guide.model_fields, *Routine.model_fields,
               "hold", "reps", "min", "max", "sides", "sets", "stop_if", "avoid_if", "frames", "pose",
               "joints", "by", "on", "stretch", "dose", "branding", "clinic_name"})
scalars = st.one_of(st.none(), st.booleans(), st.integers(-10**6, 10**6), st.floats(allow_nan=False),
                    st.text(max_size=40), st.sampled_from(["each", "none", "hold", "reps", "lower-back",
                                                           "kneeling", "2024-01-01", "#123456"]))
data = st.recursive(scalars, lambda inner: st.one_of(
    st.lists(inner, max_size=4),
    st.dictionaries(st.one_of(st.sampled_from(KEYS), st.text(max_size=10)), inner, max_size=6)),
    max_leaves=30)

FUZZ = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _dump(value: Any) -> str:
    stream = io.StringIO()
    YAML(typ="safe", pure=True).dump(value, stream)
    return stream.getvalue()


@FUZZ
@given(value=data, model=st.sampled_from([Stretch, Routine, Guide]))
def test_random_structures_give_problems_not_tracebacks(value: Any, model: type) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "stretches" / "fuzz.yml"
        path.parent.mkdir()
        path.write_text(_dump(value), encoding="utf-8")
        obj, _, problems = load_file(path, model, Path(tmp))
        assert (obj is None) == bool(problems)
        for problem in problems:
            assert problem.line >= 1 and problem.col >= 1 and problem.message


@FUZZ
@given(raw=st.binary(max_size=300))
def test_random_bytes_give_problems_not_tracebacks(raw: bytes) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "stretches" / "fuzz.yml"
        path.parent.mkdir()
        path.write_bytes(raw)
        obj, _, problems = load_file(path, Stretch, Path(tmp))
        assert obj is None and problems


@FUZZ
@given(text=st.text(alphabet=st.sampled_from(list("ab: -[]{}&*!|>'\"#\n\t,?%@`0123")), max_size=200))
def test_random_yaml_syntax_gives_problems_not_tracebacks(text: str) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "stretches" / "fuzz.yml"
        path.parent.mkdir()
        path.write_text(text, encoding="utf-8")
        obj, _, problems = load_file(path, Stretch, Path(tmp))
        assert obj is None and problems


# ---- The fast reader (libyaml) must read exactly what the careful reader (ruamel.yaml) reads ----

#: Plain words whose type YAML 1.1 and 1.2 disagree on, or that look like numbers, dates or nulls.
TRICKY_WORDS = ["yes", "No", "on", "OFF", "y", "true", "False", "~", "null", "Null", "1_000", "0o17", "017",
                "0x1F", "1e3", "1.5e-3", "+1", "-0", "0.", ".5", ".inf", "-.Inf", "2024-01-02", "2024-1-2",
                "2024-01-02 10:00:00", "2024-01-02T10:00:00Z", "12:30", "1:30:00", "=", "<<x", "é", "Ünïcode",
                "a b", "x-y", "#123456", "3 x 30 s"]


def _both_readers(text: str) -> tuple[Any, Any]:
    """Return (fast result or None, careful result) for one file's text."""
    from stretchguide import loader

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "file.yml"
        path.write_text(text, encoding="utf-8")
        fast = loader._read_fast(text)
        saved = loader._LIBYAML
        loader._LIBYAML = False
        try:
            careful = loader.read_yaml(path)
        finally:
            loader._LIBYAML = saved
    return fast, careful


def _assert_same(text: str) -> bool:
    """Assert the fast reader declines or agrees with the careful one; return whether it read."""
    fast, (data, positions, problems) = _both_readers(text)
    if fast is None:
        return False
    assert not problems, f"the fast reader accepted what the careful one refuses: {problems[0]}"
    assert repr(fast[0]) == repr(data)  # repr: types must match too (1 vs 1.0 vs "1"), and nan == nan
    assert fast[1] == positions
    return True


@FUZZ
@given(value=data, flow=st.sampled_from([False, True, None]), width=st.sampled_from([20, 80]))
def test_fast_reader_matches_careful_reader(value: Any, flow: bool | None, width: int) -> None:
    stream = io.StringIO()
    yaml = YAML(typ="safe", pure=True)
    yaml.default_flow_style = flow
    yaml.width = width
    yaml.dump({"title": value, "steps": [value, "x"]}, stream)
    _assert_same(stream.getvalue())


@FUZZ
@given(words=st.lists(st.sampled_from(TRICKY_WORDS), min_size=1, max_size=6), indent=st.sampled_from([2, 4]))
def test_fast_reader_resolves_plain_words_like_the_careful_reader(words: list[str], indent: int) -> None:
    pad = " " * indent
    text = "\n".join([f"k{n}: {word}" for n, word in enumerate(words)]
                     + ["items:"] + [f"{pad}- {word}" for word in words]
                     + [f"flow: [{', '.join(words)}]", "nested:", f"{pad}inner: {words[0]}", "empty:", ""])
    _assert_same(text)


def test_fast_reader_reads_the_default_content() -> None:
    root = Path(__file__).resolve().parent.parent / "content"
    files = sorted(root.rglob("*.yml"))
    assert files
    assert all(_assert_same(path.read_text(encoding="utf-8")) for path in files)


@pytest.mark.parametrize("text", ["a: &x 1\nb: *x\n", "a: !!str 1\n", "a: 1\na: 2\n", "? [a]\n: 1\n",
                                  "a: 1\n---\nb: 2\n", "a: [1\n", "<<: {a: 1}\n"])
def test_fast_reader_leaves_unusual_yaml_to_the_careful_reader(text: str) -> None:
    fast, _ = _both_readers(text)
    assert fast is None
