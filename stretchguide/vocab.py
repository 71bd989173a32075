"""Controlled vocabularies: the one place that lists the words content may use.

Why: index pages, filters and "did you mean" suggestions all need the same
lists; keeping them here means adding a body area is a one-line change.
"""

from __future__ import annotations

import difflib
from typing import Literal, get_args

from .i18n import N_, gettext

TargetArea = Literal[
    "lower-back",
    "upper-back",
    "spine",
    "hips",
    "hip-flexors",
    "glutes",
    "hamstrings",
    "quadriceps",
    "groin",
    "calves",
    "shoulders",
    "chest",
    "neck",
]

Position = Literal[
    "standing",
    "kneeling",
    "half-kneeling",
    "hands-and-knees",
    "seated",
    "lying-on-back",
    "lying-on-front",
    "side-lying",
]

Difficulty = Literal["gentle", "moderate", "challenging"]

CardSize = Literal["A6", "4x6in"]

Precaution = Literal[
    "osteoporosis",
    "hip-replacement",
    "knee-problems",
    "pregnancy-lying-on-back",
    "pregnancy-pelvic-pain",
    "pregnancy-belly",
    "recent-surgery",
]

TARGET_AREAS: tuple[str, ...] = get_args(TargetArea)
POSITIONS: tuple[str, ...] = get_args(Position)
DIFFICULTIES: tuple[str, ...] = get_args(Difficulty)
CARD_SIZES: tuple[str, ...] = get_args(CardSize)
PRECAUTIONS: tuple[str, ...] = get_args(Precaution)

#: What each precaution says, word for word the same on every stretch that lists it.
#: Why fixed here: a clinic's reviewer signs one wording, and it cannot drift between stretches.
PRECAUTION_TEXT: dict[str, str] = {
    "osteoporosis": N_("Osteoporosis or a broken bone in your spine: bend forward gently and not too far. Do not "
    "repeat it many times, and ask your doctor or physio first."),
    "hip-replacement": N_("A hip replacement: unless your surgeon says you may, do not bend the hip past a right "
    "angle. Do not cross your legs or turn the leg in."),
    "knee-problems": N_("Knees that hurt to kneel or bend deeply, even with padding: choose another stretch."),
    "pregnancy-lying-on-back": N_("Pregnancy after about 16 weeks: do not lie flat on your back for long."),
    "pregnancy-pelvic-pain": N_("Pregnancy with pelvic pain: take care with deep hip positions and keep the "
    "stretch small."),
    "pregnancy-belly": N_("Pregnancy: keep the arch small and do not let your belly sag hard."),
    "recent-surgery": N_("Recent surgery or injury to your back, hips or knees: ask a doctor or physio first."),
}

#: Words in free safety text that mean a precaution of the vocabulary is being written out by hand.
PRECAUTION_HINTS: dict[str, str] = {
    r"osteopor|spinal fracture|broken (?:bone|vertebra)": "osteoporosis",
    r"hip replacement|replaced hip": "hip-replacement",
    r"pregnan|midwife": "pregnancy-lying-on-back, pregnancy-pelvic-pain or pregnancy-belly",
    r"\bsurgery\b|\boperation\b": "recent-surgery",
    r"knee problems|knees? (?:that )?hurts?\b": "knee-problems",
}

LABELS: dict[str, str] = {
    "lower-back": N_("Lower back"),
    "upper-back": N_("Upper back"),
    "spine": N_("Spine"),
    "hips": N_("Hips"),
    "hip-flexors": N_("Hip flexors"),
    "glutes": N_("Buttocks (glutes)"),
    "hamstrings": N_("Back of the thighs (hamstrings)"),
    "quadriceps": N_("Front of the thighs (quadriceps)"),
    "groin": N_("Inner thighs (groin)"),
    "calves": N_("Calves"),
    "shoulders": N_("Shoulders"),
    "chest": N_("Chest"),
    "neck": N_("Neck"),
    "standing": N_("Standing"),
    "kneeling": N_("Kneeling"),
    "half-kneeling": N_("Half-kneeling"),
    "hands-and-knees": N_("On hands and knees"),
    "seated": N_("Seated"),
    "lying-on-back": N_("Lying on the back"),
    "lying-on-front": N_("Lying on the front"),
    "side-lying": N_("Lying on one side"),
    "gentle": N_("Gentle"),
    "moderate": N_("Moderate"),
    "challenging": N_("Challenging"),
}


def label(word: str) -> str:
    """Return the reader-facing label of a vocabulary word."""
    return gettext(LABELS.get(word, word.replace("-", " ").capitalize()))


def suggest(word: object, choices: tuple[str, ...] | list[str]) -> str | None:
    """Return the closest valid word to `word`, or None when nothing is close."""
    if not isinstance(word, str):
        return None
    # Why compare lowercase with lowercase: "Hip-Replacement" is close to `hip-replacement`, and a
    # choice written in capitals (a key such as `A6`) is close to "a6"; the choice is returned as written.
    lowered = {choice.lower(): choice for choice in reversed(list(choices))}
    matches = difflib.get_close_matches(word.lower().strip(), list(lowered), n=1, cutoff=0.6)
    return lowered[matches[0]] if matches else None
