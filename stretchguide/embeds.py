"""Render the embeds: iframe pages, host scripts, the web component, JSON data and oEmbed."""

from __future__ import annotations

import base64
import json
import shutil
from pathlib import Path
from typing import Any

from . import i18n
from .colours import contrast
from .models import Library, RenderContext, Routine, Stretch
from .output import write_text
from .problems import Problem
from .scaffold import schema_texts

#: Width of the iframe an oEmbed consumer is offered, in CSS pixels.
OEMBED_WIDTH = 600
#: WordPress clamps an embed's height to this range; estimates stay inside it.
OEMBED_HEIGHT_RANGE = (200, 1000)
WHITE, DARK = "#ffffff", "#1b1f23"
#: Static files copied from theme/embed/ as they are.
SCRIPTS = ("embed.js", "frame.js", "stretch-card.js")
#: Font files the embeds use: (file in theme/fonts, weight).
FONTS = (("atkinson-hyperlegible-latin-400-normal.woff2", 400),
         ("atkinson-hyperlegible-latin-700-normal.woff2", 700))


def render_embeds(context: RenderContext, dest: Path) -> list[Problem]:
    """Write embed pages, scripts, JSON data and oEmbed files into `dest`; return warnings.

    Each language has its pages and data in its own tree (`<language>/embed/`, `<language>/api/`);
    the scripts, styles and fonts are shared, in the default language's `embed/`, beside each
    language's interface words (`embed/words/<language>.json`) for the web component.
    """
    library = context.library
    theme = context.options.theme_dir
    embed_dir = dest / "embed"
    if not context.language:
        _write_assets(context, theme, embed_dir)
        trees = [context.tree_url(tag) for tag in context.languages] or [""]
        write_text(dest / "_headers", context.env.get_template("embed/_headers").render(trees=trees))
        write_text(embed_dir / "languages.json", _json(_languages_data(context)))
    write_text(embed_dir / "words" / f"{context.lang}.json",
               context.env.get_template("embed/words.json").render(
                   source_lang=context.source_lang).strip() + "\n")
    for sid, stretch in sorted(library.stretches.items()):
        _write_item(context, dest, "stretch", sid, _stretch_vars(context, stretch))
    for rid, routine in sorted(library.routines.items()):
        _write_item(context, dest, "routine", rid, _routine_vars(context, routine))
    _write_api(context, dest)
    return []


def _languages_data(context: RenderContext) -> dict[str, Any]:
    """Return what the web component needs to choose a language: each one's tree and direction."""
    tags = context.languages or (context.lang,)
    theme = context.options.theme_dir
    return {"default": tags[0], "languages": {
        tag: {"tree": context.tree_url(tag), "dir": i18n.load_language(theme, tag).direction} for tag in tags}}


def _write_assets(context: RenderContext, theme: Path, embed_dir: Path) -> None:
    """Write the shared stylesheet, font stylesheet, scripts and font files."""
    branding = context.library.guide.branding
    primary = branding.primary_color
    write_text(embed_dir / "embed.css", context.env.get_template("embed/embed.css").render(
        primary=primary, accent=branding.accent_color,
        on_primary=WHITE if contrast(WHITE, primary) >= 4.5 else DARK,
        link=primary if contrast(WHITE, primary) >= 4.5 else DARK))
    # Why data: URIs: under WordPress the page runs sandboxed with an opaque origin, so a font
    # fetched by URL is a cross-origin request that most static hosts refuse without CORS headers.
    fonts = [{"weight": weight, "data": base64.b64encode((theme / "fonts" / name).read_bytes()).decode()}
             for name, weight in FONTS]
    write_text(embed_dir / "fonts.css", context.env.get_template("embed/fonts.css").render(fonts=fonts))
    for name, _weight in FONTS:
        target = embed_dir / "fonts" / name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(theme / "fonts" / name, target)
    shutil.copyfile(theme / "fonts" / "OFL.txt", embed_dir / "fonts" / "OFL.txt")
    for name in SCRIPTS:
        shutil.copyfile(theme / "embed" / name, embed_dir / name)
    # Why an icon of its own: without one the browser asks for /favicon.ico, which may not exist.
    write_text(embed_dir / "favicon.svg", context.env.get_template("embed/favicon.svg").render(
        primary=primary, on_primary=WHITE if contrast(WHITE, primary) >= 4.5 else DARK,
        initial=(branding.clinic_name.strip()[:1] or "S").upper()))


