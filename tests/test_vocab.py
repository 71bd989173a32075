"""Controlled vocabularies: the words content may use, how readers see them, and "did you mean"."""

from __future__ import annotations

import pytest

from stretchguide import vocab


@pytest.mark.parametrize(("typo", "meant", "choices"), [
    ("hamstring", "hamstrings", vocab.TARGET_AREAS),
    ("lowerback", "lower-back", vocab.TARGET_AREAS),
    ("  Hips ", "hips", vocab.TARGET_AREAS),  # case and surrounding spaces do not matter
    ("seatd", "seated", vocab.POSITIONS),
    ("lying-on-the-back", "lying-on-back", vocab.POSITIONS),
    ("jumping", None, vocab.POSITIONS),  # no close word: no guess
    ("medium", None, vocab.DIFFICULTIES),
    ("a6", "A6", vocab.CARD_SIZES),  # a choice in capitals is found from lowercase, and kept as written
    ("4X6IN", "4x6in", vocab.CARD_SIZES),
])
def test_a_near_miss_suggests_the_word_meant(typo: str, meant: str | None, choices: tuple[str, ...]) -> None:
    assert vocab.suggest(typo, choices) == meant


def test_only_text_gets_suggestions() -> None:
    assert vocab.suggest(3, vocab.TARGET_AREAS) is None
    assert vocab.suggest(None, vocab.TARGET_AREAS) is None
    assert vocab.suggest(["hips"], vocab.TARGET_AREAS) is None


def test_readers_see_plain_words() -> None:
    assert vocab.label("hamstrings") == "Back of the thighs (hamstrings)"
    assert vocab.label("hands-and-knees") == "On hands and knees"
    assert vocab.label("some-new-area") == "Some new area"  # a word without a label still reads well
    for word in (*vocab.TARGET_AREAS, *vocab.POSITIONS, *vocab.DIFFICULTIES):
        assert vocab.label(word)[0].isupper() and vocab.label(word) != word, word


def test_the_lists_hold_no_duplicates() -> None:
    for words in (vocab.TARGET_AREAS, vocab.POSITIONS, vocab.DIFFICULTIES, vocab.CARD_SIZES):
        assert len(set(words)) == len(words)
