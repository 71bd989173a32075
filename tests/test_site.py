"""The hosted guide: generated pages, escaping, nav, JSON-LD, oEmbed, MkDocs errors."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest

from stretchguide import figures
from stretchguide.colours import contrast
from stretchguide.models import SWITCH_SECONDS, TRANSITION_SECONDS, BuildOptions, RenderContext
from stretchguide.pipeline import load_checked
from stretchguide.problems import ContentError
from stretchguide.site import brand_colours, mkdocs_text, relative_url, render_site
from stretchguide.templates import make_env
from tests.conftest import copy_content

ROOT = Path(__file__).resolve().parent.parent
CONTENT = ROOT / "content"
HOSTILE_TITLE = "Child's <script>alert(1)</script> *bold* & </title>"
HOSTILE_STEP = "Sit back.\n\n* sneaky **bold** [x](javascript:alert(1)) <img src=x onerror=alert(2)>\n\n</li></ol>"


def build_site(content: Path, out: Path, docs_dir: Path | None = None, site_url: str | None = None,
               **settings: object) -> list:
    """Render only the site stage of `content` into `out`; return its warnings."""
    library, _ = load_checked(content)
    options = BuildOptions(content_dir=content, out_dir=out, theme_dir=ROOT / "theme",
                           docs_dir=docs_dir or ROOT / "docs", mkdocs_config=ROOT / "mkdocs.yml",
                           cache_dir=out.parent / "cache", site_url=site_url,
                           **settings)  # type: ignore[arg-type]
    context = RenderContext(library, figures.draw_figures(library), options, make_env(options.theme_dir))
    out.mkdir(parents=True)
    return render_site(context, out)


def edit(path: Path, old: str, new: str) -> None:
    """Replace one exact piece of a content file."""
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def jsonld(html: str) -> dict:
    """Return the one JSON-LD object of a page."""
    (data,) = re.findall(r'<script type="application/ld\+json">(.*?)</script>', html, re.S)
    return json.loads(data)


@pytest.fixture(scope="module")
def hostile_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The default guide with markup and Markdown smuggled into a title and a step."""
    base = tmp_path_factory.mktemp("hostile")
    content = copy_content(base / "content")
    stretch = content / "stretches" / "childs-pose.yml"
    edit(stretch, "title: Child's pose", f"title: {json.dumps(HOSTILE_TITLE)}")
    edit(stretch, "  - Sit back slowly toward your heels.", f"  - {json.dumps(HOSTILE_STEP)}")
    build_site(content, base / "site")
    return base / "site"