def _assets_href(context: RenderContext) -> str:
    """Link from an embed page to the shared embed/ folder of scripts, styles and fonts."""
    return "../../" + "../" * context.prefix.count("/") + "embed/"


def _page_href(context: RenderContext, kind: str, item_id: str) -> str:
    """Link from an embed page (two folders deep) to a full page: absolute when possible."""
    return context.absolute_url(kind, item_id) or "../../" + context.url(kind, item_id)


def _stretch_vars(context: RenderContext, stretch: Stretch) -> dict[str, Any]:
    art = context.figures.get(stretch.id)
    other = stretch.alternative.stretch if stretch.alternative else None
    return {"stretch": stretch, "art": art, "title": stretch.title, "description": stretch.summary,
            "alternative": context.library.stretches[other] if other else None,
            "alternative_href": _page_href(context, "stretch", other) if other else None,
            "page_href": _page_href(context, "stretch", stretch.id),
            "height": _estimate_stretch_height(stretch, art is not None)}


def _routine_vars(context: RenderContext, routine: Routine) -> dict[str, Any]:
    library = context.library
    steps = []
    for step in library.steps(routine):
        other = step.stretch.alternative.stretch if step.stretch.alternative else None
        steps.append({"step": step, "href": _page_href(context, "stretch", step.stretch.id),
                      "alternative": library.stretches[other] if other else None,
                      "alternative_href": _page_href(context, "stretch", other) if other else None})
    return {"routine": routine, "steps": steps, "title": routine.title, "description": routine.summary,
            "total": library.routine_seconds(routine),
            "page_href": _page_href(context, "routine", routine.id),
            "height": _estimate_routine_height(routine)}


def _write_item(context: RenderContext, dest: Path, kind: str, item_id: str, values: dict[str, Any]) -> None:
    """Write one embed page, its figure, and its oEmbed JSON when the site URL is known."""
    guide = context.library.guide
    folder = dest / context.root_url("embed", item_id)
    common = {"guide": guide, "kind": kind, "item_id": item_id, "assets": _assets_href(context),
              "untranslated": context.untranslated(kind, item_id), "source_lang": context.source_lang,
              "red_flags_href": _page_href(context, "before", "") + "#warning-signs",
              "oembed_href": context.absolute_url("oembed", item_id),
              "canonical": context.absolute_url(kind, item_id)}
    write_text(folder / "index.html",
               context.env.get_template(f"embed/{kind}.html").render(**common, **values))
    art = values.get("art")
    if art is not None:
        write_text(folder / "figure.svg", art.svg)
    embed_abs = context.absolute_url("embed", item_id)
    page_abs = context.absolute_url(kind, item_id)
    if context.site_url is None or embed_abs is None or page_abs is None:
        return  # Why: oEmbed consumers ignore relative URLs; the W002 warning already says so.
    html = context.env.get_template("embed/oembed.html").render(
        title=values["title"], page_url=page_abs, embed_url=embed_abs,
        width=OEMBED_WIDTH, height=values["height"]).strip()
    oembed = {"version": "1.0", "type": "rich", "provider_name": guide.branding.clinic_name,
              "provider_url": context.site_url, "title": values["title"],
              "width": OEMBED_WIDTH, "height": values["height"], "html": html}
    write_text(dest / context.root_url("oembed", item_id), _json(oembed))


