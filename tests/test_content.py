"""The default guide: the facts a physiotherapist checks, kept consistent across stretches."""

from __future__ import annotations

from stretchguide.pipeline import load_checked
from stretchguide.vocab import PRECAUTION_TEXT

from .conftest import CONTENT


def test_precautions_sit_on_every_stretch_they_apply_to() -> None:
    library, _ = load_checked(CONTENT)

    def listing(word: str) -> set[str]:
        return {sid for sid, s in library.stretches.items() if word in s.safety.precautions}

    # Every stretch that bends the spine forward, not only the seated forward bend.
    assert listing("osteoporosis") == {"cat-cow", "childs-pose", "seated-forward-bend", "figure-four"}
    assert {"childs-pose", "pigeon", "figure-four"} <= listing("hip-replacement")
    assert listing("pregnancy-lying-on-back") == {"figure-four"}
    assert "pigeon" in listing("pregnancy-pelvic-pain") and "cat-cow" in listing("pregnancy-belly")
    kneeling = {sid for sid, s in library.stretches.items()
                if s.position in {"kneeling", "half-kneeling", "hands-and-knees"}}
    assert kneeling == listing("knee-problems")
    assert listing("recent-surgery") == set(library.stretches)


def test_each_precaution_reads_the_same_on_every_stretch() -> None:
    library, _ = load_checked(CONTENT)
    for stretch in library.stretches.values():
        texts = stretch.safety.precaution_texts()
        assert texts == [PRECAUTION_TEXT[word] for word in stretch.safety.precautions]
        # Nothing in the free text repeats a precaution in other words.
        for text in stretch.safety.avoid_if:
            assert "surgery" not in text and "pregnan" not in text.lower(), (stretch.id, text)


def test_kneeling_stretches_name_padding_for_the_knees() -> None:
    library, _ = load_checked(CONTENT)
    for stretch in library.stretches.values():
        if stretch.position in {"kneeling", "half-kneeling", "hands-and-knees"}:
            assert any("knee" in item.lower() and ("cushion" in item.lower() or "towel" in item.lower())
                       for item in stretch.equipment), stretch.id


def test_pigeon_points_at_the_figure_four_which_is_a_stretch_of_its_own() -> None:
    library, _ = load_checked(CONTENT)
    pigeon, figure_four = library.stretches["pigeon"], library.stretches["figure-four"]
    assert pigeon.alternative is not None and pigeon.alternative.stretch == "figure-four"
    assert "reclined figure-four" in pigeon.summary
    assert not any("figure-four" in item.lower() for item in pigeon.easier)
    assert figure_four.position == "lying-on-back" and figure_four.dose.sides == "each"
    assert (figure_four.dose.hold and (figure_four.dose.hold.min, figure_four.dose.hold.max) == (15, 30))
    assert figure_four.figure is not None


def test_the_hip_flexor_front_knee_stays_above_the_ankle() -> None:
    library, _ = load_checked(CONTENT)
    stretch = library.stretches["kneeling-hip-flexor"]
    shift = next(step for step in stretch.steps if "hips" in step and "forward" in step)
    assert "knee above the ankle, not past it" in shift
    assert any("drifts past" in cue for cue in stretch.helper_cues)
