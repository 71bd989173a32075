"""Figures: valid, self-contained SVG drawn inside its box, and anatomy rules that reject bad poses."""

from __future__ import annotations

import math
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
from tests.conftest import copy_content

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


def frame_shift(root: ET.Element) -> dict[ET.Element, float]:
    """Map every element to the x shift of the frame it sits in."""
    shifts: dict[ET.Element, float] = {}
    for group in root.iter(f"{SVG}g"):
        match = re.match(r"translate\((-?[\d.]+) 0\)", group.attrib.get("transform", ""))
        if match:
            for element in group.iter():
                shifts[element] = float(match.group(1))
    return shifts


def path_points(path: ET.Element, dx: float = 0.0) -> list[tuple[float, float]]:
    numbers = [float(n) for n in re.findall(r"-?\d+(?:\.\d+)?", path.attrib["d"])]
    return [(x + dx, y) for x, y in zip(numbers[::2], numbers[1::2], strict=True)]


def drawn_extents(root: ET.Element, body_only: bool = False) -> list[tuple[float, float, float]]:
    """Return (x, y, half stroke width) for points along every path, in whole-figure coordinates."""
    shifts = frame_shift(root)
    out = []
    for path in root.iter(f"{SVG}path"):
        if body_only and (is_highlight(path) or "sg-fig-arrow" in path.attrib.get("class", "")):
            continue
        half = float(path.attrib.get("stroke-width", 0)) / 2
        out += [(x, y, half) for x, y in path_points(path, shifts.get(path, 0.0))]
    return out


def is_highlight(path: ET.Element) -> bool:
    return path.attrib.get("class", "") in ("sg-fig-target", "sg-fig-hatch")


def box_of(path: ET.Element) -> tuple[float, float, float, float]:
    points = path_points(path)
    xs, ys = [p[0] for p in points], [p[1] for p in points]
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
    for sid, art in drawn.items():
        assert_inside(art.svg)
        root = ET.fromstring(art.svg)
        floor = max(floor_ys(root))
        shifts = frame_shift(root)
        for frame in root.iter(f"{SVG}g"):
            if "sg-figure-frame" not in frame.attrib.get("class", "") or frame.find(f"{SVG}line") is None:
                continue  # a view from above has no floor line
            lines = [p for g in frame.iter(f"{SVG}g") if "sg-fig-helper" not in g.attrib.get("class", "")
                     for p in g.findall(f"{SVG}path") if p.attrib.get("class") == "sg-fig-line"]
            assert lines, sid
            # The outline is drawn twice as wide as it shows: half of it is under the fill.
            lowest = max(y + float(p.attrib["stroke-width"]) / 2 for p in lines for _, y in path_points(p, shifts[p]))
            # The mat (4 cm) lies on the floor; the body rests on the mat.
            assert lowest == pytest.approx(floor - figures.MAT_H, abs=0.2), sid


def frame_bodies(library: Library, sid: str) -> list[figures.Placed]:
    stretch = library.stretches[sid]
    figure = figures.figure_of(stretch, library)
    return [figures.place_frame(figure, i, library.poses) for i in range(len(figure.frames))]


def pigeon_from_above(library: Library) -> tuple[Figure, figures.Placed]:
    """Return pigeon's figure with its second frame seen from above, and that frame placed."""
    figure = library.stretches["pigeon"].figure
    assert figure is not None
    frames = [figure.frames[0], figure.frames[1].model_copy(update={"view": "top"})]
    above = figure.model_copy(update={"frames": frames})
    return above, figures.place_frame(above, 1, library.poses)


def test_cat_cow_shows_a_round_back_and_a_real_arch_with_arrows(library: Library,
                                                                drawn: dict[str, figures.Art]) -> None:
    root = ET.fromstring(drawn["cat-cow"].svg)
    assert [t.text for t in root.iter(f"{SVG}text")] == ["Cat", "Cow"]
    cat, cow = (figures.resolve_joints(f, library.poses) for f in library.stretches["cat-cow"].figure.frames)
    assert cat["back"] > 20 and cat["neck"] > 0  # cat rounds the back up, chin tucked
    # Cow lets the back arch with the neck long: eyes on the mat just ahead of the hands, no cranked neck.
    assert cow["back"] < 0 and -15 <= cow["neck"] <= 20
    cat_frame, cow_frame = frame_bodies(library, "cat-cow")
    # The middle of the back: well up in the cat, well down in the cow, against the same hands and knees.
    drop = figures.back_point(cow_frame.body).y - figures.back_point(cat_frame.body).y
    assert drop > 15, drop
    arrows = [p for p in root.iter(f"{SVG}path") if p.attrib.get("class") == "sg-fig-arrow"]
    assert len(arrows) == 4  # a shaft and a head in each frame
    up, down = (figures.movement_arrow(a.body, b.body) for a, b in ((cat_frame, cow_frame), (cow_frame, cat_frame)))
    assert up is not None and up[1].y < up[0].y  # cat: the back goes up
    assert down is not None and down[1].y > down[0].y  # cow: the back sinks


def sag_along(body: figures.Body) -> float:
    """Return how far up the torso (0 pelvis, 1 shoulders) its back outline sinks deepest below the straight line."""
    tube = figures._part_tubes(body, "side")["torso"][0]
    edge = figures.tube_ring(tube, 0.0, 1.0, -1.0, -1.0, caps=False)[:15]  # the back's edge, pelvis to shoulders
    a, b = edge[0], edge[-1]
    depth = [((q.x - a.x) * (b.y - a.y) - (q.y - a.y) * (b.x - a.x)) / math.dist((a.x, a.y), (b.x, b.y)) for q in edge]
    return max(range(len(edge)), key=lambda i: depth[i]) / (len(edge) - 1)


def test_cow_sinks_at_the_waist_and_marks_nothing_on_the_back(library: Library) -> None:
    cat_frame, cow_frame = frame_bodies(library, "cat-cow")
    areas = library.stretches["cat-cow"].target_areas
    # The back's muscles stretch in the cat and shorten in the cow: only the cat marks the back.
    assert any(m.part == "torso" for m in figures.highlight_marks(cat_frame.body, areas))
    assert not any(m.part == "torso" for m in figures.highlight_marks(cow_frame.body, areas))
    # The dip sits at the waist, below the middle of the torso, and the arrow points at it from above.
    assert sag_along(cow_frame.body) < 0.45
    tail, head = figures.movement_arrow(cow_frame.body, cat_frame.body) or (None, None)
    assert tail is not None and head is not None
    assert head.y < figures.back_point(cow_frame.body).y  # the arrow ends above the back, not inside it


