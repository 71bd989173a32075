"""The one Jinja environment every renderer uses, over the templates in `theme/`."""

from __future__ import annotations

import json
import re
import traceback
from pathlib import Path
from typing import Any

import jinja2
import markupsafe

from . import i18n, resources, vocab
from .models import format_minutes, iso_duration
from .problems import Problem
from .resources import THEME_DIR

#: What every output of a --draft build says, on every page, card and embed (translated where shown).
DRAFT_MARK = i18n.N_("Draft: not for patients")


def make_env(theme_dir: Path = THEME_DIR, draft: bool = False, cache_dir: Path | None = None) -> jinja2.Environment:
    """Create the environment: strict about undefined names, escaping HTML and XML.

    `draft` (with the words to show, `draft_mark`) is a global every template can read. Words
    are `_("...")` and `ngettext(...)` (Jinja's i18n extension, new style), in the language
    set by `i18n.activate`; `number` and `span` format numbers as that language does. With a
    `cache_dir`, compiled templates are kept there (Jinja checks each against its source).
    """
    env = jinja2.Environment(
        bytecode_cache=compiled_cache(cache_dir / "templates" / "theme") if cache_dir else None,
        loader=jinja2.FileSystemLoader(str(theme_dir)),
        extensions=["jinja2.ext.i18n"],
        undefined=jinja2.StrictUndefined,
        autoescape=jinja2.select_autoescape(["html", "xml", "svg", "md"], default_for_string=True),
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.install_gettext_callables(  # type: ignore[attr-defined]
        i18n.gettext, i18n.ngettext, newstyle=True, pgettext=i18n.pgettext, npgettext=i18n.npgettext)
    env.globals["draft"] = draft
    env.globals["draft_mark"] = DRAFT_MARK
    env.globals["language"] = i18n.current
    env.globals["language_name"] = i18n.language_name
    env.filters["label"] = vocab.label
    env.filters["minutes"] = format_minutes
    env.filters["iso_duration"] = iso_duration
    env.filters["json_script"] = json_script
    env.filters["paragraphs"] = paragraphs
    env.filters["md_text"] = md_text
    env.filters["number"] = i18n.number
    env.filters["span"] = lambda pair: i18n.span(*pair)
    env.filters["long_date"] = i18n.long_date
    env.filters["translate"] = i18n.gettext  # for words marked with N_() where they are defined
    return env


def compiled_cache(folder: Path) -> jinja2.BytecodeCache | None:
    """Return a cache of compiled templates in `folder`, or None when the folder cannot be made.

    Jinja checks each compiled template against its source, so an edited template is compiled
    again; a cache that cannot be written only costs time.
    """
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError:
        return None
    return jinja2.FileSystemBytecodeCache(str(folder))


def json_script(value: Any) -> markupsafe.Markup:
    """Serialise `value` as JSON that is safe inside a <script> element."""
    text = json.dumps(value, ensure_ascii=False, sort_keys=True, indent=None)
    for char, escape in (("<", "\\u003c"), (">", "\\u003e"), ("&", "\\u0026"),
                         ("\u2028", "\\u2028"), ("\u2029", "\\u2029")):
        text = text.replace(char, escape)
    return markupsafe.Markup(text)


def paragraphs(text: str) -> markupsafe.Markup:
    """Escape plain text and split it into <p> elements at blank lines."""
    parts = [p.strip() for p in str(text).split("\n\n") if p.strip()]
    return markupsafe.Markup("\n").join(
        markupsafe.Markup("<p>{}</p>").format(" ".join(p.split())) for p in parts)


def md_text(text: str) -> markupsafe.Markup:
    """Make plain text safe inside Markdown: backslash-escape Markdown syntax, then HTML-escape."""
    flat = " ".join(str(text).split())
    marked = "".join("\\" + char if char in "\\`*_{}[]()#+!|~" else char for char in flat)
    return markupsafe.Markup(markupsafe.escape(marked))


def template_problem(exc: jinja2.TemplateError, theme_dir: Path, overrides: Path | None = None) -> Problem:
    """Return a template error as a problem at the template's file and line.

    Why from the traceback: Jinja gives template frames the template's file name and line.
    An undefined name fails where it is used, which may be a partial it was passed to; the
    typo is on the innermost template line that spells the name, else the innermost line.
    """
    message = re.sub(r"'[\w.]+\.(\w+) object'", r"'\1'", str(getattr(exc, "message", None) or exc))
    where: tuple[str, int] | None = None
    if isinstance(exc, jinja2.TemplateSyntaxError) and exc.filename:
        where = (exc.filename, exc.lineno)
    else:
        frames = [frame for frame in traceback.extract_tb(exc.__traceback__)
                  if not frame.filename.endswith(".py") and frame.lineno]
        named = re.search(r"attribute '([^']+)'|'([^']+)' is undefined", message)
        spelled = [frame for frame in frames if named and (named[1] or named[2]) in (frame.line or "")]
        if spelled or frames:
            frame = (spelled or frames)[-1]
            where = (frame.filename, frame.lineno or 1)
    message = f"template error: {message.rstrip('.')}; fix the template"
    if where is None:
        return Problem(theme_dir, 1, 1, "", message)
    path = resources.theme_source(theme_dir, Path(where[0]), overrides)
    return Problem(path, where[1], 1, "", message)
