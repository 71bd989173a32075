"""Embed pages, oEmbed files, the JSON API and host headers, checked without a browser."""

from __future__ import annotations

import html.parser
import json
import re
from pathlib import Path

import pytest

from stretchguide import figures
from stretchguide.embeds import render_embeds
from stretchguide.loader import PLACEHOLDER
from stretchguide.models import BuildOptions, Library, RenderContext, Stretch
from stretchguide.pipeline import load_checked
from stretchguide.scaffold import new, schema_texts
from stretchguide.templates import THEME_DIR, make_env
from tests.conftest import CONTENT

SITE_URL = "https://clinic.example.org/guide/"
NASTY_TITLE = "<script>alert(1)</script> Tom & Jerry's \"stretch\""


def render(content: Path, out: Path, site_url: str | None = SITE_URL) -> Library:
    """Render only the embeds of `content` into `out`; return the library.

    A guide made by `new guide` still has placeholder text: accept it, as a draft build does.
    """
    library, _warnings = load_checked(content, draft=True)
    options = BuildOptions(content_dir=content, out_dir=out, theme_dir=THEME_DIR, docs_dir=Path("docs"),
                           mkdocs_config=Path("mkdocs.yml"), site_url=site_url)
    context = RenderContext(library, figures.draw_figures(library), options, make_env(THEME_DIR))
    out.mkdir(parents=True, exist_ok=True)
    assert render_embeds(context, out) == []
    return library


@pytest.fixture(scope="module")
def embeds(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Library]:
    out = tmp_path_factory.mktemp("embeds") / "site"
    return out, render(CONTENT, out)


def scaffold_guide(content: Path) -> None:
    """A new guide folder with its placeholders written, as a clinic would leave it."""
    new("guide", str(content), content)
    for path in content.rglob("*.yml"):
        path.write_text(path.read_text(encoding="utf-8").replace(PLACEHOLDER + " ", ""), encoding="utf-8")


@pytest.fixture(scope="module")
def nasty(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Library]:
    """A guide whose stretch title is made of markup and quotes."""
    content = tmp_path_factory.mktemp("nasty") / "content"
    scaffold_guide(content)
    stretch = content / "stretches" / "example-stretch.yml"
    text = stretch.read_text(encoding="utf-8")
    stretch.write_text(re.sub(r"(?m)^title: .*$", "title: " + json.dumps(NASTY_TITLE), text), encoding="utf-8")
    out = content.parent / "site"
    return out, render(content, out)