@pytest.fixture(scope="module")
def plain_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The default guide with no site URL anywhere."""
    base = tmp_path_factory.mktemp("plain")
    content = copy_content(base / "content")
    guide = content / "guide.yml"
    guide.write_text(re.sub(r"(?m)^site_url:.*$", "", guide.read_text(encoding="utf-8")), encoding="utf-8")
    assert build_site(content, base / "site") == []  # W002 comes from the checks, not twice
    return base / "site"


def test_hostile_text_is_shown_as_text_never_markup(hostile_site: Path) -> None:
    pages = [hostile_site / "stretches" / "childs-pose" / "index.html",
             hostile_site / "routines" / "lower-back-basics" / "index.html",
             hostile_site / "index.html", hostile_site / "areas" / "index.html"]
    for page in pages:
        html = page.read_text(encoding="utf-8")
        assert "<script>alert" not in html, page
        assert "Child's &lt;script>alert(1)&lt;/script> *bold* & &lt;/title>" in html, page
    html = pages[0].read_text(encoding="utf-8")
    head_title = re.search(r"<title>([^<]*)</title>", html)
    assert head_title and head_title.group(1).endswith("&lt;/title> - Partner stretches for the lower back")
    assert "<h1>Child's &lt;script>" in html
    assert 'href="javascript:' not in html and "onerror=alert(2)>" not in html
    assert "<strong>bold</strong>" not in html and "<em>bold</em>" not in html
    assert "* sneaky **bold** [x](javascript:alert(1)) &lt;img src=x onerror=alert(2)&gt;" in html
    # The smuggled `</li></ol>` stayed text, so the step list still holds all its steps.
    steps = re.search(r'<h2 id="steps">.*?<ol class="sg-steps">(.*?)</ol>', html, re.S)
    assert steps and steps.group(1).count("<li>") == 5
    index = json.loads((hostile_site / "search" / "search_index.json").read_text(encoding="utf-8"))
    assert not any("<script>" in doc["title"] for doc in index["docs"])


def test_nav_and_indexes_list_every_stretch_and_routine(hostile_site: Path) -> None:
    library, _ = load_checked(CONTENT)
    page = (hostile_site / "stretches" / "cat-cow" / "index.html").read_text(encoding="utf-8")
    start = page.index('<nav class="md-nav md-nav--primary"')
    nav = page[start:page.index('<div class="md-sidebar md-sidebar--secondary"', start)]
    assert 'href="./" class="md-nav__link md-nav__link--active"' in nav
    everything = (hostile_site / "stretches" / "index.html").read_text(encoding="utf-8")
    for sid in library.stretches:
        assert f'href="../{sid}/"' in nav or sid == "cat-cow", sid
        assert f'href="{sid}/"' in everything, sid
        assert (hostile_site / "stretches" / sid / "index.html").is_file()
    for rid in library.routines:
        assert f'href="../../routines/{rid}/"' in nav
    areas = (hostile_site / "areas" / "index.html").read_text(encoding="utf-8")
    assert ">Lower back</h2>" in areas and ">Hips</h2>" in areas
    positions = (hostile_site / "positions" / "index.html").read_text(encoding="utf-8")
    assert ">Kneeling</h2>" in positions


def test_stretch_page_shows_dose_figure_timer_safety_and_links(hostile_site: Path) -> None:
    html = (hostile_site / "stretches" / "kneeling-hip-flexor" / "index.html").read_text(encoding="utf-8")
    assert '<p class="sg-dose"><strong class="sg-dose__label">Dose:</strong>' in html
    assert "each side" in html
    assert 'class="sg-safety sg-safety--stop"' in html and "<svg" in html
    assert 'href="../../cards/kneeling-hip-flexor.pdf"' in html
    assert 'href="../../embed/?stretch=kneeling-hip-flexor"' in html
    for script in ("timer-engine.js", "cues.js", "timer.js", "player.js", "guide.js"):
        assert f'src="../../assets/sg/{script}"' in html
    # The timer's box sits under the steps; its dose comes from the build, as JSON.
    steps, timer, helper = (html.index(marker) for marker in
                            ('<h2 id="steps">', '<div class="sg-timer" data-timer="sg-timer-data"></div>',
                             '<h2 id="for-the-helper">'))
    assert steps < timer < helper
    # When to stop is read right after the dose, before the steps and the easier or harder versions.
    dose, stop, setup, easier = (html.index(marker) for marker in (
        '<p class="sg-dose">', 'class="sg-safety sg-safety--stop"', '<h2 id="get-into-position">',
        '<h2 id="make-it-easier-or-harder">'))
    assert dose < stop < setup < steps < easier
    data = timer_json(html)
    assert data["dose"] == {"kind": "hold", "hold": {"min": 15, "max": 30}, "reps": None, "sides": "each",
                            "sets": 1, "rest": None, "tempo": 6}
    assert data["lang"] == "en" and data["switch"] == SWITCH_SECONDS and data["words"]["switch"] == "Switch sides"
    reps = timer_json((hostile_site / "stretches" / "cat-cow" / "index.html").read_text(encoding="utf-8"))
    assert reps["dose"]["kind"] == "reps" and reps["dose"]["reps"] == {"min": 10, "max": 15}  # a paced counter


def timer_json(html: str) -> dict:
    """Return the data of a stretch page's timer."""
    (data,) = re.findall(r'<script type="application/json" id="sg-timer-data">(.*?)</script>', html, re.S)
    return json.loads(data)


