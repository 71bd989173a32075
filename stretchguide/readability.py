"""Reading level of safety-critical text: a small Flesch-Kincaid counter and a jargon list.

Why our own counter: the check runs offline on a few hundred short sentences, and the formula
needs only word, sentence and syllable counts. Syllables are estimated from vowel groups (the
usual heuristic, right for most everyday words and within one for most long ones), which is
close enough to tell a grade-5 sentence from a grade-11 one.
"""

from __future__ import annotations

import dataclasses
import functools
import re

#: The highest Flesch-Kincaid grade a sentence may read at.
MAX_GRADE = 8.0
#: Sentences shorter than this are not graded. Why: with two or three words, one long word
#: ("Dizziness.") swings the formula by ten grades; the jargon list covers short sentences.
MIN_WORDS = 6

#: Clinical words a reader may not know, and what to write instead.
JARGON: dict[str, str] = {
    "abduction": "moving the leg out to the side",
    "adduction": "moving the leg in toward the other",
    "anterior": "front",
    "posterior": "back",
    "lateral": "side",
    "medial": "inner",
    "supine": "lying on your back",
    "prone": "lying face down",
    "lumbar": "lower back",
    "thoracic": "upper back",
    "cervical": "neck",
    "flexion": "bending",
    "hyperextension": "arching too far",
    "dorsiflex": "pull the toes up",
    "dorsiflexion": "pulling the toes up",
    "plantarflex": "point the toes",
    "contraindicated": "not safe",
    "contraindication": "reason not to do it",
    "contralateral": "on the other side",
    "ipsilateral": "on the same side",
    "piriformis": "a muscle deep in the buttock",
    "iliopsoas": "hip flexor (the muscle at the front of the hip)",
    "psoas": "hip flexor (the muscle at the front of the hip)",
    "gluteal": "buttock",
    "gluteus": "buttock muscle",
    "sacroiliac": "the joint between the spine and the pelvis",
    "vertebra": "a bone of the spine",
    "vertebrae": "bones of the spine",
    "vertebral": "of the spine",
    "radiculopathy": "nerve pain that runs down the leg",
    "paraesthesia": "pins and needles",
    "paresthesia": "pins and needles",
    "incontinence": "leaking pee or poo",
    "perineum": "the area between the legs",
    "perineal": "between the legs",
    "cauda equina": "numbness around the genitals, or new bladder or bowel trouble",
    "saddle anaesthesia": "numbness around the genitals and buttocks",
    "saddle anesthesia": "numbness around the genitals and buttocks",
    "isometric": "pushing without moving",
}

_WORD = re.compile(r"[A-Za-z0-9]+(?:['’-][A-Za-z0-9]+)*")
_JARGON = re.compile(r"\b(" + "|".join(sorted(map(re.escape, JARGON), key=len, reverse=True)) + r")\b",
                     re.IGNORECASE)


@dataclasses.dataclass(frozen=True)
class Finding:
    """One hard-to-read sentence, or one jargon word, in a piece of text."""

    sentence: str
    grade: float | None = None  # set for a sentence above MAX_GRADE
    word: str | None = None  # set for a jargon word

    def message(self) -> str:
        """Say what is wrong and what to do, quoting the sentence."""
        if self.word is not None:
            plain = JARGON[self.word.lower()]
            return (f"`{self.word}` is a clinical word many readers do not know; say it in everyday words, "
                    f"such as \"{plain}\": \"{self.sentence}\"")
        return (f"reads at school grade {self.grade:.1f} (aim for {MAX_GRADE:.0f} or below); use shorter "
                f"sentences and everyday words: \"{self.sentence}\"")


@functools.lru_cache(maxsize=1 << 16)
def syllables(word: str) -> int:
    """Estimate the syllables of one word (kept: a guide repeats its words, a few thousand in all)."""
    if any(char.isdigit() for char in word):
        return max(1, len(re.findall(r"\d+", word)))
    total = 0
    for part in re.split(r"[-’']", word.lower()):
        part = re.sub(r"[^a-z]", "", part)
        if not part:
            continue
        if len(part) <= 3:
            total += 1
            continue
        part = re.sub(r"(?:[^laeiouy]es|[^laeiouy]ed|[^laeiouy]e)$", "", part)
        part = re.sub(r"^y", "", part)
        total += max(1, len(re.findall(r"[aeiouy]{1,2}", part)))
    return max(1, total)


def sentences(text: str) -> list[str]:
    """Split text into sentences at full stops, question and exclamation marks."""
    flat = " ".join(text.split())
    parts = re.split(r"(?<=[.!?])\s+(?=[^a-z])", flat)
    return [part for part in (p.strip() for p in parts) if part]


def grade(sentence: str) -> float:
    """Return the Flesch-Kincaid grade of one sentence."""
    words = _WORD.findall(sentence)
    if not words:
        return 0.0
    total = sum(syllables(word) for word in words)
    return 0.39 * len(words) + 11.8 * total / len(words) - 15.59


@functools.lru_cache(maxsize=65536)
def check_text(text: str) -> tuple[Finding, ...]:
    """Return every sentence above MAX_GRADE and every jargon word in `text`.

    Kept per text: the live preview checks every text of the library again after each save.
    """
    found = []
    for sentence in sentences(text):
        for match in _JARGON.finditer(sentence):
            found.append(Finding(sentence, word=match.group(1)))
        if len(_WORD.findall(sentence)) >= MIN_WORDS:
            level = grade(sentence)
            if level > MAX_GRADE:
                found.append(Finding(sentence, grade=level))
    return tuple(found)
