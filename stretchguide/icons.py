"""Draw the guide's app icon, for the web app manifest and the home screen of a phone.

From the clinic's logo when it is a PNG; else from the clinic's initials, in the brand colours,
set in the guide's own font. Why PNG: phones that install a web app ask for 192 and 512 pixel
PNGs. An SVG logo is offered as it is (sizes "any") beside PNGs of the initials: Pillow, the one
image library the build already has through WeasyPrint, does not draw SVG.
"""

from __future__ import annotations

import io
import re
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

#: Icon sizes in pixels, as phones ask for them.
SIZES = (192, 512)
#: Share of the icon the logo or the initials may fill: a maskable icon is cropped to a circle
#: of 80% of its width, so what matters stays inside it.
SAFE_SHARE = 0.6
FONT = "atkinson-hyperlegible-latin-700-normal.woff2"


def initials(name: str) -> str:
    """Return up to two initials of a clinic's name: "Example Physiotherapy Clinic" gives "EP"."""
    words = [word for word in re.split(r"[\s\-–—/&+·.,]+", name) if word[:1].isalnum()]
    letters = "".join(word[0] for word in words[:2]).upper()
    return letters or "?"


def draw_icons(clinic_name: str, logo: Path | None, fonts_dir: Path,
               background: str, foreground: str) -> dict[str, bytes]:
    """Return the icon files by name: `icon-192.png`, `icon-512.png`, and an SVG logo as `icon.svg`."""
    icons = {}
    if logo is not None and logo.suffix.lower() == ".svg":
        icons["icon.svg"] = logo.read_bytes()
        logo = None  # the PNGs show the initials
    for size in SIZES:
        if logo is not None:
            image = _from_logo(logo, size)
        else:
            image = _from_initials(initials(clinic_name), fonts_dir / FONT, size, background, foreground)
        out = io.BytesIO()
        image.save(out, format="PNG")
        icons[f"icon-{size}.png"] = out.getvalue()
    return icons


def _from_logo(logo: Path, size: int) -> Image.Image:
    """Fit a PNG logo into a white square, inside the maskable safe zone."""
    with Image.open(logo) as source:
        art = source.convert("RGBA")
    room = round(size * SAFE_SHARE)
    art.thumbnail((room, room), Image.Resampling.LANCZOS)
    canvas = Image.new("RGBA", (size, size), "#ffffff")
    canvas.alpha_composite(art, ((size - art.width) // 2, (size - art.height) // 2))
    return canvas.convert("RGB")


def _from_initials(letters: str, font_path: Path, size: int, background: str, foreground: str) -> Image.Image:
    """Set the initials in the middle of a square of the brand colour."""
    canvas = Image.new("RGB", (size, size), background)
    draw = ImageDraw.Draw(canvas)
    font_size = size
    font = ImageFont.truetype(str(font_path), font_size)
    left, top, right, bottom = draw.textbbox((0, 0), letters, font=font)
    # Scale the type so the letters fill the safe zone's width or height, whichever is reached first.
    scale = min(size * SAFE_SHARE / (right - left), size * SAFE_SHARE / (bottom - top))
    font = ImageFont.truetype(str(font_path), max(1, round(font_size * scale)))
    left, top, right, bottom = draw.textbbox((0, 0), letters, font=font)
    draw.text(((size - (right - left)) / 2 - left, (size - (bottom - top)) / 2 - top), letters,
              font=font, fill=foreground)
    return canvas