def _estimate_stretch_height(stretch: Stretch, has_figure: bool) -> int:
    """Guess a stretch embed's height at 600 px wide; the page reports its real height later."""
    lines = 4 + len(stretch.summary) // 70
    for items in (stretch.setup, stretch.steps, stretch.helper_cues, stretch.feel,
                  stretch.safety.stop_if, stretch.safety.avoid_if):
        lines += 2 + sum(1 + len(item) // 34 for item in items)
    # Two columns at 600 px: fitted to heights measured in Chromium (within about 10%).
    return _clamp(lines * 14 + (200 if has_figure else 0) + 20)


def _estimate_routine_height(routine: Routine) -> int:
    """Guess a routine embed's height at 600 px wide."""
    lines = 5 + len(routine.summary) // 70 + sum(3 + (1 if item.note else 0) for item in routine.items)
    return _clamp(lines * 24 + 170)


def _clamp(height: int) -> int:
    low, high = OEMBED_HEIGHT_RANGE
    return max(low, min(high, height))


def stretch_data(context: RenderContext, stretch: Stretch) -> dict[str, Any]:
    """Return the API object of one stretch: its content plus derived values and links."""
    art = context.figures.get(stretch.id)
    return {
        "id": stretch.id,
        "stretch": stretch.model_dump(mode="json", exclude={"id"}),
        "dose_line": stretch.dose_line(),
        "alternative": _alternative_data(context, stretch),
        "precautions": [{"id": word, "text": text} for word, text in
                        zip(stretch.safety.precautions, stretch.safety.precaution_texts(), strict=True)],
        "figure": {"src": context.root_url("embed", stretch.id) + "figure.svg", "alt": art.alt} if art else None,
        "untranslated": context.untranslated("stretch", stretch.id),
        "links": _links(context, "stretch", stretch.id),
        "guide": _guide_summary(context),
        "credits": [entry.as_data() for entry in context.library.credits([stretch.id])],
    }


def _alternative_data(context: RenderContext, stretch: Stretch) -> dict[str, Any] | None:
    """The stretch to do instead, with its title and links, for API consumers."""
    if stretch.alternative is None:
        return None
    other = stretch.alternative.stretch
    return {"id": other, "title": context.library.stretches[other].title, "when": stretch.alternative.when,
            "links": _links(context, "stretch", other)}


def routine_data(context: RenderContext, routine: Routine) -> dict[str, Any]:
    """Return the API object of one routine: its content, resolved steps and total time."""
    library: Library = context.library
    low, high = library.routine_seconds(routine)
    steps = [{"stretch": step.stretch.id, "title": step.stretch.title,
              "dose": step.dose.model_dump(mode="json"), "dose_line": step.dose_line(),
              "seconds": list(step.dose.seconds(step.stretch.kind)), "note": step.note,
              "alternative": _alternative_data(context, step.stretch)}
             for step in library.steps(routine)]
    return {
        "id": routine.id,
        "routine": routine.model_dump(mode="json", exclude={"id"}),
        "steps": steps,
        "total_seconds": [low, high],
        "total_time": context.env.filters["minutes"]((low, high)),
        "links": _links(context, "routine", routine.id),
        "guide": _guide_summary(context),
        "credits": [entry.as_data() for entry in library.credits([step.stretch.id for step in library.steps(routine)])],
    }


def _guide_summary(context: RenderContext) -> dict[str, Any]:
    """What an API consumer needs to credit the guide."""
    guide = context.library.guide
    return {"title": guide.title, "clinic_name": guide.branding.clinic_name, "language": context.lang,
            "version": guide.version, "licence": guide.licence, "disclaimer": guide.disclaimer,
            "site_url": context.site_url, "draft": context.options.draft, "emergency_number": guide.emergency_number,
            "warning_signs": context.root_url("before") + "#warning-signs",
            "warning_signs_url": (context.absolute_url("before") or "") + "#warning-signs"
            if context.site_url else None}


def _links(context: RenderContext, kind: str, item_id: str) -> dict[str, str]:
    """Site-relative paths of an item's outputs, plus absolute ones when the site URL is known."""
    kinds = {"page": kind, "embed": "embed", "api": f"api-{kind}"}
    if kind == "stretch":
        kinds["card"] = "card"
    if context.site_url:
        kinds["oembed"] = "oembed"
    links = {name: context.root_url(target, item_id) for name, target in kinds.items()}
    for name, target in kinds.items():
        absolute = context.absolute_url(target, item_id)
        if absolute:
            links[f"{name}_url"] = absolute
    return links


def _write_api(context: RenderContext, dest: Path) -> None:
    """Write the JSON API and the JSON Schema of the content beside it."""
    library = context.library
    stretches = [stretch_data(context, s) for _sid, s in sorted(library.stretches.items())]
    for item in stretches:
        write_text(dest / context.root_url("api-stretch", item["id"]), _json(item))
    for rid, routine in sorted(library.routines.items()):
        write_text(dest / context.root_url("api-routine", rid), _json(routine_data(context, routine)))
    index = {"guide": _guide_summary(context), "credits": [entry.as_data() for entry in library.credits()],
             "stretches": stretches,
             "routines": [{"id": rid, "title": r.title, "links": _links(context, "routine", rid)}
                          for rid, r in sorted(library.routines.items())]}
    write_text(dest / context.prefix / "api" / "stretches.json", _json(index))
    if context.language:
        return  # one schema: the content's shape is the same in every language
    for name, text in sorted(schema_texts().items()):
        write_text(dest / "api" / "schema" / name, text)


def _json(value: Any) -> str:
    """Serialise deterministically: sorted keys, two-space indent, UTF-8."""
    return json.dumps(value, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
