"""Interface words in the reader's language: gettext catalogues kept in the theme, through Babel.

The catalogues are `theme/locale/<lang>/LC_MESSAGES/messages.po`, compiled when a build reads
them (no .mo file is kept), so a clinic's `--theme` folder can add a language or change a word.
A message a catalogue lacks, or leaves empty, is shown in English: the message id itself.

Why a context variable: the words are asked for deep inside models (a dose line, a precaution)
and templates; the language being rendered is set once around each language's outputs
(`activate`), as Django and Flask-Babel do.
"""

from __future__ import annotations

import contextlib
import contextvars
import dataclasses
import datetime
import functools
import gettext as _gettext
import io
import re
from collections.abc import Iterator
from pathlib import Path

import babel
from babel.dates import format_date
from babel.messages.mofile import write_mo
from babel.messages.pofile import PoFileError, read_po
from babel.numbers import format_decimal

from .problems import ContentError, Problem

#: Where a theme keeps its catalogues, and the gettext domain.
LOCALE_DIR = "locale"
DOMAIN = "messages"
#: The language every message id is written in.
SOURCE_LANGUAGE = "en"


@dataclasses.dataclass(frozen=True)
class Language:
    """One language of the outputs: its BCP 47 tag, its compiled catalogue and its Babel locale."""

    tag: str
    translations: _gettext.NullTranslations
    locale: babel.Locale

    @property
    def direction(self) -> str:
        """Which way its text runs: "ltr" or "rtl"."""
        return "rtl" if self.locale.character_order == "right-to-left" else "ltr"


def locale_of(tag: str) -> babel.Locale:
    """Return the Babel locale of a BCP 47 tag, or of its base language, else English."""
    for candidate in (tag, tag.split("-")[0]):
        try:
            return babel.Locale.parse(candidate, sep="-")
        except (ValueError, babel.UnknownLocaleError):
            continue
    return babel.Locale.parse(SOURCE_LANGUAGE)


def catalogue_path(theme_dir: Path, tag: str) -> Path | None:
    """Return the catalogue for `tag` (en-GB: en_GB, en-GB, then en), or None when the theme has none."""
    base = theme_dir / LOCALE_DIR
    for name in (tag.replace("-", "_"), tag, tag.split("-")[0]):
        path = base / name / "LC_MESSAGES" / f"{DOMAIN}.po"
        if path.is_file():
            return path
    return None


def load_language(theme_dir: Path, tag: str) -> Language:
    """Compile the catalogue of `tag` from the theme; raise ContentError naming the line of a broken one."""
    path = catalogue_path(theme_dir, tag)
    if path is None:
        return Language(tag, _gettext.NullTranslations(), locale_of(tag))
    return Language(tag, _compile(path, path.stat().st_mtime_ns, path.stat().st_size), locale_of(tag))


@functools.lru_cache(maxsize=32)
def _compile(path: Path, _mtime: int, _size: int) -> _gettext.NullTranslations:
    """Compile one .po file into translations in memory (cached while the file is unchanged)."""
    try:
        with path.open("rb") as handle:
            catalogue = read_po(handle, abort_invalid=True)
    except PoFileError as exc:
        line = int(getattr(exc, "lineno", 0) or 0) + 1  # Babel counts lines from 0
        what = re.sub(r" on \d+$", "", str(exc))
        raise ContentError([Problem(path, line, 1, "", f"catalogue: {what}; write each message as "
                                    '`msgid "..."` then `msgstr "..."`, quoted')]) from None
    data = io.BytesIO()
    write_mo(data, catalogue, use_fuzzy=False)  # only finished translations; the rest stay English
    data.seek(0)
    return _gettext.GNUTranslations(data)


_ENGLISH = Language(SOURCE_LANGUAGE, _gettext.NullTranslations(), babel.Locale.parse(SOURCE_LANGUAGE))
_current: contextvars.ContextVar[Language] = contextvars.ContextVar("stretchguide_language", default=_ENGLISH)


@contextlib.contextmanager
def activate(language: Language) -> Iterator[Language]:
    """Render in `language` inside the block: every message and number is in its words."""
    token = _current.set(language)
    try:
        yield language
    finally:
        _current.reset(token)


def current() -> Language:
    """Return the language being rendered."""
    return _current.get()


def gettext(message: str) -> str:
    """Return `message` in the current language (English when the catalogue lacks it)."""
    return _current.get().translations.gettext(message)


def ngettext(singular: str, plural: str, number: int) -> str:
    """Return the form of a message that agrees with `number`, by the language's plural rules."""
    return _current.get().translations.ngettext(singular, plural, number)


def pgettext(context: str, message: str) -> str:
    """Return `message` as meant in `context` (the same English word may need two translations)."""
    return _current.get().translations.pgettext(context, message)


def npgettext(context: str, singular: str, plural: str, number: int) -> str:
    """Return the plural form of a message as meant in `context`."""
    return _current.get().translations.npgettext(context, singular, plural, number)


def N_(message: str) -> str:
    """Mark a message for the catalogue where it is defined; translate it where it is shown."""
    return message


_ = gettext


def number(value: float) -> str:
    """Format a number as the current language writes it (decimal comma, grouping)."""
    return format_decimal(value, locale=_current.get().locale)


def span(low: float, high: float) -> str:
    """Format a range of numbers, "15–30"; one number when both ends are the same."""
    if low == high:
        return number(low)
    # Translators: a range of numbers; English and Spanish both use an en dash without spaces.
    return gettext("{low}–{high}").format(low=number(low), high=number(high))


def language_name(tag: str) -> str:
    """Return the name of a language in the current language: "inglés" for en, read in Spanish."""
    return locale_of(tag).get_display_name(_current.get().locale) or tag


def long_date(day: datetime.date) -> str:
    """Format a date in full as the current language writes it: "30 November 2026"."""
    # Translators: a date pattern in Unicode (CLDR) notation: d day, MMMM month name, y year;
    # text in 'single quotes' is kept as it is, as in "d 'de' MMMM 'de' y".
    pattern = gettext("d MMMM y")
    return format_date(day, format=pattern, locale=_current.get().locale)
