"""Problems found in content: one GCC-style line each, collected and reported together."""

from __future__ import annotations

import dataclasses
import os
import sys
from collections.abc import Iterable
from pathlib import Path

#: Warning codes and what they mean; `--strict` turns every one into an error.
WARNINGS: dict[str, str] = {
    "W001": "a stretch has no review record",
    "W002": "the guide has no site_url, so QR codes and oEmbed discovery are left out",
    "W003": "a stretch has no figure",
    "W004": "a review is more than two years old",
    "W005": "WeasyPrint reported a problem while rendering",
    "W006": "a sentence of safety-critical text reads above school grade 8",
    "W007": "safety-critical text uses a clinical word many readers do not know",
    "W008": "safety text writes out by hand a precaution of the fixed list",
    "W009": "safety text relies on padding that the equipment does not name",
    "W010": "the red flags have no emergency group",
    "W012": "a language has no translation of a guide, stretch or routine file",
    "W013": "a translation is out of date: its source text changed since it was made",
}


def command() -> str:
    """Return the command a hint tells the reader to run: the one they typed.

    In a checkout that is `build.py`; installed from the wheel, where no build.py exists, it is
    `stretchguide` (also for `python -m stretchguide` and the library used from Python).
    """
    return "build.py" if Path(sys.argv[0]).name == "build.py" else "stretchguide"


class ContentError(Exception):
    """Content cannot be built; carries the problems that say why."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__(f"{len(problems)} problem(s)")
        self.problems = problems


@dataclasses.dataclass(frozen=True, order=True)
class Problem:
    """One thing wrong with one place in one file."""

    path: Path
    line: int
    col: int
    key: str
    message: str
    code: str | None = None  # a warning code such as "W001"; None for errors

    @property
    def is_warning(self) -> bool:
        """Whether this is a warning rather than an error."""
        return self.code is not None

    def format(self, relative_to: Path | None = None) -> str:
        """Render as `path:line:col: key.path: message`."""
        where = display_path(self.path, relative_to)
        key = f"{self.key}: " if self.key else ""
        kind = f"warning {self.code}: " if self.code else ""
        return f"{where}:{self.line}:{self.col}: {key}{kind}{self.message}"


def display_path(path: Path, relative_to: Path | None = None) -> str:
    """Show a path relative to the working folder when it lies inside it."""
    base = relative_to or Path.cwd()
    if not path.is_absolute():
        return path.as_posix()
    relative = os.path.relpath(path, base)
    return path.as_posix() if relative.startswith("..") else Path(relative).as_posix()


def join_key(loc: Iterable[str | int]) -> str:
    """Join a location into a dotted key path: ("steps", 2) -> "steps[2]"."""
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out


def errors_of(problems: Iterable[Problem], strict: bool) -> list[Problem]:
    """Return the problems that stop a build: errors, and warnings too under --strict."""
    return [p for p in problems if strict or not p.is_warning]