def test_frames_of_a_move_are_also_drawn_one_by_one_to_one_scale(drawn: dict[str, figures.Art]) -> None:
    art = drawn["cat-cow"]
    assert len(art.frames) == 2
    boxes = {ET.fromstring(svg).attrib["viewBox"] for svg in art.frames}
    assert len(boxes) == 1  # stacked on a phone, both keep one size
    for svg in art.frames:
        assert_inside(svg)
    assert drawn["childs-pose"].frames == ()


def test_highlight_is_hatched_inside_the_body_and_above_the_floor(library: Library,
                                                                  drawn: dict[str, figures.Art]) -> None:
    for sid, art in drawn.items():
        root = ET.fromstring(art.svg)
        bands = [p for p in root.iter(f"{SVG}path") if p.attrib.get("class") == "sg-fig-target"]
        hatches = [p for p in root.iter(f"{SVG}path") if p.attrib.get("class") == "sg-fig-hatch"]
        assert bands and len(hatches) == len(bands), sid
        assert all(b.attrib["fill"] == figures.HIGHLIGHT for b in bands)
        # Hatching inside each band, so it shows in black and white too.
        for hatch, band in zip(hatches, bands, strict=True):
            (hx0, hy0, hx1, hy1), (bx0, by0, bx1, by1) = box_of(hatch), box_of(band)
            assert hx0 >= bx0 - 0.2 and hy0 >= by0 - 0.2 and hx1 <= bx1 + 0.2 and hy1 <= by1 + 0.2, sid
        for placed in frame_bodies(library, sid):
            stretch = library.stretches[sid]
            parts = figures.body_parts(placed.body, placed.view)
            for mark in figures.highlight_marks(placed.body, stretch.target_areas, placed.view):
                part = next(p for p in parts if p.name == mark.part)
                outside = [q for q in mark.ring if not figures.inside(part.ring, q)]
                assert not outside, (sid, mark.part, outside[:3])
                if placed.view == "side":
                    assert max(q.y for q in mark.ring) < -figures.MAT_H, (sid, mark.part)


def test_no_highlight_shows_only_as_fragments_beside_a_limb_drawn_over_it(library: Library) -> None:
    # A mark inside its own part can still be mostly covered by a limb drawn in front of it, leaving
    # slivers of orange that read as outside the body (the buttock behind a near thigh).
    for sid in DEFAULTS:
        for placed in frame_bodies(library, sid):
            order = figures.chains(placed.body, placed.view)
            for mark in figures.highlight_marks(placed.body, library.stretches[sid].target_areas, placed.view):
                at = next(i for i, (_, parts) in enumerate(order) if any(p.name == mark.part for p in parts))
                over = [p.ring for _, parts in order[at + 1:] for p in parts]
                xs, ys = [q.x for q in mark.ring], [q.y for q in mark.ring]
                grid = [figures.Pt(min(xs) + (max(xs) - min(xs)) * (i + 0.5) / 20,
                                   min(ys) + (max(ys) - min(ys)) * (k + 0.5) / 20)
                        for i in range(20) for k in range(20)]
                within = [q for q in grid if figures.inside(mark.ring, q)]
                shown = [q for q in within if not any(figures.inside(ring, q) for ring in over)]
                assert len(shown) >= 0.5 * len(within), (sid, placed.view, mark.part, len(shown), len(within))


def test_near_and_far_side_differ_by_fill_not_only_by_colour(drawn: dict[str, figures.Art]) -> None:
    root = ET.fromstring(drawn["kneeling-hip-flexor"].svg)
    partner = [p for g in root.iter(f"{SVG}g") if g.attrib.get("class", "") in ("sg-fig-near", "sg-fig-far")
               for p in g.findall(f"{SVG}path")]
    far = [p for p in partner if p.attrib.get("class") == "sg-fig-skin-far"]
    near = [p for p in partner if p.attrib.get("class") == "sg-fig-skin-near"]
    assert far and near
    assert {p.attrib["fill"] for p in far} == {figures.FAR_FILL}
    assert {p.attrib["fill"] for p in near} == {figures.NEAR_FILL}
    # Every limb, near or far, has a solid outline: a far limb is a limb, not a shadow.
    outlined = [p for p in partner if p.attrib.get("class") == "sg-fig-line"]
    assert len(outlined) == len(far) + len(near)
    grey = int(figures.FAR_FILL[1:3], 16)
    assert 170 <= grey <= 225  # light enough to read as a tone in print, dark enough to tell from white


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
    # Whatever the pose, lying or folded, the highlight stays inside the body and above the floor.
    placed = figures.place_frame(figure, 0, {})
    assert figures.check_highlight(placed, ["lower-back", "hamstrings", "neck", "glutes"], 0.0) == []


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


@pytest.mark.parametrize(("sid", "pose", "joint", "value", "message"), [
    ("kneeling-hip-flexor", "half-kneeling", "near_knee", "-20",
     "knee bent backwards (-20°); knees bend between 0° and 160°"),
    ("pigeon", "pigeon", "pelvis_roll", "45",
     "pelvis tipped too far toward the far side (45°); the pelvis tilts sideways between -30° (the near hip "
     "lower) and 30° (the far hip lower)"),
])
def test_joint_out_of_range_is_rejected_with_file_line_and_joint(content_copy: Path, sid: str, pose: str, joint: str,
                                                                 value: str, message: str) -> None:
    path = content_copy / "stretches" / f"{sid}.yml"
    set_figure(path, f"figure:\n  frames:\n    - pose: {pose}\n      joints:\n        {joint}: {value}\n")
    line, _ = position_of(path, f"{joint}: {value}")
    col = position_of(path, f": {value}")[1] + 2
    assert problems_of(content_copy) == [
        f"content/stretches/{sid}.yml:{line}:{col}: figure.frames[0].joints.{joint}: {message}"]


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
    assert 'sg-fig-helper' in svg
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


