"""A MkDocs plugin that keeps the theme's compiled templates between builds, and frees each page's Markdown.

Why the templates: MkDocs makes a new Jinja environment for every build and compiles Material's
templates again, about half of a small guide's site stage, once per language. Jinja's own bytecode
cache keeps the compiled templates on disk, checked against each template's source, so a changed
template is compiled again and nothing stale is used.

Why the Markdown: MkDocs turns every page into HTML before it renders the first one, and keeps
each page's Markdown source beside its HTML to the end of the build. Once a page is HTML nothing
reads its Markdown again; a stretch page's source (its figure inline) is about 75 KB in memory,
75 MB at 1,000 stretches.

The site stage adds this plugin to the generated config for MkDocs only, with a folder in the
build's cache.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import jinja2
from mkdocs.config import config_options
from mkdocs.config.base import Config
from mkdocs.plugins import BasePlugin

from .templates import compiled_cache


class _Options(Config):
    folder = config_options.Type(str)


class TemplateCache(BasePlugin[_Options]):
    """Give MkDocs' Jinja environment a bytecode cache in `folder`."""

    def on_env(self, env: jinja2.Environment, /, *, config: Any, files: Any) -> jinja2.Environment:
        env.bytecode_cache = compiled_cache(Path(self.config.folder))
        return env

    def on_page_content(self, html: str, /, *, page: Any, config: Any, files: Any) -> str:
        # Why empty, not None: MkDocs reads a page without Markdown as not read yet, and gives it no title.
        page.markdown = ""
        return html
