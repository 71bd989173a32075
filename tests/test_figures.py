"""Figures: valid, self-contained SVG drawn inside its box, and anatomy rules that reject bad poses."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from stretchguide import figures
from stretchguide.cli import main
from stretchguide.loader import load_library
from stretchguide.models import Figure, Library, Stretch
from stretchguide.pipeline import load_checked
from stretchguide.problems import ContentError
from stretchguide.templates import make_env

CONTENT = Path(__file__).resolve().parent.parent / "content"
GOLDEN = Path(__file__).resolve().parent / "data" / "golden" / "figures"
SVG = "{http://www.w3.org/2000/svg}"
DEFAULTS = ("cat-cow", "childs-pose", "figure-four", "kneeling-hip-flexor", "pigeon", "seated-forward-bend")


@pytest.fixture(scope="module")
def library() -> Library:
    result = load_library(CONTENT)
    assert result.library is not None, result.problems
    return result.library


@pytest.fixture(scope="module")
def drawn(library: Library) -> dict[str, figures.Art]:
    return figures.draw_figures(library)


def view_box(root: ET.Element) -> tuple[float, float, float, float]:
    x, y, w, h = (float(v) for v in root.attrib["viewBox"].split())
    return x, y, w, h


def drawn_extents(root: ET.Element, body_only: bool = False) -> list[tuple[float, float, float]]:
    """Return (x, y, half stroke width) for points along every path and the edge of every circle."""
    out = []
    for path in root.iter(f"{SVG}path"):
        if body_only and is_highlight(path):
            continue  # the highlight band is a halo around the body, not a part of it
        numbers = [float(n) for n in re.findall(r"-?\d+(?:\.\d+)?", path.attrib["d"])]
        half = float(path.attrib.get("stroke-width", 0)) / 2
        if "Q" in path.attrib["d"]:
            (ax, ay, cx, cy, bx, by) = numbers
            for i in range(17):
                t = i / 16
                u = 1 - t
                out.append((u * u * ax + 2 * u * t * cx + t * t * bx, u * u * ay + 2 * u * t * cy + t * t * by, half))
        else:
            out += [(x, y, half) for x, y in zip(numbers[::2], numbers[1::2], strict=True)]
    for circle in root.iter(f"{SVG}circle"):
        out.append((float(circle.attrib["cx"]), float(circle.attrib["cy"]), float(circle.attrib["r"])))
    return out


def is_highlight(path: ET.Element) -> bool:
    return path.attrib.get("fill") == figures.HIGHLIGHT or "stroke-dasharray" in path.attrib


def box_of(path: ET.Element) -> tuple[float, float, float, float]:
    numbers = [float(n) for n in re.findall(r"-?\d+(?:\.\d+)?", path.attrib["d"])]
    xs, ys = numbers[::2], numbers[1::2]
    return min(xs), min(ys), max(xs), max(ys)


def assert_inside(svg: str) -> None:
    root = ET.fromstring(svg)
    x0, y0, w, h = view_box(root)
    for x, y, half in drawn_extents(root):
        assert x0 - 0.11 <= x - half and x + half <= x0 + w + 0.11, (x, half, w)
        assert y0 - 0.11 <= y - half and y + half <= y0 + h + 0.11, (y, half, h)


def floor_ys(root: ET.Element) -> list[float]:
    return [float(line.attrib["y1"]) for line in root.iter(f"{SVG}line")]


def test_default_figures_are_valid_accessible_svg(drawn: dict[str, figures.Art]) -> None:
    assert sorted(drawn) == sorted(DEFAULTS)
    for sid, art in drawn.items():
        root = ET.fromstring(art.svg)
        assert root.tag == f"{SVG}svg"
        assert len(view_box(root)) == 4 and "width" not in root.attrib and "height" not in root.attrib
        assert root.attrib["role"] == "img"
        assert root.attrib["aria-label"] == art.alt
        title = root.find(f"{SVG}title")
        assert title is not None and title.text == art.alt
        # Inlined several to a page: no ids to clash, nothing fetched from elsewhere, no global <style>.
        for element in root.iter():
            assert "id" not in element.attrib, sid
            assert not any("href" in key for key in element.attrib), sid
        assert root.find(f".//{SVG}style") is None
        assert "url(" not in art.svg and "http" not in art.svg.replace("http://www.w3.org/2000/svg", "")


def test_default_figures_draw_inside_their_box_and_rest_on_the_floor(drawn: dict[str, figures.Art]) -> None:
    for art in drawn.values():
        assert_inside(art.svg)
        root = ET.fromstring(art.svg)
        floor = max(floor_ys(root))
        lowest = max(y + half for x, y, half in drawn_extents(root, body_only=True))
        # The mat (4 cm) lies on the floor; the body rests on the mat.
        assert lowest == pytest.approx(floor - figures.MAT_H, abs=0.2)


def test_cat_cow_shows_two_labelled_frames(library: Library, drawn: dict[str, figures.Art]) -> None:
    root = ET.fromstring(drawn["cat-cow"].svg)
    assert [t.text for t in root.iter(f"{SVG}text")] == ["Cat", "Cow"]
    cat, cow = (figures.resolve_joints(f, library.poses) for f in library.stretches["cat-cow"].figure.frames)
    assert cat["back"] > 20 and cat["neck"] > 0  # cat rounds the back up, chin tucked
    assert cow["back"] < 0 and cow["neck"] < 0  # cow lets the back arch and lifts the gaze


def test_highlight_does_not_rely_on_colour(drawn: dict[str, figures.Art]) -> None:
    for sid, art in drawn.items():
        root = ET.fromstring(art.svg)
        bands = [p for p in root.iter(f"{SVG}path") if p.attrib.get("fill") == figures.HIGHLIGHT]
        edges = [p for p in root.iter(f"{SVG}path") if "stroke-dasharray" in p.attrib]
        assert bands and len(edges) == len(bands), sid
        # Each band has a dashed outline all round it, so it shows in black and white too.
        for edge, band in zip(edges, bands, strict=True):
            (ex0, ey0, ex1, ey1), (bx0, by0, bx1, by1) = box_of(edge), box_of(band)
            assert ex0 < bx0 and ey0 < by0 and ex1 > bx1 and ey1 > by1, sid


def test_drawing_is_deterministic(library: Library, drawn: dict[str, figures.Art]) -> None:
    assert figures.draw_figures(library) == drawn


@pytest.mark.parametrize("sid", DEFAULTS)
def test_golden_svg(sid: str, drawn: dict[str, figures.Art], update_golden: bool) -> None:
    golden = GOLDEN / f"{sid}.svg"
    if update_golden:
        golden.parent.mkdir(parents=True, exist_ok=True)
        golden.write_text(drawn[sid].svg, encoding="utf-8")
    assert drawn[sid].svg == golden.read_text(encoding="utf-8")


ANGLE = {kind: st.floats(limit.low, limit.high, allow_nan=False) for kind, limit in figures.LIMITS.items()}


@settings(max_examples=60, deadline=None)
@given(st.fixed_dictionaries({name: ANGLE[figures.joint_kind(name)] for name in figures.JOINTS}),
       st.sampled_from(["right", "left"]), st.booleans())
def test_any_pose_within_limits_is_drawn_inside_its_box(joints: dict[str, float], facing: str, mat: bool) -> None:
    figure = Figure.model_validate({"frames": [{"joints": joints, "facing": facing}], "mat": mat,
                                    "highlight": ["lower-back", "hamstrings", "neck"]})
    stretch = Stretch.model_construct(id="probe", target_areas=["lower-back"])
    data = figures.svg_data(stretch, figure, {}, "A probe")
    svg = make_env().get_template("figures/figure.svg").render(data)
    assert_inside(svg)
    root = ET.fromstring(svg)
    assert max(y + half for x, y, half in drawn_extents(root, body_only=True)) <= max(floor_ys(root)) + 0.11


def test_generated_alt_text_describes_the_pose(library: Library) -> None:
    kneel = Figure.model_validate({"frames": [{"pose": "half-kneeling", "joints": {"near_hip": -22}}]})
    assert figures.describe_figure(kneel, library.poses) == (
        "Kneeling on the left knee, right foot flat in front, hips pushed forward, torso upright.")
    mirrored = Figure.model_validate({"frames": [{"pose": "half-kneeling", "facing": "left"}]})
    assert figures.describe_figure(mirrored, library.poses).startswith("Kneeling on the right knee, left foot")
    cat_cow = library.stretches["cat-cow"].figure
    assert cat_cow is not None
    text = figures.describe_figure(cat_cow.model_copy(update={"alt": None}), library.poses)
    assert text.startswith("Two positions. Cat: on hands and knees, back rounded up")
    assert "Cow: on hands and knees, belly sinking" in text
    seated = Figure.model_validate({"frames": [{"pose": "seated"}]})
    assert figures.describe_figure(seated, library.poses).startswith("Sitting on the floor, legs straight")


def test_alt_text_falls_back_to_the_generated_one(content_copy: Path) -> None:
    path = content_copy / "stretches" / "kneeling-hip-flexor.yml"
    set_figure(path, "figure:\n  frames:\n    - pose: half-kneeling\n")
    library, _ = load_checked(content_copy)
    art = figures.draw_figures(library, only="kneeling-hip-flexor")["kneeling-hip-flexor"]
    assert art.alt.startswith("Kneeling on the left knee")
    assert f'aria-label="{art.alt}"' in art.svg


def set_figure(path: Path, block: str) -> None:
    """Replace the `figure:` block of a stretch file."""
    text = path.read_text(encoding="utf-8")
    text = re.sub(r"^figure:\n(?:[ #].*\n|\n)*", "", text, flags=re.M)
    path.write_text(text.rstrip("\n") + "\n" + block, encoding="utf-8")


def problems_of(content: Path) -> list[str]:
    with pytest.raises(ContentError) as caught:
        load_checked(content)
    return [p.format(relative_to=content.parent) for p in caught.value.problems if not p.is_warning]


def position_of(path: Path, needle: str) -> tuple[int, int]:
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if needle in line:
            return number, line.index(needle) + 1
    raise AssertionError(needle)


def test_knee_bent_backwards_is_rejected_with_file_line_and_joint(content_copy: Path) -> None:
    path = content_copy / "stretches" / "kneeling-hip-flexor.yml"
    set_figure(path, "figure:\n  frames:\n    - pose: half-kneeling\n      joints:\n        near_knee: -20\n")
    line, _ = position_of(path, "near_knee: -20")
    col = position_of(path, "-20")[1]
    assert problems_of(content_copy) == [
        f"content/stretches/kneeling-hip-flexor.yml:{line}:{col}: figure.frames[0].joints.near_knee: "
        "knee bent backwards (-20°); knees bend between 0° and 160°"]


def test_unknown_joint_and_pose_get_did_you_mean(content_copy: Path) -> None:
    path = content_copy / "stretches" / "cat-cow.yml"
    set_figure(path, "figure:\n  frames:\n    - pose: hands-and-knee\n    - pose: hands-and-knees\n"
               "      joints:\n        nek: 10\n")
    pose_at, joint_at = position_of(path, "pose: hands-and-knee"), position_of(path, "nek:")
    found = problems_of(content_copy)
    assert len(found) == 2
    assert found[0].startswith(f"content/stretches/cat-cow.yml:{pose_at[0]}:{pose_at[1] + 6}: figure.frames[0].pose: "
                               "unknown pose `hands-and-knee`; did you mean `hands-and-knees`?")
    assert found[1] == (f"content/stretches/cat-cow.yml:{joint_at[0]}:{joint_at[1]}: figure.frames[1].joints.nek: "
                        "unknown joint `nek`; did you mean `neck`?")


def test_part_below_the_floor_is_rejected(content_copy: Path) -> None:
    path = content_copy / "stretches" / "childs-pose.yml"
    set_figure(path, "figure:\n  frames:\n    - pose: kneeling\n      pelvis_height: 20\n")
    line, col = position_of(path, "pelvis_height: 20")
    col += len("pelvis_height: ")
    (found,) = problems_of(content_copy)
    assert found.startswith(f"content/stretches/childs-pose.yml:{line}:{col}: figure.frames[0].pelvis_height: the ")
    assert "cm below the floor" in found


def test_hip_beyond_its_range_and_a_bad_pose_file_are_rejected(content_copy: Path) -> None:
    path = content_copy / "stretches" / "pigeon.yml"
    set_figure(path, "figure:\n  frames:\n    - pose: pigeon\n      joints:\n        far_hip: -120\n")
    (content_copy / "poses" / "broken.yml").write_text("joints:\n  near_elbow: -15\n", encoding="utf-8")
    found = problems_of(content_copy)
    assert found == [
        "content/poses/broken.yml:2:15: joints.near_elbow: elbow bent backwards (-15°); "
        "elbows bend between 0° and 150°",
        f"content/stretches/pigeon.yml:{position_of(path, '-120')[0]}:{position_of(path, '-120')[1]}: "
        "figure.frames[0].joints.far_hip: thigh pushed too far back (-120°); "
        "hips move between -75° (thigh behind) and 160° (thigh to the chest)",
    ]


def test_helper_is_drawn_and_must_fit_the_box(content_copy: Path) -> None:
    path = content_copy / "stretches" / "kneeling-hip-flexor.yml"
    set_figure(path, "figure:\n  frames:\n    - pose: half-kneeling\n  helper:\n    pose: kneeling\n"
               "    facing: left\n    offset: 70\n")
    library, _ = load_checked(content_copy)
    svg = figures.draw_figures(library, only="kneeling-hip-flexor")["kneeling-hip-flexor"].svg
    assert 'class="sg-figure-helper"' in svg
    assert "The helper: kneeling, torso upright." in svg
    assert_inside(svg)
    set_figure(path, "figure:\n  frames:\n    - pose: half-kneeling\n  helper:\n    pose: kneeling\n"
               "    offset: 240\n")
    (found,) = problems_of(content_copy)
    assert "figure.helper.offset: the figure needs a box of" in found


def test_stretch_without_figure_gets_its_position_pose(content_copy: Path) -> None:
    path = content_copy / "stretches" / "seated-forward-bend.yml"
    set_figure(path, "")
    library, _ = load_checked(content_copy)
    art = figures.draw_figures(library)["seated-forward-bend"]
    assert art.alt.startswith("Sitting on the floor")


def test_figure_command_writes_an_svg(tmp_path: Path) -> None:
    out = tmp_path / "cat-cow.svg"
    assert main(["figure", "cat-cow", "--content", str(CONTENT), "--out", str(out), "-q"]) == 0
    root = ET.fromstring(out.read_text(encoding="utf-8"))
    assert root.tag == f"{SVG}svg" and root.attrib["viewBox"]


def test_new_stretch_starts_with_a_valid_pose(content_copy: Path) -> None:
    assert main(["new", "stretch", "knee-hug", "--content", str(content_copy)]) == 0
    # Its texts are still the scaffold's placeholders, which only a draft accepts; its pose is real.
    assert main(["check", "--content", str(content_copy), "-q", "--draft"]) == 0
    library, _ = load_checked(content_copy, draft=True)
    stretch = library.stretches["knee-hug"]
    assert stretch.figure is not None
    art = figures.draw_figures(library, only="knee-hug")["knee-hug"]
    assert_inside(art.svg)
    assert art.alt.startswith("Lying on the back")