def test_routine_page_gives_the_player_its_routine_in_order(hostile_site: Path) -> None:
    html = (hostile_site / "routines" / "lower-back-basics" / "index.html").read_text(encoding="utf-8")
    assert '<div class="sg-player-start" data-player="sg-player-data"></div>' in html
    (raw,) = re.findall(r'<script type="application/json" id="sg-player-data">(.*?)</script>', html, re.S)
    assert "<" not in raw  # the hostile title and step are escaped inside the script element
    data = json.loads(raw)
    assert [s["id"] for s in data["stretches"]] == ["cat-cow", "kneeling-hip-flexor", "pigeon",
                                                   "seated-forward-bend", "childs-pose"]
    assert data["transition"] == TRANSITION_SECONDS and data["switch"] == SWITCH_SECONDS
    pose = data["stretches"][4]
    assert pose["title"] == HOSTILE_TITLE and HOSTILE_STEP in pose["steps"]
    assert pose["url"] == "../../stretches/childs-pose/?routine=lower-back-basics&step=5"
    assert pose["figure"].startswith("<svg") and pose["helper"] and pose["note"].startswith("Finish here")
    assert data["stretches"][0]["dose"]["kind"] == "reps" and data["words"]["start_routine"] == "Start the routine"
    # Its list links each stretch in the routine's order, so Previous and Next can follow it.
    links = re.findall(r'class="sg-routine__title" href="([^"]+)"', html)
    assert links[1] == "../../stretches/kneeling-hip-flexor/?routine=lower-back-basics&step=2"


def test_stretch_page_says_where_it_stands_in_each_routine(hostile_site: Path) -> None:
    html = (hostile_site / "stretches" / "pigeon" / "index.html").read_text(encoding="utf-8")
    (place,) = re.findall(r'<ul class="sg-in-routine".*?</ul>', html, re.S)
    assert 'data-routine="lower-back-basics" data-step="3"' in place
    assert "stretch 3 of 5." in place
    assert ('rel="prev" href="../../stretches/kneeling-hip-flexor/?routine=lower-back-basics&amp;step=2">'
            "Previous: Kneeling hip flexor stretch</a>") in place
    assert 'rel="next" href="../../stretches/seated-forward-bend/?routine=lower-back-basics&amp;step=4">' in place
    last = (hostile_site / "stretches" / "childs-pose" / "index.html").read_text(encoding="utf-8")
    assert '<a class="sg-in-routine__next" href="../../routines/lower-back-basics/">Last stretch' in last


def test_pigeon_page_and_routine_link_to_its_gentler_alternative(hostile_site: Path) -> None:
    page = (hostile_site / "stretches" / "pigeon" / "index.html").read_text(encoding="utf-8")
    assert re.search(r'<p class="sg-alternative">.*?do the <a href="../../stretches/figure-four/">'
                     r"Reclined figure-four</a> instead if your knees or hips object", page, re.S)
    assert (hostile_site / "stretches" / "figure-four" / "index.html").is_file()
    assert '<section class="sg-safety sg-safety--care">' in page
    assert "A hip replacement: unless your surgeon says you may" in page
    routine = (hostile_site / "routines" / "lower-back-basics" / "index.html").read_text(encoding="utf-8")
    assert '<a href="../../stretches/figure-four/">Reclined figure-four</a> instead' in routine


def test_every_stretch_page_points_to_the_warning_signs_listed_in_full_by_urgency(hostile_site: Path) -> None:
    library, _ = load_checked(CONTENT)
    for sid in library.stretches:
        page = (hostile_site / "stretches" / sid / "index.html").read_text(encoding="utf-8")
        note = re.search(r'<aside class="sg-redflag-note".*?</aside>', page, re.S)
        assert note, sid
        assert "In an emergency, call 999." in note.group(0)
        assert 'href="../../before-you-start/#warning-signs"' in note.group(0)
    before = (hostile_site / "before-you-start" / "index.html").read_text(encoding="utf-8")
    assert '<section class="sg-redflags" id="warning-signs">' in before
    emergency = before.index("Get emergency help now")
    soon = before.index("See a doctor within a day or two")
    assert emergency < soon
    assert "Stop and call 999 now. Or go straight to an emergency department." in before[emergency:soon]
    for group in library.guide.red_flags:
        for sign in group.signs:
            where = before.index(sign.replace("'", "&#39;"))
            assert (emergency < where < soon) == (group.urgency == "emergency"), sign
    home = (hostile_site / "index.html").read_text(encoding="utf-8")
    assert 'href="before-you-start/"' in home and "Get emergency help now" in home


