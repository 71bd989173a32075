"""Colour arithmetic shared by the renderers: WCAG contrast and readable variants of brand colours."""

from __future__ import annotations

#: WCAG 2.2 AA contrast for normal text.
TEXT_CONTRAST = 4.5


def _rgb(colour: str) -> tuple[int, int, int]:
    value = colour.lstrip("#")
    return int(value[0:2], 16), int(value[2:4], 16), int(value[4:6], 16)


def luminance(colour: str) -> float:
    """Return the WCAG relative luminance of a #rrggbb colour."""
    def channel(c: int) -> float:
        s = c / 255
        return s / 12.92 if s <= 0.03928 else ((s + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(c) for c in _rgb(colour))
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a: str, b: str) -> float:
    """Return the WCAG contrast ratio of two #rrggbb colours."""
    high, low = sorted((luminance(a), luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def mix(a: str, b: str, share: float) -> str:
    """Return `a` moved `share` (0-1) of the way towards `b`."""
    return "#" + "".join(f"{round(x + (y - x) * share):02x}" for x, y in zip(_rgb(a), _rgb(b), strict=True))


def readable(colour: str, background: str, minimum: float = TEXT_CONTRAST) -> str:
    """Return `colour`, darkened or lightened just enough to be readable as text on `background`."""
    towards = "#000000" if luminance(background) > 0.5 else "#ffffff"
    for step in range(21):
        candidate = mix(colour, towards, step / 20)
        if contrast(candidate, background) >= minimum:
            return candidate
    return towards
