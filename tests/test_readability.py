"""The reading-level counter: grades, syllables, sentences and the jargon list."""

from __future__ import annotations

import pytest

from stretchguide import readability
from stretchguide.models import Guide, RedFlagGroup
from stretchguide.vocab import PRECAUTION_TEXT


@pytest.mark.parametrize(("word", "count"), [
    ("the", 1), ("stretch", 1), ("breathe", 1), ("gently", 2), ("shoulders", 2), ("forward", 2),
    ("dizziness", 3), ("emergency", 4), ("osteoporosis", 5), ("figure-four", 3), ("15", 1),
])
def test_syllables_of_everyday_words(word: str, count: int) -> None:
    assert readability.syllables(word) == count


def test_plain_steps_read_low_and_clinical_prose_reads_high() -> None:
    assert readability.grade("Sit back slowly toward your heels.") < 4
    assert readability.grade("Maintain lumbar flexion while simultaneously approximating the femurs "
                             "toward the abdominal musculature.") > 12


def test_sentences_split_at_stops_but_not_inside_numbers() -> None:
    assert readability.sentences("Hold 2.5 s. Then rest!  Why?\nBreathe.") == [
        "Hold 2.5 s.", "Then rest!", "Why?", "Breathe."]


def test_short_sentences_are_not_graded_but_jargon_is_always_found() -> None:
    assert readability.check_text("Dizziness.") == ()
    (finding,) = readability.check_text("Lie supine.")
    assert finding.word == "supine" and "lying on your back" in finding.message()


def test_a_hard_sentence_is_quoted_with_its_grade() -> None:
    (finding,) = readability.check_text("Stop. Discontinue immediately should radiating symptoms materialise "
                                        "during the manoeuvre.")
    assert finding.grade is not None and finding.grade > readability.MAX_GRADE
    assert finding.message().startswith("reads at school grade ")
    assert finding.message().endswith('"Discontinue immediately should radiating symptoms materialise during '
                                      'the manoeuvre."')


def test_every_precaution_reads_plainly() -> None:
    for word, text in PRECAUTION_TEXT.items():
        assert readability.check_text(text) == (), word


@pytest.mark.parametrize("number", [None, "999", "112"])
def test_the_standard_red_flag_actions_read_plainly(number: str | None) -> None:
    guide = Guide.model_validate({"title": "G", "audience": "A.", "introduction": "I.", "safety_rules": ["R."],
                                  "red_flags": ["Chest pain."], "disclaimer": "D.", "emergency_number": number,
                                  "branding": {"clinic_name": "C"}, "licence": "L", "version": "1"})
    for urgency in ("emergency", "soon", None):
        action = guide.red_flag_action(RedFlagGroup(urgency=urgency, signs=["Chest pain."]))
        assert readability.check_text(action) == (), action
        if urgency == "emergency":
            assert (number or "your local emergency number") in action