def test_before_you_start_page_shows_the_guide_advice_and_its_sources(hostile_site: Path) -> None:
    library, _ = load_checked(CONTENT)
    page = (hostile_site / "before-you-start" / "index.html").read_text(encoding="utf-8")
    text = re.sub(r"\s+", " ", page).replace("&#39;", "'")
    for section in library.guide.before_you_start:
        assert f">{section.title}</h2>" in text
        for point in section.points:
            assert " ".join(point.split()) in text, point
    for source in library.guide.sources:
        assert (f'href="{source.url}"' in page) if source.url else (" ".join((source.citation or "").split()) in text)


def test_a_clinic_dose_and_routine_rest_read_the_same_on_the_site(clinic_content: Path, tmp_path: Path) -> None:
    build_site(clinic_content, tmp_path / "site")
    page = (tmp_path / "site" / "stretches" / "bird-dog" / "index.html").read_text(encoding="utf-8")
    assert ('<span class="sg-dose__value">8–10 slow repetitions · hold each 5 s · each side, alternating</span>'
            in page)
    routine = (tmp_path / "site" / "routines" / "clinic" / "index.html").read_text(encoding="utf-8")
    assert "<strong>Total time:</strong> about 4–5 min, including 30 s to rest and change position" in routine


def test_jsonld_is_valid_howto_on_stretch_and_routine_pages(hostile_site: Path) -> None:
    stretch = jsonld((hostile_site / "stretches" / "childs-pose" / "index.html").read_text(encoding="utf-8"))
    assert stretch["@type"] == "HowTo" and stretch["name"] == HOSTILE_TITLE
    assert re.fullmatch(r"PT\d+M(\d+S)?", stretch["totalTime"])
    assert HOSTILE_STEP in [step["text"] for step in stretch["step"]]
    assert stretch["url"] == "https://stretches.example.org/stretches/childs-pose/"
    routine = jsonld((hostile_site / "routines" / "lower-back-basics" / "index.html").read_text(encoding="utf-8"))
    assert routine["@type"] == "HowTo" and len(routine["step"]) == 5
    assert routine["step"][0]["url"] == "https://stretches.example.org/stretches/cat-cow/"
    assert re.fullmatch(r"PT\d+M(\d+S)?", routine["totalTime"])


def test_oembed_link_is_absolute_when_the_site_url_is_known(hostile_site: Path, plain_site: Path) -> None:
    html = (hostile_site / "routines" / "lower-back-basics" / "index.html").read_text(encoding="utf-8")
    (link,) = re.findall(r'<link rel="alternate" type="application/json\+oembed" href="([^"]+)"', html)
    assert link == "https://stretches.example.org/embed/lower-back-basics/oembed.json"
    for page in (plain_site / "stretches" / "pigeon" / "index.html",
                 plain_site / "routines" / "lower-back-basics" / "index.html"):
        assert "json+oembed" not in page.read_text(encoding="utf-8")


def test_site_requests_nothing_from_other_hosts(hostile_site: Path) -> None:
    for page in hostile_site.rglob("*.html"):
        html = page.read_text(encoding="utf-8")
        fetched = re.findall(r'<(?:script|img|iframe|source)\b[^>]*\bsrc="((?:https?:)?//[^"]*)"', html)
        fetched += re.findall(r'<link\b(?=[^>]*\brel="(?:stylesheet|icon|preload|preconnect|modulepreload|manifest)")'
                              r'[^>]*\bhref="((?:https?:)?//[^"]*)"', html)
        assert not fetched, f"{page} loads {fetched}"
        assert "fonts.googleapis" not in html and "fonts.gstatic" not in html
    css = (hostile_site / "assets" / "sg" / "site.css").read_text(encoding="utf-8")
    for font in re.findall(r'url\("([^"]+\.woff2)"\)', css):
        assert (hostile_site / "assets" / "sg" / font).is_file()