def test_new_stretch_starts_with_a_valid_pose(tmp_path: Path) -> None:
    content = copy_content(tmp_path / "content", stretches=["cat-cow"])  # one beside the new one is enough
    assert main(["new", "stretch", "knee-hug", "--content", str(content)]) == 0
    # Its texts are still the scaffold's placeholders, which only a draft accepts; its pose is real.
    assert main(["check", "--content", str(content), "-q", "--draft"]) == 0
    library, _ = load_checked(content, draft=True)
    stretch = library.stretches["knee-hug"]
    assert stretch.figure is not None
    art = figures.draw_figures(library, only="knee-hug")["knee-hug"]
    assert_inside(art.svg)
    assert art.alt.startswith("Lying on the back")


def test_a_resting_part_that_hovers_is_named_with_the_joints_to_change(content_copy: Path) -> None:
    path = content_copy / "stretches" / "cat-cow.yml"
    set_figure(path, "figure:\n  frames:\n    - pose: hands-and-knees\n      joints:\n        torso: 70\n")
    line, col = position_of(path, "torso: 70")
    col += len("torso: ")
    where = f"content/stretches/cat-cow.yml:{line}:{col}: figure.frames[0].joints.torso: "
    assert problems_of(content_copy) == [
        where + f"the {side} knee hovers {gap} cm above the mat, as if it should rest there; change `{name}_hip` or "
        f"`{name}_knee` or `torso` until it touches, or lift it clear (more than 9 cm)"
        for side, name, gap in (("far (left)", "far", 6), ("near (right)", "near", 5))]


def test_hands_resting_on_the_body_and_parts_held_clear_are_not_floating(library: Library) -> None:
    for sid in DEFAULTS:
        for placed in frame_bodies(library, sid):
            if placed.view == "side":
                assert figures.floating(placed.body, -figures.MAT_H, placed.props) == [], sid
    hip_flexor, = frame_bodies(library, "kneeling-hip-flexor")
    gaps = figures.contact_gaps(hip_flexor.body, -figures.MAT_H, hip_flexor.props)
    assert gaps["near_hand"] > 20 and gaps["far_hand"] > 20  # hands on the front thigh, not on the floor
    assert abs(gaps["near_knee"]) < 1 and abs(gaps["near_foot"]) < 1 and abs(gaps["far_foot"]) < 1
    # The kneeling knee is padded, as the cues ask.
    assert figures.resting_on(hip_flexor.body, "near_knee", -figures.MAT_H, hip_flexor.props) == "cushion"


def test_default_positions_match_their_steps(library: Library) -> None:
    child, = frame_bodies(library, "childs-pose")
    p = child.body.points
    assert abs(p["pelvis"].x - p["near_ankle"].x) < 10  # seat back over the heels
    gaps = figures.contact_gaps(child.body, -figures.MAT_H)
    assert all(abs(gaps[k]) < 1 for k in ("near_knee", "far_knee", "near_hand", "far_hand", "head", "near_foot"))
    seated, = frame_bodies(library, "seated-forward-bend")
    gaps = figures.contact_gaps(seated.body, -figures.MAT_H)
    assert abs(gaps["torso"]) < 1 and abs(gaps["near_foot"]) < 1  # sitting, heels on the mat
    assert seated.body.joints["near_ankle"] < 0  # a flexed foot, toes up
    side, front = frame_bodies(library, "pigeon")
    assert (side.view, front.view) == ("side", "front")
    z = {k: v[2] for k, v in side.body.p3.items()}
    assert z["near_knee"] > 0 > z["near_ankle"]  # the front shin runs across, toward the other hip
    assert side.body.p3["far_ankle"][0] < -80  # the back leg long behind


def test_highlight_check_catches_a_band_outside_the_body(library: Library, monkeypatch: pytest.MonkeyPatch) -> None:
    placed, = frame_bodies(library, "childs-pose")
    real = figures.highlight_marks

    def sunk(body: figures.Body, areas: list[str], view: str = "side") -> list[figures.Mark]:
        return [figures.Mark(m.part, tuple(figures.Pt(q.x, q.y + 30) for q in m.ring), m.hatch)
                for m in real(body, areas, view)]

    assert figures.check_highlight(placed, ["lower-back"], -figures.MAT_H) == []
    monkeypatch.setattr(figures, "highlight_marks", sunk)
    assert figures.check_highlight(placed, ["lower-back"], -figures.MAT_H) == [
        "the highlight on the torso dips below the floor", "the highlight on the torso leaves the body's outline"]


def test_a_heel_on_a_step_rests_on_it_and_the_check_knows(content_copy: Path) -> None:
    path = content_copy / "stretches" / "seated-forward-bend.yml"
    standing = ("figure:\n  mat: false\n  frames:\n    - pose: standing\n"
                "      joints: {torso: 10, near_hip: 40, near_ankle: -20}\n")
    set_figure(path, standing + "  props:\n    - kind: step\n      at: 65\n")
    library, _ = load_checked(content_copy)
    figure = library.stretches["seated-forward-bend"].figure
    assert figure is not None
    placed = figures.place_frame(figure, 0, library.poses)
    (step,) = placed.props
    gaps = figures.contact_gaps(placed.body, 0.0, placed.props)
    assert abs(gaps["near_foot"]) < 0.5 and abs(gaps["far_foot"]) < 3  # heel on the step, other foot down
    assert figures.contact_gaps(placed.body, 0.0)["near_foot"] > 10  # without the step, the heel is in the air
    assert step.top(step.x) == -figures.PROP_SIZE["step"][1]
    svg = figures.draw_figures(library, only="seated-forward-bend")["seated-forward-bend"].svg
    assert 'class="sg-fig-prop sg-fig-prop--step"' in svg
    assert_inside(svg)
    # A cushion too low to reach leaves the heel hovering just above it: the check says so.
    set_figure(path, standing + "  props:\n    - kind: cushion\n      at: 70\n")
    (found,) = problems_of(content_copy)
    assert "figure.frames[0].joints.near_ankle: the near (right) foot hovers 7 cm above the cushion" in found


def test_a_strap_runs_between_the_body_points_it_names(content_copy: Path) -> None:
    path = content_copy / "stretches" / "seated-forward-bend.yml"
    set_figure(path, "figure:\n  frames:\n    - pose: seated\n  props:\n    - kind: strap\n"
               "      between: [near_hand, near_foot]\n")
    library, _ = load_checked(content_copy)
    svg = figures.draw_figures(library, only="seated-forward-bend")["seated-forward-bend"].svg
    (strap,) = [p for p in ET.fromstring(svg).iter(f"{SVG}path") if p.attrib.get("class") == "sg-fig-strap"]
    assert len(path_points(strap)) == 2
    set_figure(path, "figure:\n  frames:\n    - pose: seated\n  props:\n    - kind: strap\n")
    (found,) = problems_of(content_copy)
    assert "a strap needs `between`" in found


