"""Property tests: whatever a content file holds, loading it reports problems and never crashes."""

from __future__ import annotations

import io
import tempfile
from pathlib import Path
from typing import Any

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