def test_branding_logo_and_colours_are_applied(tmp_path: Path) -> None:
    content = copy_content(tmp_path / "content")
    logo = '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 10 10"><circle cx="5" cy="5" r="4"/></svg>'
    (content / "our-logo.svg").write_text(logo, encoding="utf-8")
    guide = content / "guide.yml"
    text = re.sub(r"(?m)^(\s+)primary_color: .*$", r'\1primary_color: "#ffe600"', guide.read_text(encoding="utf-8"))
    text, logos = re.subn(r"(?m)^(\s+)logo: .*$", r"\1logo: our-logo.svg", text)
    if not logos:  # a guide without a logo of its own
        text = text.replace("branding:\n", "branding:\n  logo: our-logo.svg\n", 1)
    guide.write_text(text, encoding="utf-8")
    build_site(content, tmp_path / "site")
    html = (tmp_path / "site" / "stretches" / "pigeon" / "index.html").read_text(encoding="utf-8")
    assert '<img src="../../assets/sg/logo.svg"' in html
    assert (tmp_path / "site" / "assets" / "sg" / "logo.svg").read_text(encoding="utf-8") == logo  # the clinic's
    brand = (tmp_path / "site" / "assets" / "sg" / "brand.css").read_text(encoding="utf-8")
    assert "--md-primary-fg-color: #ffe600;" in brand
    assert "--md-primary-bg-color: #111111;" in brand  # dark text on a yellow header


def test_every_page_template_is_rendered_and_in_the_nav(hostile_site: Path) -> None:
    home = (hostile_site / "index.html").read_text(encoding="utf-8")
    for template in sorted((ROOT / "theme" / "site" / "pages").glob("*.md")):
        assert (hostile_site / template.stem / "index.html").is_file(), template.name
        assert f'href="{template.stem}/"' in home, template.name
    assert 'href="about/"' in home  # hand-written docs/about.md
    assert not (hostile_site / "manual").exists()  # the engine's manual is not part of the guide


def service_worker(site: Path) -> tuple[str, list[str]]:
    """Return the build digest and the files a built site's service worker stores on install."""
    text = (site / "sw.js").read_text(encoding="utf-8")
    digest = re.search(r'^var BUILD = "([0-9a-f]{16})";$', text, re.M)
    precache = re.search(r"^var PRECACHE = (\[.*\]);$", text, re.M)
    assert digest and precache
    return digest[1], json.loads(precache[1])


def test_service_worker_stores_the_whole_guide_under_the_build_digest(hostile_site: Path, plain_site: Path,
                                                                      tmp_path: Path) -> None:
    digest, precache = service_worker(plain_site)
    for url in ("./", "stretches/pigeon/", "routines/lower-back-basics/", "about/", "embed/", "404.html", "figures/",
                "assets/sg/player.js", "assets/sg/timer-engine.js", "assets/sg/icon-192.png",
                "assets/sg/fonts/atkinson-hyperlegible-latin-700-normal.woff2", "manifest.webmanifest",
                "search/search_index.json"):
        assert url in precache, url
    assert any(url.startswith("assets/javascripts/bundle.") for url in precache)
    for url in precache:
        assert (plain_site / url / "index.html" if url.endswith("/") else plain_site / url).is_file(), url
        assert not url.endswith((".map", ".pdf")) and "sitemap" not in url and url != "sw.js", url
    # The digest names the build: another build of the same content gives the same worker, byte for
    # byte; changed content gives a new digest, and so a new cache.
    build_site(plain_site.parent / "content", tmp_path / "site")
    assert (tmp_path / "site" / "sw.js").read_bytes() == (plain_site / "sw.js").read_bytes()
    assert service_worker(hostile_site)[0] != digest