def test_a_helper_that_reads_as_pushing_is_left_out(library: Library, drawn: dict[str, figures.Art]) -> None:
    # Kneeling hip flexor: a side view can show the helper beside the partner only behind them, where a
    # hand on the back reads as pushing; the figure leaves them out and the cues say where they kneel.
    figure = library.stretches["kneeling-hip-flexor"].figure
    assert figure is not None and figure.helper is not None and figure.drawn_helper is None
    assert "sg-fig-helper" not in drawn["kneeling-hip-flexor"].svg


def test_every_default_pose_rests_on_the_floor_without_hovering(library: Library) -> None:
    from stretchguide.models import Frame

    for name in library.poses:
        body = figures.place_body(Frame(pose=name), library.poses, -figures.MAT_H)
        assert figures.floating(body, -figures.MAT_H) == [], name


def test_figure_four_crosses_an_ankle_over_the_other_knee(content_copy: Path) -> None:
    source = Path(__file__).resolve().parent / "data" / "stretches" / "figure-four.yml"
    (content_copy / "stretches" / "figure-four.yml").write_text(source.read_text(encoding="utf-8"), encoding="utf-8")
    library, _ = load_checked(content_copy)
    side, above = frame_bodies(library, "figure-four")
    p3 = side.body.p3
    assert math.dist(p3["near_ankle"], p3["far_knee"]) < 12  # the ankle rests over the other knee
    gaps = figures.contact_gaps(side.body, -figures.MAT_H, side.props)
    assert abs(gaps["head"]) < 1 and abs(gaps["torso"]) < figures.REST_GAP[0]  # head on the cushion, back down
    assert above.view == "top"
    # From above the crossed leg's buttock is marked where it shows.
    assert figures.highlight_marks(above.body, ["glutes"], "top")
    art = figures.draw_figures(library, only="figure-four")["figure-four"]
    assert len(art.frames) == 2
    assert_inside(art.svg)


def test_side_named_by_the_steps_must_be_the_side_the_pose_works(content_copy: Path) -> None:
    path = content_copy / "stretches" / "kneeling-hip-flexor.yml"
    load_checked(content_copy)  # the default content agrees: left knee down, left shin across, left ankle crossed
    set_figure(path, "figure:\n  side: left\n  frames:\n    - pose: half-kneeling\n")
    line, col = position_of(path, "side: left")
    assert problems_of(content_copy) == [
        f"content/stretches/kneeling-hip-flexor.yml:{line}:{col + 6}: figure.side: `side: left`, but in the pose "
        "the near (right) leg kneels on the floor (`near_knee`); give those joints to the far leg (swap the `near_` "
        "and `far_` joints), turn the figure with `facing: left`, or say `side: right`"]
    # Turned to face left, the near knee (the one a reader of the side view sees) is the left one: now it agrees.
    set_figure(path, "figure:\n  side: left\n  frames:\n    - pose: half-kneeling\n      facing: left\n")
    load_checked(content_copy)


def test_side_of_a_frame_checks_the_front_shin_of_pigeon(content_copy: Path) -> None:
    path = content_copy / "stretches" / "pigeon.yml"
    set_figure(path, "figure:\n  frames:\n    - pose: pigeon\n      side: left\n    - pose: pigeon\n"
                     "      view: top\n      side: right\n")
    line, col = position_of(path, "side: left")
    (found,) = problems_of(content_copy)
    assert found.startswith(f"content/stretches/pigeon.yml:{line}:{col + 6}: figure.frames[0].side: `side: left`, "
                            "but in the pose the near (right) leg turns out, its shin across in front "
                            "(`near_hip_turn`)")
    set_figure(path, "figure:\n  side: left\n  frames:\n    - pose: hands-and-knees\n")
    (found,) = problems_of(content_copy)
    assert "figure.side: `side: left`, but the pose shows no one-sided leg" in found


def test_hands_on_a_rail_are_supported_and_a_hand_above_it_hovers(content_copy: Path) -> None:
    path = content_copy / "stretches" / "seated-forward-bend.yml"
    hinge = ("figure:\n  mat: false\n  frames:\n    - pose: standing\n"
             "      joints: {{torso: 45, near_shoulder: {0}, far_shoulder: {0}}}\n")
    set_figure(path, hinge.format(110) + "  props:\n    - kind: rail\n      at: 95\n")
    library, _ = load_checked(content_copy)  # the hands hold the rail: nothing hovers
    figure = library.stretches["seated-forward-bend"].figure
    assert figure is not None
    placed = figures.place_frame(figure, 0, library.poses)
    (rail,) = placed.props
    gaps = figures.contact_gaps(placed.body, 0.0, placed.props)
    assert abs(gaps["near_hand"]) < 0.5 and abs(gaps["near_foot"]) < 0.5
    assert figures.contact_gaps(placed.body, 0.0)["near_hand"] > 80  # without the rail, the hands are in the air
    # A knee lower than the bar passes under it: the rail holds up only what is on top of it.
    assert rail.top(rail.x, rail.floor - 50) is None and rail.top(rail.x) == -figures.PROP_SIZE["rail"][1]
    svg = figures.draw_figures(library, only="seated-forward-bend")["seated-forward-bend"].svg
    assert svg.count('class="sg-fig-prop sg-fig-prop--rail"') == 3  # two posts and the bar
    assert_inside(svg)
    set_figure(path, hinge.format(120) + "  props:\n    - kind: rail\n      at: 95\n")
    found = problems_of(content_copy)
    assert any("the near (right) hand hovers 5 cm above the rail" in p for p in found), found


