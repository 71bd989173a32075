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


def test_before_you_start_covers_what_a_clinic_expects() -> None:
    library, _ = load_checked(CONTENT)
    guide = library.guide
    sections = {section.title: " ".join(section.points) for section in guide.before_you_start}
    feel = sections["How a stretch should feel"]
    assert "3 out of 10" in feel and "sharp, shooting or spreading pain" in feel
    often = sections["How often and how much"]
    assert "most days of the week" in often and "two or three holds" in often
    assert "roll onto your side" in sections["Getting down to the floor and up again"]
    wrong = sections["If something goes wrong"]
    assert "dizzy" in wrong and "warning sign" in wrong
    assert "two weeks" in sections["What to expect"] and "no better after a few weeks" in sections["What to expect"]
    assert "Walking" in sections["Keep moving"] and "Bed rest does not help" in sections["Keep moving"]
    # The stop rules agree with the pain guide: stop at sharp, shooting or increasing pain.
    for stretch in library.stretches.values():
        assert any("pain" in rule.lower() for rule in stretch.safety.stop_if), stretch.id


def test_every_source_can_be_looked_up_and_the_seed_article_is_gone() -> None:
    library, _ = load_checked(CONTENT)
    sources = [*library.guide.sources, *(s for st in library.stretches.values() for s in st.sources)]
    assert library.guide.sources
    for source in sources:
        assert source.url or (source.citation and len(source.citation) > 60), source
        assert "article" not in source.title.lower()


def test_the_default_guide_claims_no_clinical_review() -> None:
    library, _ = load_checked(CONTENT)
    assert all(stretch.review is None for stretch in library.stretches.values())
    about = (CONTENT.parent / "docs" / "about.md").read_text(encoding="utf-8")
    assert "have not\nyet been reviewed by a clinician" in about or "have not yet been reviewed" in about
    assert "says who reviewed it" not in about