def make_library(tmp_path: Path, count: int) -> Path:
    """Copy the default content with `count` stretches, titled from A to Z, in place of the five."""
    content = copy_content(tmp_path / "content")
    shutil.rmtree(content / "stretches")
    (content / "stretches").mkdir()
    base = (CONTENT / "stretches" / "pigeon.yml").read_text(encoding="utf-8")
    base = re.sub(r"(?m)^alternative:\n(?:  .*\n)+", "", base)  # its alternative is not copied
    for n in range(count):
        title = f"{chr(65 + n % 26)} stretch {n:03d}"
        (content / "stretches" / f"s{n:03d}.yml").write_text(
            base.replace("title: Pigeon stretch", f"title: {title}"), encoding="utf-8")
    routine = content / "routines" / "lower-back-basics.yml"
    routine.write_text(re.sub(r"stretch: [a-z-]+", "stretch: s000", routine.read_text(encoding="utf-8")),
                       encoding="utf-8")
    return content


def test_large_library_lists_its_stretches_a_to_z_on_the_index_not_in_the_nav(tmp_path: Path) -> None:
    build_site(make_library(tmp_path, 40), tmp_path / "site")
    page = (tmp_path / "site" / "stretches" / "s001" / "index.html").read_text(encoding="utf-8")
    nav = re.search(r'<nav class="md-nav md-nav--primary".*?</nav>\s*</div>\s*</div>\s*</div>', page, re.S)
    assert nav and "By body area" in nav.group(0) and "stretch 0" not in nav.group(0)
    index = (tmp_path / "site" / "stretches" / "index.html").read_text(encoding="utf-8")
    jump = re.search(r'<nav class="sg-az" aria-label="Stretches from A to Z">(.*?)</nav>', index, re.S)
    assert jump and re.findall(r">([A-Z])</a>", jump.group(1)) == [chr(65 + n) for n in range(26)]
    assert all(f'href="../stretches/s{n:03d}/"' in index for n in range(40))
    assert index.index("A stretch 026") < index.index("B stretch 001") < index.index("Z stretch 025")
    # Too many stretches for a stapled booklet: the pages offer none (the build makes none).
    home = (tmp_path / "site" / "index.html").read_text(encoding="utf-8")
    assert "booklet/booklet-a5.pdf" not in home and "The whole guide on paper" not in home
    printing = (tmp_path / "site" / "printing" / "index.html").read_text(encoding="utf-8")
    assert "booklet-a5.pdf" not in printing and "more stretches than a folded and stapled booklet holds" in printing
    # Offline: a phone stores on install the stretches its routines use; the others once opened.
    worker = (tmp_path / "site" / "sw.js").read_text(encoding="utf-8")
    stored = json.loads(re.search(r"var PRECACHE = (\[.*?\]);", worker, re.S).group(1))  # type: ignore[union-attr]
    assert {"./", "stretches/", "routines/lower-back-basics/", "stretches/s000/",
            "assets/sg/figures/s000.svg"} <= set(stored)
    assert not [path for path in stored if path.startswith(("stretches/s0", "assets/sg/figures/s0"))
                and "s000" not in path]
    assert "figures/" not in stored
    # The Figures page shows each figure's file as an image loaded as it scrolls into view, described by its
    # alt text and sized before it loads; drawn inline, 1,000 figures would make a 20 MB page.
    gallery = (tmp_path / "site" / "figures" / "index.html").read_text(encoding="utf-8")
    images = re.findall(r'<img class="sg-figure__image" src="../assets/sg/figures/(s\d{3})\.svg" alt="([^"]+)" '
                        r'width="\d+" height="\d+" loading="lazy">', gallery)
    assert sorted(name for name, _ in images) == [f"s{n:03d}" for n in range(40)]
    assert all(alt.startswith("Seen from the side") for _, alt in images) and 'class="sg-figure-art"' not in gallery


def preview_page(cache: Path, url: str) -> Path:
    """The page as the live preview's work folder in the cache holds it."""
    (page,) = cache.glob(f"site/*/site/{url}index.html")
    return page