def test_the_helper_is_drawn_where_the_cues_place_them(library: Library, drawn: dict[str, figures.Art]) -> None:
    # Child's pose: the helper kneels behind the feet, to one side, hands on their own thighs and off the
    # partner (readers took any hand near the low back or the sacrum for pressing), as the cues say.
    for sid, cue in (("childs-pose", "with your hands off their back"),):
        stretch = library.stretches[sid]
        assert any(cue in text for text in stretch.helper_cues), sid
        assert "sg-fig-helper" in drawn[sid].svg, sid
        (placed,) = frame_bodies(library, sid)
        assert placed.helper is not None
        for hand in ("near_hand", "far_hand"):
            gap, part, _ = figures.far_hand_on_partner(placed.helper, placed.body, hand)
            assert gap > 2 * figures.HELPER_TOUCH[1], (sid, hand, gap, part)  # touching them nowhere
        toes = min(placed.body.points[name].x for name in ("near_toes", "far_toes"))
        assert placed.helper.points["pelvis"].x < toes, sid  # behind their feet
        assert figures.floating(placed.helper, -figures.MAT_H) == [], sid  # kneeling on the mat
        # The helper's head and shoulders stay clear of the partner, so the two bodies do not merge.
        partner = [p.ring for p in figures.body_parts(placed.body)]
        head = next(p for p in figures.body_parts(placed.helper) if p.name == "head")
        assert not any(figures.inside(ring, q) for ring in partner for q in head.ring), sid
        assert not any(figures.inside(ring, placed.helper.points["shoulders"]) for ring in partner), sid
    # Where the cues keep the helper to words (cat-cow) or place them nowhere, none is drawn; beside the
    # seated forward bend the helper would merge with the partner's body, so the cues alone place them.
    for sid in ("cat-cow", "figure-four", "pigeon", "seated-forward-bend"):
        assert "sg-fig-helper" not in drawn[sid].svg, sid
    assert any("Kneel beside them, hands on your own thighs" in cue
               for cue in library.stretches["seated-forward-bend"].helper_cues)


def test_childs_pose_helper_is_clear_of_the_feet_and_the_seat_is_on_the_heels(library: Library) -> None:
    (placed,) = frame_bodies(library, "childs-pose")
    assert placed.helper is not None
    partner = {p.name: p.ring for p in figures.body_parts(placed.body)}
    # The helper kneels just behind the feet: no part of them lies over the partner's feet.
    for part in figures.body_parts(placed.helper):
        for foot in ("near_foot", "far_foot"):
            assert not any(figures.inside(partner[foot], q) for q in part.ring), (part.name, foot)
            assert not any(figures.inside(part.ring, q) for q in partner[foot]), (part.name, foot)
    # The seat rests on the heels: the torso's outline comes within 2 cm of the feet.
    gap = min(math.dist((q.x, q.y), (h.x, h.y)) for q in partner["torso"] for h in partner["near_foot"])
    assert gap < 2, gap


def test_a_head_bowed_under_the_reaching_arm_is_drawn_over_it(library: Library) -> None:
    # Child's pose: the forehead on the mat under the near arm. Behind that arm the head was a bump
    # readers took for the hips; drawn over it, it reads as a head. A head above its arms stays in the body.
    (placed,) = frame_bodies(library, "childs-pose")
    order = [name for name, _ in figures.chains(placed.body, "side")]
    assert order[-1] == "head" and order.index("near_arm") < order.index("head")
    (head,) = dict(figures.chains(placed.body, "side"))["head"]
    assert head.name == "head"
    for sid in ("cat-cow", "kneeling-hip-flexor", "pigeon", "seated-forward-bend", "figure-four"):
        for framed in frame_bodies(library, sid):
            chained = dict(figures.chains(framed.body, "side"))
            assert "head" not in chained and any(p.name == "head" for p in chained["core"]), sid


NEAR_HELPER = """figure:
  frames:
    - pose: childs-pose
  helper:
    pose: kneeling
    facing: left
    offset: 55
    joints: {torso: 10, near_hip: 70, far_hip: 70, near_knee: 150, far_knee: 150, near_ankle: 80, far_ankle: 80,
             far_shoulder: 30, far_elbow: 55,
             near_shoulder: 30, near_elbow: 55}
"""


def test_a_helper_hand_pressing_into_the_partner_or_hovering_is_reported(content_copy: Path) -> None:
    # A helper in line with the partner (`beside: near`, the default): the palm rests at the top of the
    # buttocks, on the outline. Bent less it sinks in; bent more it hovers.
    path = content_copy / "stretches" / "childs-pose.yml"
    set_figure(path, NEAR_HELPER)
    load_checked(content_copy)
    set_figure(path, NEAR_HELPER.replace("near_elbow: 55", "near_elbow: 30"))
    line, col = position_of(path, "near_shoulder: 30")
    col += len("near_shoulder: ")
    (found,) = problems_of(content_copy)
    assert found.startswith(f"content/stretches/childs-pose.yml:{line}:{col}: figure.helper.joints.near_shoulder: "
                            "the helper's near (left) hand sinks ")
    assert "into the partner's torso; a helper's hand rests and never presses" in found
    set_figure(path, NEAR_HELPER.replace("near_elbow: 55", "near_elbow: 75"))
    (found,) = problems_of(content_copy)
    assert "the helper's near (left) hand hovers" in found and "as if it should rest there" in found


def near_hand_problems(content: Path) -> list[str]:
    return [found for found in problems_of(content) if "the helper's near (left) hand" in found]