class _Tags(html.parser.HTMLParser):
    """Collect every start tag with its attributes."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def tags_of(markup: str) -> _Tags:
    parser = _Tags()
    parser.feed(markup)
    return parser


def test_every_stretch_and_routine_gets_a_page_oembed_and_json(embeds: tuple[Path, Library]) -> None:
    out, library = embeds
    assert library.stretches and library.routines
    for item_id in [*library.stretches, *library.routines]:
        assert (out / "embed" / item_id / "index.html").is_file()
        assert (out / "embed" / item_id / "oembed.json").is_file()
    for sid in library.stretches:
        assert (out / "api" / "stretches" / f"{sid}.json").is_file()
    for rid in library.routines:
        assert (out / "api" / "routines" / f"{rid}.json").is_file()
    for name in ("embed.js", "frame.js", "stretch-card.js", "embed.css", "fonts.css"):
        assert (out / "embed" / name).is_file()
    assert not (out / "embed" / "index.html").exists(), "embed/ belongs to the site's 'Embed on your site' page"


def test_embed_pages_work_under_a_strict_csp(embeds: tuple[Path, Library]) -> None:
    out, library = embeds
    for item_id in [*library.stretches, *library.routines]:
        page = (out / "embed" / item_id / "index.html").read_text(encoding="utf-8")
        tags = tags_of(page).tags
        scripts = [attrs for tag, attrs in tags if tag == "script"]
        assert scripts and all(attrs.get("src") for attrs in scripts), "inline script"
        assert not [(tag, name) for tag, attrs in tags for name in attrs if name.startswith("on")]
        assert not [tag for tag, _attrs in tags if tag == "style"]
        assert not [tag for tag, attrs in tags if "style" in attrs]
        # Everything the page loads comes from its own folder tree; only links go to full pages.
        loads = [attrs.get("src") or attrs.get("href") or "" for tag, attrs in tags
                 if tag in ("script", "img", "iframe") or (tag == "link" and attrs.get("rel") == "stylesheet")]
        assert loads and all(url.startswith("../") for url in loads), loads
        csp = next(attrs["content"] for tag, attrs in tags
                   if tag == "meta" and attrs.get("http-equiv") == "Content-Security-Policy")
        assert "script-src 'self'" in (csp or "") and "default-src 'none'" in (csp or "")
        assert not re.search(r"(?i)(document\.cookie|localStorage|sessionStorage)", page)
        assert [tag for tag, _attrs in tags if tag == "nav"] == []


def test_embed_page_shows_the_dose_steps_and_safety_through_the_shared_macros(embeds: tuple[Path, Library]) -> None:
    out, library = embeds
    for sid, stretch in library.stretches.items():
        page = (out / "embed" / sid / "index.html").read_text(encoding="utf-8")
        text = " ".join(" ".join(tags_of(page).text).split())
        assert f"Dose: {stretch.dose_line()}" in text
        for step in stretch.steps + stretch.safety.stop_if:
            assert " ".join(step.split()) in text
        link = next(attrs for tag, attrs in tags_of(page).tags
                    if tag == "a" and "sg-embed__link" in (attrs.get("class") or ""))
        assert link["href"] == f"{SITE_URL}stretches/{sid}/"
        assert link["target"] == "_top"
    for rid, routine in library.routines.items():
        page = (out / "embed" / rid / "index.html").read_text(encoding="utf-8")
        text = " ".join(" ".join(tags_of(page).text).split())
        for item in library.steps(routine):
            assert f"Dose: {item.dose_line()}" in text


def test_alternative_is_a_link_in_the_embed_and_named_in_the_json(embeds: tuple[Path, Library]) -> None:
    out, _library = embeds
    page = (out / "embed" / "pigeon" / "index.html").read_text(encoding="utf-8")
    links = [attrs for tag, attrs in tags_of(page).tags if tag == "a"]
    assert {"href": f"{SITE_URL}stretches/figure-four/", "target": "_top"} in links
    assert "Reclined figure-four</a> instead if your knees or hips object" in page
    data = json.loads((out / "api" / "stretches" / "pigeon.json").read_text(encoding="utf-8"))
    assert data["alternative"]["title"] == "Reclined figure-four"
    assert data["alternative"]["links"]["page_url"] == f"{SITE_URL}stretches/figure-four/"
    plain = json.loads((out / "api" / "stretches" / "cat-cow.json").read_text(encoding="utf-8"))
    assert plain["alternative"] is None
    routine = json.loads((out / "api" / "routines" / "lower-back-basics.json").read_text(encoding="utf-8"))
    assert [step["alternative"]["id"] for step in routine["steps"] if step["alternative"]] == ["figure-four"]


def test_precautions_show_in_the_same_words_in_embed_and_json(embeds: tuple[Path, Library]) -> None:
    out, library = embeds
    for sid, stretch in library.stretches.items():
        page = (out / "embed" / sid / "index.html").read_text(encoding="utf-8")
        text = " ".join(" ".join(tags_of(page).text).split())
        data = json.loads((out / "api" / "stretches" / f"{sid}.json").read_text(encoding="utf-8"))
        assert [item["text"] for item in data["precautions"]] == stretch.safety.precaution_texts()
        for words in stretch.safety.precaution_texts():
            assert words in text, sid
        assert ("Take care if" in text) == bool(stretch.safety.precautions)


def test_every_embed_links_to_the_warning_signs(embeds: tuple[Path, Library]) -> None:
    out, library = embeds
    for item_id in [*library.stretches, *library.routines]:
        page = (out / "embed" / item_id / "index.html").read_text(encoding="utf-8")
        links = [attrs for tag, attrs in tags_of(page).tags if tag == "a"]
        assert {"href": f"{SITE_URL}before-you-start/#warning-signs", "target": "_top"} in links, item_id
        assert "In an emergency, call 999." in page
    data = json.loads((out / "api" / "stretches" / "cat-cow.json").read_text(encoding="utf-8"))
    assert data["guide"]["warning_signs_url"] == f"{SITE_URL}before-you-start/#warning-signs"
    assert data["guide"]["emergency_number"] == "999"


def test_a_review_names_the_reviewer_with_role_and_registration(content_copy: Path, tmp_path: Path) -> None:
    with open(content_copy / "stretches" / "cat-cow.yml", "a", encoding="utf-8") as out:
        out.write("review:\n  by: A. Patel\n  role: Physiotherapist\n  registration: HCPC PH123456\n"
                  "  on: 2025-05-01\n")
    render(content_copy, tmp_path / "site")
    page = (tmp_path / "site" / "embed" / "cat-cow" / "index.html").read_text(encoding="utf-8")
    assert ('Reviewed by A. Patel (Physiotherapist, HCPC PH123456) on <time datetime="2025-05-01">1 May 2025'
            in page)
    other = (tmp_path / "site" / "embed" / "pigeon" / "index.html").read_text(encoding="utf-8")
    assert "Not yet reviewed by a clinician." in other
    data = json.loads((tmp_path / "site" / "api" / "stretches" / "cat-cow.json").read_text(encoding="utf-8"))
    assert data["stretch"]["review"] == {"by": "A. Patel", "role": "Physiotherapist",
                                         "registration": "HCPC PH123456", "on": "2025-05-01"}


def test_a_clinic_dose_reads_the_same_in_embed_and_json(clinic_content: Path, tmp_path: Path) -> None:
    render(clinic_content, tmp_path / "site")
    line = "8–10 slow repetitions · hold each 5 s · each side, alternating"
    page = (tmp_path / "site" / "embed" / "bird-dog" / "index.html").read_text(encoding="utf-8")
    assert f"Dose:</strong> <span class=\"sg-dose__value\">{line}</span>" in page
    data = json.loads((tmp_path / "site" / "api" / "stretches" / "bird-dog.json").read_text(encoding="utf-8"))
    assert data["dose_line"] == line
    assert data["stretch"]["dose"]["hold_each"] == 5 and data["stretch"]["dose"]["sides"] == "alternate"
    routine = json.loads((tmp_path / "site" / "api" / "routines" / "clinic.json").read_text(encoding="utf-8"))
    assert routine["steps"][0]["dose_line"] == line
    assert routine["steps"][0]["seconds"] == [8 * 2 * 9, 10 * 2 * 9]  # (4 s + 5 s held) a side
    assert routine["routine"]["rest_between_items"] == 30
    assert routine["total_seconds"] == [144 + 30 + 30, 180 + 30 + 60]
    embed = (tmp_path / "site" / "embed" / "clinic" / "index.html").read_text(encoding="utf-8")
    assert "with 30 s between stretches" in embed


def test_oembed_json_embeds_with_absolute_urls(embeds: tuple[Path, Library]) -> None:
    out, library = embeds
    for kind, ids in (("stretches", library.stretches), ("routines", library.routines)):
        for item_id, item in ids.items():
            data = json.loads((out / "embed" / item_id / "oembed.json").read_text(encoding="utf-8"))
            assert {k: data[k] for k in ("version", "type", "width", "provider_url", "title")} == {
                "version": "1.0", "type": "rich", "width": 600, "provider_url": SITE_URL, "title": item.title}
            assert data["provider_name"] == library.guide.branding.clinic_name
            assert 200 <= data["height"] <= 1000
            tags = tags_of(data["html"]).tags
            assert [tag for tag, _attrs in tags] == ["blockquote", "a", "iframe"]
            assert tags[0][1]["class"] == "wp-embedded-content"
            assert tags[1][1]["href"] == f"{SITE_URL}{kind}/{item_id}/"
            iframe = tags[2][1]
            assert iframe["src"] == f"{SITE_URL}embed/{item_id}/"
            assert (iframe["sandbox"], iframe["security"], iframe["width"], iframe["height"]) == (
                "allow-scripts", "restricted", "600", str(data["height"]))
            assert iframe["title"] == item.title
            page = (out / "embed" / item_id / "index.html").read_text(encoding="utf-8")
            assert f'href="{SITE_URL}embed/{item_id}/oembed.json"' in page


def test_text_is_escaped_in_pages_oembed_and_json(nasty: tuple[Path, Library]) -> None:
    out, _library = nasty
    page = (out / "embed" / "example-stretch" / "index.html").read_text(encoding="utf-8")
    assert "<script>alert" not in page
    parsed = tags_of(page)
    assert NASTY_TITLE in parsed.text
    assert [tag for tag, _attrs in parsed.tags].count("script") == 1
    data = json.loads((out / "embed" / "example-stretch" / "oembed.json").read_text(encoding="utf-8"))
    assert data["title"] == NASTY_TITLE
    assert "<script>" not in data["html"]
    tags = tags_of(data["html"]).tags
    assert tags[2][1]["title"] == NASTY_TITLE
    api = json.loads((out / "api" / "stretches" / "example-stretch.json").read_text(encoding="utf-8"))
    assert api["stretch"]["title"] == NASTY_TITLE


def test_without_a_site_url_pages_link_relatively_and_skip_oembed(content_copy: Path, tmp_path: Path) -> None:
    guide = content_copy / "guide.yml"
    guide.write_text(re.sub(r"(?m)^site_url:.*\n", "", guide.read_text(encoding="utf-8")), encoding="utf-8")
    out = tmp_path / "site"
    library = render(content_copy, out, site_url=None)
    sid = sorted(library.stretches)[0]
    assert not list(out.glob("embed/*/oembed.json"))
    page = (out / "embed" / sid / "index.html").read_text(encoding="utf-8")
    assert "json+oembed" not in page and "https://" not in page
    assert f'href="../../stretches/{sid}/"' in page
    api = json.loads((out / "api" / "stretches" / f"{sid}.json").read_text(encoding="utf-8"))
    assert api["links"]["page"] == f"stretches/{sid}/" and "page_url" not in api["links"]


def test_site_url_option_overrides_the_guide(tmp_path: Path) -> None:
    out = tmp_path / "site"
    render(CONTENT, out, site_url="http://127.0.0.3:8123")
    data = json.loads(next(out.glob("embed/*/oembed.json")).read_text(encoding="utf-8"))
    assert data["provider_url"] == "http://127.0.0.3:8123/"
    assert 'src="http://127.0.0.3:8123/embed/' in data["html"]


def test_api_round_trips_into_the_models(embeds: tuple[Path, Library]) -> None:
    out, library = embeds
    index = json.loads((out / "api" / "stretches.json").read_text(encoding="utf-8"))
    assert [item["id"] for item in index["stretches"]] == sorted(library.stretches)
    for item in index["stretches"]:
        stretch = library.stretches[item["id"]]
        assert Stretch.model_validate({**item["stretch"], "id": item["id"]}) == stretch
        assert item["dose_line"] == stretch.dose_line()
        assert item == json.loads((out / "api" / "stretches" / f"{item['id']}.json").read_text(encoding="utf-8"))
    for rid, routine in library.routines.items():
        data = json.loads((out / "api" / "routines" / f"{rid}.json").read_text(encoding="utf-8"))
        assert data["total_seconds"] == list(library.routine_seconds(routine))
        assert [s["stretch"] for s in data["steps"]] == [item.stretch for item in routine.items]
        assert [s["dose_line"] for s in data["steps"]] == [s.dose_line() for s in library.steps(routine)]
        assert data["total_time"].startswith("about ")
    for name, text in schema_texts().items():
        assert (out / "api" / "schema" / name).read_text(encoding="utf-8") == text


def test_output_is_deterministic(embeds: tuple[Path, Library], tmp_path: Path) -> None:
    first, _library = embeds
    second = tmp_path / "again"
    render(CONTENT, second)
    files = sorted(p.relative_to(first) for p in first.rglob("*") if p.is_file())
    assert files == sorted(p.relative_to(second) for p in second.rglob("*") if p.is_file())
    for path in files:
        assert (first / path).read_bytes() == (second / path).read_bytes(), path


def test_headers_let_embeds_be_framed_and_fetched(embeds: tuple[Path, Library]) -> None:
    out, _library = embeds
    rules: dict[str, list[str]] = {}
    pattern = ""
    for line in (out / "_headers").read_text(encoding="utf-8").splitlines():
        if line.startswith("#") or not line.strip():
            continue
        if line[0].isspace():
            rules[pattern].append(line.strip())
        else:
            pattern = line.strip()
            rules[pattern] = []
    assert "Access-Control-Allow-Origin: *" in rules["/embed/*"]
    assert "Access-Control-Allow-Origin: *" in rules["/api/*"]
    assert any("frame-ancestors *" in rule for rule in rules["/embed/*"])
    assert any("frame-ancestors 'self'" in rule for rule in rules["/stretches/*"])


def test_scripts_insert_content_as_text_only() -> None:
    for name in ("embed.js", "frame.js", "stretch-card.js"):
        source = (THEME_DIR / "embed" / name).read_text(encoding="utf-8")
        assert not re.search(r"innerHTML|outerHTML|insertAdjacentHTML|document\.write|eval\(", source), name
        assert source.lstrip().startswith("/*") and "(function () {" in source, f"{name} is not wrapped"
        assert not re.search(r"localStorage|sessionStorage|document\.cookie", source), name


def test_light_brand_colours_keep_text_readable(tmp_path: Path) -> None:
    content = tmp_path / "content"
    scaffold_guide(content)
    guide = content / "guide.yml"
    guide.write_text(guide.read_text(encoding="utf-8").replace('primary_color: "#1d5f8a"', 'primary_color: "#f5d76e"'),
                     encoding="utf-8")
    render(content, tmp_path / "site")
    css = (tmp_path / "site" / "embed" / "embed.css").read_text(encoding="utf-8")
    assert "--sg-on-primary: #1b1f23;" in css and "--sg-link: #1b1f23;" in css