def test_the_preview_renders_only_edited_pages_and_a_release_build_everything(tmp_path: Path) -> None:
    content = make_library(tmp_path, 40)
    build_site(content, tmp_path / "first", incremental=True)
    kept = preview_page(tmp_path / "cache", "stretches/s030/")
    before = kept.stat().st_mtime_ns
    edit(content / "stretches" / "s007.yml", "  - Start on hands and knees.", "  - Kneel on all fours.")
    build_site(content, tmp_path / "second", incremental=True)  # the same cache folder
    assert "Kneel on all fours" in (tmp_path / "second" / "stretches" / "s007" / "index.html").read_text(
        encoding="utf-8")
    assert kept.stat().st_mtime_ns == before  # not rendered again

    # A release build is MkDocs' clean build: the same bytes as one from an empty cache. It keeps to a folder
    # of its own, so a release build stopped halfway (the preview stops its own at the next edit) leaves the
    # preview's next build its pages to render only changes over.
    build_site(content, tmp_path / "release")
    assert kept.stat().st_mtime_ns == before
    shutil.rmtree(tmp_path / "cache")
    build_site(content, tmp_path / "fresh")
    assert tree_bytes(tmp_path / "release") == tree_bytes(tmp_path / "fresh")


def test_a_changed_title_in_the_nav_renders_every_preview_page_again(tmp_path: Path) -> None:
    content = copy_content(tmp_path / "content")
    build_site(content, tmp_path / "first", incremental=True)
    edit(content / "stretches" / "cat-cow.yml", "title: Cat-cow", "title: Cat and cow")
    build_site(content, tmp_path / "second", incremental=True)
    about = (tmp_path / "second" / "about" / "index.html").read_text(encoding="utf-8")
    assert "Cat and cow" in about and ">Cat-cow<" not in about  # the nav of a page that did not change


def test_zensical_builds_the_same_pages_search_and_assets(tmp_path: Path) -> None:
    build_site(CONTENT, tmp_path / "mkdocs")
    build_site(CONTENT, tmp_path / "zensical", engine="zensical")
    pages = sorted(p.relative_to(tmp_path / "mkdocs") for p in (tmp_path / "mkdocs").rglob("index.html"))
    assert len(pages) >= 15
    for page in pages:
        html = (tmp_path / "zensical" / page).read_text(encoding="utf-8")
        assert "assets/sg/site.css" in html and "assets/sg/brand.css" in html, page
    pigeon = (tmp_path / "zensical" / "stretches" / "pigeon" / "index.html").read_text(encoding="utf-8")
    assert "Pigeon" in pigeon and "Stop if" in pigeon
    search = json.loads((tmp_path / "zensical" / "search.json").read_text(encoding="utf-8"))
    assert "pigeon" in json.dumps(search).lower()
    for asset in ("assets/sg/site.css", "assets/sg/timer.js", "assets/sg/fonts/OFL.txt"):
        assert (tmp_path / "zensical" / asset).is_file(), asset


def tree_bytes(folder: Path) -> dict[str, bytes]:
    """Every file below `folder` with its bytes, by relative path."""
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def test_failing_mkdocs_build_is_a_clear_content_error(tmp_path: Path) -> None:
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "broken.md").write_text("# Broken\n\nSee [the missing page](missing.md).\n", encoding="utf-8")
    with pytest.raises(ContentError) as caught:
        build_site(CONTENT, tmp_path / "site", docs_dir=docs)
    (problem,) = caught.value.problems
    # MkDocs' own words name the page and the link; the problem sits at the config it built from.
    assert "mkdocs build failed" in problem.message and "'broken.md'" in problem.message
    assert "missing.md" in problem.message
    assert not problem.is_warning and problem.path == ROOT / "mkdocs.yml"


@pytest.mark.parametrize(("text", "safe"), [
    ("Hip & thigh", "Hip & thigh"),  # a lone & is text in HTML; escaping it would show "&amp;"
    ("Tom's stretch", "Tom's stretch"),
    ("a&amp;b", "a&amp;amp;b"),
    ('x" onmouseover="alert(1)', "x&#34; onmouseover=&#34;alert(1)"),
    ("<script>", "&lt;script>"),
])
def test_mkdocs_text_escapes_what_mkdocs_prints_raw(text: str, safe: str) -> None:
    assert mkdocs_text(text) == safe