def test_a_far_side_helper_is_drawn_behind_the_partner_and_rests_a_hidden_hand(content_copy: Path) -> None:
    path = content_copy / "stretches" / "kneeling-hip-flexor.yml"
    text = path.read_text(encoding="utf-8").replace("  show_helper: false\n", "")  # drawn, as a clinic may
    path.write_text(text, encoding="utf-8")
    library, _ = load_checked(content_copy)
    drawn = figures.draw_figures(library, only="kneeling-hip-flexor")
    figure = library.stretches["kneeling-hip-flexor"].figure
    assert figure is not None and figure.helper is not None and figure.helper.beside == "far"
    # Placed at the partner's pelvis plus `offset`, drawn before (behind) every part of the partner, lighter.
    (placed,) = frame_bodies(library, "kneeling-hip-flexor")
    assert placed.helper is not None
    assert placed.helper.points["pelvis"].x == pytest.approx(placed.body.points["pelvis"].x + figure.helper.offset)
    for sid in ("kneeling-hip-flexor",):
        groups = [g for g in ET.fromstring(drawn[sid].svg).iter(f"{SVG}g")
                  if g.attrib.get("class", "").startswith(("sg-fig-near", "sg-fig-far"))]
        helper = [i for i, g in enumerate(groups) if "sg-fig-helper" in g.attrib["class"]]
        assert helper and max(helper) < min(i for i in range(len(groups)) if i not in helper), sid
        outline = next(p for p in groups[helper[0]].iter(f"{SVG}path") if p.attrib.get("class") == "sg-fig-line")
        assert outline.attrib["stroke"] == figures.HELPER_LINE
    # Its hand rests on the back of the partner's far shoulder, its tips hidden behind their outline: a far-side
    # helper may do that, while the same hand from a helper in line with the partner sinks into them.
    gap, part, through = figures.far_hand_on_partner(placed.helper, placed.body, "near_hand")
    assert -figures.HELPER_HIDDEN < gap < 0 and part in ("torso", "neck") and not through  # by the neck
    assert figures.hand_on_partner(placed.helper, placed.body, "near_hand")[0] < figures.HELPER_TOUCH[0]
    path.write_text(text.replace("    beside: far\n", ""), encoding="utf-8")
    assert any("the helper's near (left) hand sinks" in found for found in problems_of(content_copy))
    # Still at the partner's body: not hovering away from it ...
    path.write_text(text.replace("offset: 28", "offset: 40"), encoding="utf-8")
    (found,) = near_hand_problems(content_copy)
    line, col = position_of(path, "near_shoulder: 20")
    assert found.startswith(f"content/stretches/kneeling-hip-flexor.yml:{line}:{col + len('near_shoulder: ')}: "
                            "figure.helper.joints.near_shoulder: the helper's near (left) hand hovers ")
    # ... nor buried deep inside it, far from the surface it rests on ...
    path.write_text(text.replace("near_shoulder: 20", "near_shoulder: 0"), encoding="utf-8")
    (found,) = near_hand_problems(content_copy)
    assert found.startswith(f"content/stretches/kneeling-hip-flexor.yml:{line}:{col + len('near_shoulder: ')}: "
                            "figure.helper.joints.near_shoulder: the helper's near (left) hand ends 8 cm inside the "
                            "outline of the partner's torso, buried in their body rather than resting on their far "
                            "side; change `near_shoulder` or `near_elbow` or `torso` until the fingertips come within "
                            "6 cm of their edge"), found
    # ... nor passing behind them to show on the other side.
    path.write_text(text.replace("offset: 28", "offset: 12"), encoding="utf-8")
    (found,) = near_hand_problems(content_copy)
    assert re.search(r"the helper's near \(left\) hand passes behind the partner's (torso|head) and shows \d+ cm "
                     r"beyond it", found), found


def test_show_helper_false_leaves_the_helper_out(content_copy: Path) -> None:
    path = content_copy / "stretches" / "childs-pose.yml"
    path.write_text(path.read_text(encoding="utf-8").replace("  helper:", "  show_helper: false\n  helper:"),
                    encoding="utf-8")
    library, _ = load_checked(content_copy)
    art = figures.draw_figures(library, only="childs-pose")["childs-pose"]
    assert "sg-fig-helper" not in art.svg
    (placed,) = frame_bodies(library, "childs-pose")
    assert placed.helper is None


def test_figure_four_shows_the_hands_behind_the_thigh_drawn_in_and_the_crossed_ankle(library: Library) -> None:
    side, feet = frame_bodies(library, "figure-four")
    body = side.body
    p3, j = body.p3, body.joints
    # Seen from the right (facing right), the near leg is the right one, drawn up; the far, left one is crossed,
    # its knee turned out to the side.
    assert figures.left_or_right(body, "far") == "left" == library.stretches["figure-four"].figure.side
    assert j["far_hip_turn"] >= 45 and j["near_hip"] >= 90
    # The crossed ankle rests on the other thigh just below the knee, not in the air beside it.
    ankle = p3["far_ankle"]
    assert math.dist(ankle, p3["near_knee"]) < 12
    assert abs(ankle[2] - p3["near_knee"][2]) < 8  # over the other thigh, not beside it
    assert p3["far_knee"][2] < p3["far_hip"][2] - 15  # the crossed knee points out to the side, away
    # The hands show: the near arm is drawn over the thigh it holds, not hidden behind it.
    side_order = [name for name, _ in figures.chains(body, "side")]
    assert side_order.index("near_arm") > side_order.index("near_leg")
    gaps = figures.contact_gaps(body, -figures.MAT_H, side.props)
    assert abs(gaps["head"]) < 1 and abs(gaps["torso"]) < 1  # head on the cushion, back on the mat
    assert figures.resting_on(body, "head", -figures.MAT_H, side.props) == "cushion"
    hip, knee = body.points["near_hip"], body.points["near_knee"]
    for hand in ("near_hand", "far_hand"):
        # Each hand is at the back of the right thigh (the uncrossed leg), never on the crossed knee.
        at = body.points[hand]
        assert figures._segment_distance(at, hip, knee) < 12, hand
        assert hip.y > at.y > knee.y, hand
        assert math.dist(p3[hand], p3["far_knee"]) > 25, hand
    # The near hand reaches past the middle of the thigh to its back, the side toward the feet (right).
    at = body.points["near_hand"]
    assert at.x > hip.x + (knee.x - hip.x) * (at.y - hip.y) / (knee.y - hip.y)
    # The stretch is felt in the crossed leg's buttock: the highlight goes on that leg, not the other.
    assert {piece[0] for piece in figures.highlight_table(body)["glutes"]} == {"torso", "far_thigh"}
    # From the feet the "4" shows: the crossed thigh out to the side, its shin across in front of the other thigh.
    # Each leg keeps its shade in both frames: the right one white (near), the crossed left one grey (far).
    assert feet.view == "feet" and feet.label
    assert figures.left_or_right(feet.body, "near") == figures.left_or_right(body, "near") == "right"
    fp = {name: figures.project(p, "feet") for name, p in feet.body.p3.items()}
    assert fp["far_knee"][0] > fp["far_hip"][0] + 15  # the body's left on the reader's right
    assert abs(fp["far_ankle"][0] - fp["near_knee"][0]) < 12 and abs(fp["far_ankle"][1] - fp["near_knee"][1]) < 10
    # The crossed knee comes toward the chest: the shin lies across the front of the other thigh, between it
    # and the chest, so from the feet it is drawn behind that thigh, its knee and foot showing either side.
    assert feet.body.p3["far_knee"][0] < feet.body.p3["near_knee"][0]
    order = [name for name, _ in figures.chains(feet.body, "feet")]
    assert order.index("far_leg_lower") < order.index("near_leg")


