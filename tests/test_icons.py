"""The app icon: the clinic's initials, or its logo."""

from __future__ import annotations

import io
from pathlib import Path

from PIL import Image

from stretchguide.icons import draw_icons, initials
from tests.conftest import ROOT

FONTS = ROOT / "theme" / "fonts"


def test_initials_are_the_first_letters_of_the_first_two_words() -> None:
    assert initials("Example Physiotherapy Clinic") == "EP"
    assert initials("riverside") == "R"
    assert initials("Müller & Söhne Physio") == "MS"
    assert initials("  ·  ") == "?"


def test_initials_icon_is_drawn_in_the_brand_colours_and_is_the_same_every_time() -> None:
    icons = draw_icons("Example Physiotherapy Clinic", None, FONTS, "#1d5f8a", "#ffffff")
    assert sorted(icons) == ["icon-192.png", "icon-512.png"]
    with Image.open(io.BytesIO(icons["icon-512.png"])) as image:
        assert image.size == (512, 512) and image.getpixel((5, 5)) == (0x1D, 0x5F, 0x8A)
        box = Image.eval(image.convert("L"), lambda v: 255 if v > 200 else 0).getbbox()
    # The letters fill the middle and stay inside the safe zone of a maskable icon (a circle of 80%).
    assert box is not None
    left, top, right, bottom = box
    assert 100 < left < right < 412 and 100 < top < bottom < 412 and right - left > 250
    assert draw_icons("Example Physiotherapy Clinic", None, FONTS, "#1d5f8a", "#ffffff") == icons


def test_a_png_logo_is_fitted_and_an_svg_logo_is_used_as_it_is(tmp_path: Path) -> None:
    logo = tmp_path / "logo.png"
    Image.new("RGB", (300, 100), "#b4451f").save(logo)
    icons = draw_icons("Example", logo, FONTS, "#1d5f8a", "#ffffff")
    with Image.open(io.BytesIO(icons["icon-192.png"])) as image:
        assert image.size == (192, 192) and image.getpixel((96, 96)) == (0xB4, 0x45, 0x1F)
        assert image.getpixel((5, 5)) == (255, 255, 255)
    svg = tmp_path / "logo.svg"
    svg.write_text('<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 10 10"/>', encoding="utf-8")
    # Phones ask for PNGs, which Pillow cannot draw from SVG: those show the initials.
    with_svg = draw_icons("Example", svg, FONTS, "#1d5f8a", "#ffffff")
    assert with_svg["icon.svg"] == svg.read_bytes()
    assert with_svg["icon-192.png"] == draw_icons("Example", None, FONTS, "#1d5f8a", "#ffffff")["icon-192.png"]