def test_relative_url_links_between_pages() -> None:
    assert relative_url("stretches/pigeon/", "cards/pigeon.pdf") == "../../cards/pigeon.pdf"
    assert relative_url("", "stretches/pigeon/") == "stretches/pigeon/"
    assert relative_url("printing/", "") == "../"
    assert relative_url("", "") == "./"


@pytest.mark.parametrize("primary", ["#1d5f8a", "#ffe600", "#222222", "#7fd3ff"])
def test_brand_colours_stay_readable_in_both_palettes(primary: str) -> None:
    colours = brand_colours(primary, "#ff9900")
    assert contrast(colours["on_primary"], primary) >= 3.0  # large text in the header bar
    assert contrast(colours["link_light"], "#ffffff") >= 4.5
    assert contrast(colours["link_dark"], "#1e2129") >= 4.5
    assert contrast(colours["accent_light"], "#ffffff") >= 4.5


def test_pages_for_clinics_sit_apart_from_the_patients_pages_and_their_search(built_site: Path) -> None:
    home = (built_site / "index.html").read_text(encoding="utf-8")
    section = re.search(r'For clinics.*?</nav>', home, re.S)
    assert section and all(title in section.group(0) for title in ("Embed on your site", "Figures",
                                                                   "Printing the cards"))
    index = json.loads((built_site / "search" / "search_index.json").read_text(encoding="utf-8"))
    found = {item["location"].split("#")[0] for item in index["docs"]}
    assert "stretches/pigeon/" in found and "about/" in found
    assert not found & {"embed/", "figures/", "printing/"}
    # Material's search dialog gets an accessible name (axe: aria-dialog-name).
    assert '<div class="md-search" data-md-component="search" role="dialog" aria-label="Search">' in home


def test_counts_agree_with_their_word(tmp_path: Path) -> None:
    content = copy_content(tmp_path / "content")
    (content / "routines" / "one.yml").write_text(
        "title: Just one\nsummary: A routine of one stretch.\nitems:\n  - stretch: cat-cow\n", encoding="utf-8")
    build_site(content, tmp_path / "site")
    routines = (tmp_path / "site" / "routines" / "index.html").read_text(encoding="utf-8")
    assert "1 stretch ·" in routines and "5 stretches ·" in routines and "1 stretches" not in routines


def test_the_stretch_list_shows_each_stretch_s_figure(built_site: Path) -> None:
    listing = (built_site / "stretches" / "index.html").read_text(encoding="utf-8")
    thumbs = re.findall(r'<img class="sg-thumb" src="([^"]+)" alt=""', listing)
    assert len(thumbs) == len(list((CONTENT / "stretches").glob("*.yml")))
    for src in thumbs:
        figure = (built_site / "stretches" / src).resolve()
        assert figure.is_file() and figure.read_text(encoding="utf-8").lstrip().startswith("<svg")
    # The Figures page draws a small library's figures inline, where they follow the dark palette.
    gallery = (built_site / "figures" / "index.html").read_text(encoding="utf-8")
    assert gallery.count('class="sg-figure-art"') == len(thumbs) and "sg-figure__image" not in gallery


def test_mkdocs_frees_each_pages_markdown_once_it_is_html_and_the_page_keeps_its_title(tmp_path: Path) -> None:
    # MkDocs holds every page's Markdown to the end of a build (75 MB at 1,000 stretches); the site
    # stage's plugin lets it go once the page is HTML. The title, from front matter, must stay.
    from mkdocs.config import load_config
    from mkdocs.structure.files import File, Files
    from mkdocs.structure.pages import Page

    from stretchguide.mkdocs_cache import TemplateCache

    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "index.md").write_text("---\ntitle: Front matter title\n---\n\nBody text.\n", encoding="utf-8")
    config = load_config(config_file=None, site_name="Test", docs_dir=str(docs), site_dir=str(tmp_path / "site"))
    file = File("index.md", str(docs), str(tmp_path / "site"), use_directory_urls=True)
    page = Page(None, file, config)
    page.read_source(config)
    page.render(config, Files([file]))
    html = TemplateCache().on_page_content(page.content or "", page=page, config=config, files=Files([file]))
    assert page.markdown == "" and "Body text." in html
    assert page.title == "Front matter title"