def test_pigeon_front_shin_lies_across_and_the_buttock_rests_on_a_cushion(library: Library,
                                                                           drawn: dict[str, figures.Art]) -> None:
    side, _ = frame_bodies(library, "pigeon")
    p3 = side.body.p3
    gaps = figures.contact_gaps(side.body, -figures.MAT_H, side.props)
    # The front knee and shin on the mat, the seat on the cushion the cues name, the back foot down.
    assert abs(gaps["near_knee"]) < 3 and abs(gaps["near_foot"]) < 3 and abs(gaps["far_foot"]) < 1
    assert figures.resting_on(side.body, "torso", -figures.MAT_H, side.props) == "cushion"
    assert any("cushion" in step for step in library.stretches["pigeon"].steps)
    # The shin lies across in front of the pelvis, the knee well forward, the foot by the other hip: a V from above.
    assert p3["near_ankle"][0] > 5 and p3["near_ankle"][2] < 0 < p3["near_knee"][2] - 15
    assert p3["near_knee"][0] > p3["near_ankle"][0] + 20
    assert math.dist(p3["near_ankle"][::2], p3["far_hip"][::2]) < 15
    # The back leg runs straight back from its own hip.
    assert p3["far_ankle"][0] < -70 and p3["far_ankle"][2] < 0
    # Only the buttock and outer hip of the front leg carry the highlight, also from above.
    pieces = {m.part for m in figures.highlight_marks(side.body, library.stretches["pigeon"].figure.highlight or [])}
    assert pieces <= {"torso", "near_thigh"}
    # From above, sitting upright, the head and shoulders hide the pelvis; folded forward over the front leg
    # (the steps' other way), the buttock shows behind the torso and is marked there.
    top, _ = pigeon_from_above(library)
    folded = top.model_copy(update={"frames": [top.frames[0], top.frames[1].model_copy(
        update={"joints": {"torso": 45}})]})
    marks = figures.highlight_marks(figures.place_frame(folded, 1, library.poses).body, ["glutes"], "top")
    assert any(m.part == "torso" for m in marks)
    # From above every part is white: near and far mean nothing there.
    figure, _ = pigeon_from_above(library)
    stretch = library.stretches["pigeon"].model_copy(update={"figure": figure})
    data = figures.svg_data(stretch, figure, library.poses, "alt")
    assert all(g["side"] == "near" for g in data["frames"][1]["partner"])  # type: ignore[index]


def test_pigeon_from_the_side_shows_the_front_knee_the_cushion_and_the_outer_hip(
        library: Library, drawn: dict[str, figures.Art]) -> None:
    side, _ = frame_bodies(library, "pigeon")
    body, floor = side.body, -figures.MAT_H
    j = body.joints
    # The hips tilt: the front buttock up on the cushion, the back hip lower, its thigh and knee down on the mat.
    assert j["pelvis_roll"] > 0
    assert figures.resting_on(body, "torso", floor, side.props) == "cushion"
    cushion = next(p for p in side.props if p.kind == "cushion")
    cushion_top = cushion.top(cushion.x)
    assert cushion_top is not None and cushion.across is not None and cushion.across[0] > body.p3["far_hip"][2]
    assert body.part_bottom("far_thigh") > cushion_top + 5  # it passes beside the cushion, down toward the mat
    knee = body.points["far_knee"].y + figures._profile(figures.THIGH_R, 1.0) + figures.LINE
    assert floor - knee < 3
    # The front shin, tucked across under its thigh, is drawn apart and behind it, so the knee shows in front;
    # the figure-four's crossed leg, which does not fold back under its thigh, stays one shape.
    order = [name for name, _ in figures.chains(body, "side")]
    assert order.index("core") < order.index("near_leg_lower") < order.index("near_leg")
    four = frame_bodies(library, "figure-four")[0].body
    assert "near_leg_lower" not in [name for name, _ in figures.chains(four, "side")]
    # The cushion under the front buttock is drawn over the back leg, which passes behind it.
    root = ET.fromstring(drawn["pigeon"].svg)
    first = next(iter(root.iter(f"{SVG}g")))
    kinds = [(el.get("class") or "") for el in first.iter() if el.tag in (f"{SVG}g", f"{SVG}path")]
    groups = [k for k in kinds if k.startswith("sg-fig-far") or k.startswith("sg-fig-near") or "prop--cushion" in k]
    cushion_at = next(i for i, k in enumerate(groups) if "cushion" in k)
    assert groups.index("sg-fig-far") < cushion_at < groups.index("sg-fig-near")
    # The highlight is one round mark on the outer hip behind the front hip joint, above the cushion: the
    # buttock, never the groin in front of the hip.
    marks = figures.highlight_marks(body, ["glutes"], "side")
    assert [m.part for m in marks] == ["near_thigh"]
    xs = [q.x for q in marks[0].ring]
    hip = body.points["near_hip"]
    behind = 1.0 if body.facing == "left" else -1.0
    assert (sum(xs) / len(xs) - hip.x) * behind > figures.SPOT_OUT
    assert max(q.y for q in marks[0].ring) < cushion_top


def test_pigeon_hands_rest_on_the_mat_either_side_of_the_front_leg(library: Library) -> None:
    side, _ = frame_bodies(library, "pigeon")
    _, above = pigeon_from_above(library)
    p3 = side.body.p3
    gaps = figures.contact_gaps(side.body, -figures.MAT_H, side.props)
    assert abs(gaps["near_hand"]) < 2 and abs(gaps["far_hand"]) < 2
    # Out beside the legs, so they also show from above, not hidden under the body.
    assert p3["near_wrist"][2] > p3["near_hip"][2] + 10 and p3["far_wrist"][2] < p3["far_hip"][2] - 10
    top = {part.name: part for part in figures.body_parts(above.body, "top")}
    torso = top["torso"].ring
    for hand in ("near_hand", "far_hand"):
        assert not all(figures.inside(torso, q) for q in top[hand].ring), hand


def test_outlines_are_written_with_fewer_points_that_still_follow_them(library: Library) -> None:
    body = frame_bodies(library, "childs-pose")[0].body
    before = after = 0
    for part in figures.body_parts(body):
        kept = figures.simplify_ring(part.ring)
        before, after = before + len(part.ring), after + len(kept)
        # Every point left out lies within the tolerance of the outline that is written.
        edges = list(zip(kept, [*kept[1:], kept[0]], strict=True))
        for q in part.ring:
            assert min(figures._segment_distance(q, a, b) for a, b in edges) <= figures.SIMPLIFY + 1e-9, part.name
    assert after < before * 0.75, (before, after)


