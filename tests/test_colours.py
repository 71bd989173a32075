"""Colour arithmetic: WCAG contrast, and brand colours nudged just enough to be readable."""

from __future__ import annotations

import pytest

from stretchguide.colours import TEXT_CONTRAST, contrast, luminance, mix, readable


@pytest.mark.parametrize(("colour", "expected"), [("#ffffff", 1.0), ("#000000", 21.0), ("#767676", 4.54),
                                                  ("#777777", 4.48)])
def test_contrast_against_white(colour: str, expected: float) -> None:
    # Reference values of the WCAG 2.2 formula: #767676 is the lightest grey that passes AA on white,
    # #777777 just fails.
    assert contrast("#ffffff", colour) == pytest.approx(expected, abs=0.01)
    assert contrast(colour, "#ffffff") == contrast("#ffffff", colour)


def test_luminance_weighs_green_most_and_linearises_dark_channels() -> None:
    assert luminance("#000000") == 0.0 and luminance("#ffffff") == pytest.approx(1.0)
    assert luminance("#00ff00") > luminance("#ff0000") > luminance("#0000ff")
    assert luminance("#0a0a0a") == pytest.approx(10 / 255 / 12.92)  # below the knee: linear


@pytest.mark.parametrize(("brand", "background"), [
    ("#ffe600", "#ffffff"),  # yellow on white: darkened
    ("#7fd3ff", "#ffffff"),  # light blue on white: darkened
    ("#1d5f8a", "#1e2129"),  # the default blue on the dark palette: lightened
    ("#b4451f", "#1e2129"),
])
def test_an_unreadable_brand_colour_is_adjusted_until_it_reaches_aa(brand: str, background: str) -> None:
    assert contrast(brand, background) < TEXT_CONTRAST  # the case needs adjusting
    adjusted = readable(brand, background)
    assert contrast(adjusted, background) >= TEXT_CONTRAST
    # Just enough: one step less towards black or white would not be readable.
    towards = "#000000" if luminance(background) > 0.5 else "#ffffff"
    steps = [mix(brand, towards, n / 20) for n in range(21)]
    assert adjusted in steps
    assert contrast(steps[steps.index(adjusted) - 1], background) < TEXT_CONTRAST


@pytest.mark.parametrize(("colour", "background"), [("#1d5f8a", "#ffffff"), ("#ffe600", "#1e2129")])
def test_a_readable_colour_is_kept_as_it_is(colour: str, background: str) -> None:
    assert readable(colour, background) == colour


def test_a_larger_minimum_moves_further() -> None:
    assert contrast(readable("#ffe600", "#ffffff", 7.0), "#ffffff") >= 7.0
    assert readable("#ffe600", "#ffffff", 7.0) != readable("#ffe600", "#ffffff")


def test_mix_moves_a_share_of_the_way() -> None:
    assert mix("#000000", "#ffffff", 0) == "#000000"
    assert mix("#000000", "#ffffff", 1) == "#ffffff"
    assert mix("#000000", "#ffffff", 0.5) == "#808080"
    assert mix("#204060", "#204060", 0.3) == "#204060"
