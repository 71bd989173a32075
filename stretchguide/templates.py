"""The one Jinja environment every renderer uses, over the templates in `theme/`."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jinja2
import markupsafe

from . import vocab
from .models import format_minutes, iso_duration

THEME_DIR = Path(__file__).resolve().parent.parent / "theme"


def make_env(theme_dir: Path = THEME_DIR) -> jinja2.Environment:
    """Create the environment: strict about undefined names, escaping HTML and XML."""
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(theme_dir)),
        undefined=jinja2.StrictUndefined,
        autoescape=jinja2.select_autoescape(["html", "xml", "svg", "md"], default_for_string=True),
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["label"] = vocab.label
    env.filters["minutes"] = format_minutes
    env.filters["iso_duration"] = iso_duration
    env.filters["json_script"] = json_script
    env.filters["paragraphs"] = paragraphs
    env.filters["md_text"] = md_text
    return env


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