def test_a_foot_turned_across_the_side_view_keeps_its_width() -> None:
    # The figure-four's crossed foot points at the viewer; drawn as its side outline it would be a sliver.
    body = figures.pose_body({"torso": -90, "far_hip": 80, "far_hip_out": 40, "far_hip_turn": 90, "far_knee": 120})
    foot = next(part for part in figures.body_parts(body, "side") if part.name == "far_foot")
    xs, ys = [q.x for q in foot.ring], [q.y for q in foot.ring]
    assert min(max(xs) - min(xs), max(ys) - min(ys)) > 6


def test_a_cushion_shows_from_above_under_the_named_side_and_lies_on_the_mat(library: Library,
                                                                             drawn: dict[str, figures.Art]) -> None:
    # Pigeon from above: the cushion the side view shows is there too, under the front-leg (left) buttock.
    figure, above = pigeon_from_above(library)
    ((place, shapes),) = figures.across_props(figure, 1, above.body, "top")
    middle = sum(q.y for q in shapes) / len(shapes)
    near_hip, far_hip = (above.body.to_screen(above.body.p3[h][0], above.body.p3[h][2])
                         for h in ("near_hip", "far_hip"))
    assert place == "cushion" and abs(middle - near_hip.y) < abs(middle - far_hip.y)
    # From the front too: drawn once, under the left hip, its top where the seat rests.
    front_svg = ET.fromstring(drawn["pigeon"].frames[1])
    cushions = [p for p in front_svg.iter(f"{SVG}path") if p.attrib.get("class") == "sg-fig-prop sg-fig-prop--cushion"]
    assert len(cushions) == 1
    _, front = frame_bodies(library, "pigeon")
    ((place, shapes),) = figures.across_props(library.stretches["pigeon"].figure, 1, front.body, "front")
    middle = sum(q.x for q in shapes) / len(shapes)
    near_hip, far_hip = (front.body.to_screen(*figures.project(front.body.p3[h], "front"))
                         for h in ("near_hip", "far_hip"))
    assert place == "cushion" and abs(middle - near_hip.x) < abs(middle - far_hip.x)
    assert abs(max(q.y for q in shapes) + figures.MAT_H) < 0.5  # lying on the mat
    # The figure-four's cushion lies under the head, so from the feet it lies under the middle, not a hip.
    f4 = library.stretches["figure-four"].figure
    _, feet = frame_bodies(library, "figure-four")
    ((_, shapes),) = figures.across_props(f4, 1, feet.body, "feet")
    assert abs(sum(q.x for q in shapes) / len(shapes) - feet.body.to_screen(0.0, 0.0).x) < 0.5
    # From the side the mat reaches under the cushion, however far it lies from the body.
    for sid in ("figure-four", "pigeon", "kneeling-hip-flexor"):
        root = ET.fromstring((drawn[sid].frames or (drawn[sid].svg,))[0])
        mat = next(r for r in root.iter(f"{SVG}rect") if r.attrib.get("class") == "sg-fig-mat")
        left, right = float(mat.attrib["x"]), float(mat.attrib["x"]) + float(mat.attrib["width"])
        for prop in root.iter(f"{SVG}path"):
            if prop.attrib.get("class", "").startswith("sg-fig-prop sg-fig-prop--cushion"):
                xs = [x for x, _ in path_points(prop)]
                assert left <= min(xs) and max(xs) <= right, sid


def test_from_the_feet_the_buttock_mark_sits_at_the_outer_hip(library: Library) -> None:
    # The figure-four from the feet: the orange lies out beside the hip of the crossed leg (the left, the far
    # side: on the right of the picture), low by the mat, not along the thigh toward the knee nor between the legs.
    _, ahead = frame_bodies(library, "figure-four")
    assert ahead.view == "feet"
    body = ahead.body
    marks = figures.highlight_marks(body, ["glutes", "hips"], ahead.view)
    assert len(marks) == 1 and marks[0].part in ("torso", "far_thigh")
    ring = marks[0].ring
    cx, cy = sum(q.x for q in ring) / len(ring), sum(q.y for q in ring) / len(ring)
    hip, knee = (body.to_screen(*figures.project(body.p3[n], ahead.view)) for n in ("far_hip", "far_knee"))
    assert cx > hip.x + 2, (cx, hip.x)  # outward of the hip joint, away from the other leg
    assert math.dist((cx, cy), (hip.x, hip.y)) < math.dist((cx, cy), (knee.x, knee.y)) / 2
    # Wholly inside the part it is drawn on, and nothing is drawn over it.
    assert figures.visible_share(body, ahead.view, marks[0]) == 1.0
    assert not figures.check_highlight(ahead, ["glutes", "hips"], -figures.MAT_H)


def test_pigeon_from_the_front_marks_nothing_on_the_front_knee(library: Library,
                                                                drawn: dict[str, figures.Art]) -> None:
    # From the front, pigeon's front thigh comes at the reader: its round end reads as the knee, where pain
    # means stop, and the buttock lies hidden behind it. No orange in that view; the side view shows it.
    side, front = frame_bodies(library, "pigeon")
    assert front.view == "front"
    hip, knee = (front.body.to_screen(*figures.project(front.body.p3[n], "front")) for n in ("near_hip", "near_knee"))
    assert math.dist((hip.x, hip.y), (knee.x, knee.y)) < figures.END_ON * figures.THIGH  # seen end-on
    assert figures.highlight_marks(front.body, ["glutes", "hips"], "front") == []
    assert "sg-fig-target" not in drawn["pigeon"].frames[1] and "sg-fig-target" in drawn["pigeon"].frames[0]
    assert figures.highlight_marks(side.body, ["glutes", "hips"], "side")


def test_a_front_view_is_labelled_and_drawn_like_the_view_from_the_feet(library: Library,
                                                                       drawn: dict[str, figures.Art]) -> None:
    root = ET.fromstring(drawn["pigeon"].svg)
    assert [t.text for t in root.iter(f"{SVG}text")] == ["From the side", "From the front"]
    _, front = frame_bodies(library, "pigeon")
    rings = [p.ring for p in figures.body_parts(front.body, "front")]
    assert rings == [p.ring for p in figures.body_parts(front.body, "feet")]
