"""The template environment: a typo fails loudly, content text is escaped for HTML and for Markdown."""

from __future__ import annotations

import json
from pathlib import Path

import jinja2
import markdown
import pytest

from stretchguide.templates import json_script, make_env, md_text, paragraphs, template_problem

HOSTILE = '<script>alert("x")</script> Tom & Jerry\'s'


def theme_with(tmp_path: Path, **templates: str) -> Path:
    """Write a theme folder holding the given templates (name with `_` for `.`)."""
    theme = tmp_path / "theme"
    for name, text in templates.items():
        path = theme / name.replace("_", ".")
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return theme


def test_a_typo_in_a_template_fails_instead_of_printing_nothing(tmp_path: Path) -> None:
    theme = theme_with(tmp_path, page_md="# {{ stretch.title }}\n\nBy {{ stretch.titel }}\n")
    template = make_env(theme).get_template("page.md")
    with pytest.raises(jinja2.UndefinedError, match="titel"):
        template.render(stretch={"title": "Pigeon"})
    with pytest.raises(jinja2.UndefinedError, match="clinic"):
        make_env(theme).from_string("{{ clinic }}").render()


def test_a_template_error_names_the_template_and_line(tmp_path: Path) -> None:
    theme = theme_with(tmp_path, page_md="# {{ stretch.title }}\n\nBy {{ stretch.titel }}\n")
    with pytest.raises(jinja2.UndefinedError) as caught:
        make_env(theme).get_template("page.md").render(stretch={"title": "Pigeon"})
    problem = template_problem(caught.value, theme)
    assert (problem.path.name, problem.line) == ("page.md", 3)
    assert "titel" in problem.message and not problem.is_warning


@pytest.mark.parametrize("name", ["page.html", "page.md", "data.xml", "figure.svg"])
def test_content_text_is_escaped_in_every_kind_of_template(tmp_path: Path, name: str) -> None:
    theme = theme_with(tmp_path, **{name.replace(".", "_"): "<p>{{ title }}</p>"})
    out = make_env(theme).get_template(name).render(title=HOSTILE)
    assert "<script>" not in out and "&lt;script&gt;" in out and "&amp; Jerry" in out
    assert make_env(theme).from_string("{{ title }}").render(title=HOSTILE).startswith("&lt;script&gt;")


def test_md_text_keeps_markdown_syntax_as_text() -> None:
    text = "*bold* _em_ [link](javascript:alert(1)) `code` # not a heading <b>raw</b>\n\n- not a list"
    html = markdown.markdown(str(md_text(text)))
    assert "<em>" not in html and "<strong>" not in html and "<a " not in html and "<code>" not in html
    assert "<b>" not in html and "<ul>" not in html and "<h1>" not in html
    assert "*bold*" in html and "[link](javascript:alert(1))" in html and "&lt;b&gt;raw&lt;/b&gt;" in html


def test_md_text_is_not_escaped_twice(tmp_path: Path) -> None:
    out = make_env(tmp_path).from_string("{{ t | md_text }}").render(t="Hip & thigh")
    assert out == "Hip &amp; thigh"


def test_json_script_cannot_end_its_script_element() -> None:
    value = {"title": HOSTILE, "note": "</script><!-- \u2028"}
    text = str(json_script(value))
    assert "</" not in text and "<!--" not in text and "\u2028" not in text
    assert json.loads(text) == value


def test_paragraphs_split_at_blank_lines_and_escape() -> None:
    assert str(paragraphs("First  line\ncontinues.\n\n\nSecond <b>one</b>.")) == (
        "<p>First line continues.</p>\n<p>Second &lt;b&gt;one&lt;/b&gt;.</p>")
    assert str(paragraphs("")) == ""


def test_the_filters_templates_use_are_there(tmp_path: Path) -> None:
    env = make_env(tmp_path)
    out = env.from_string("{{ 'hip-flexors' | label }} / {{ (100, 200) | minutes }} / {{ 90 | iso_duration }}").render()
    assert out == "Hip flexors / about 2–4 min / PT1M30S"
