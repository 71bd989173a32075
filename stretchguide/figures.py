"""Draw figures from pose data: a side-view pictogram body posed by joint angles, rendered to SVG.

Angle convention, in degrees, for a body seen from the side facing right (`facing: left` mirrors it;
facing right, the near side is the body's left side). Every joint defaults to 0: standing upright,
arms hanging.

- `torso`: lean of the pelvis-to-shoulders line from vertical. 0 upright, 90 level with the head
  forward (hands and knees), -90 lying on the back.
- `back`: curve of the spine. Positive rounds it (cat), negative arches it (cow).
- `neck`: bend of the head from the line of the upper back. Positive tucks the chin, negative looks up.
- `*_hip`: thigh from the torso line. 90 at right angles in front (sitting), negative behind.
- `*_knee`, `*_elbow`: bend, 0 straight; below 0 is bending backwards.
- `*_ankle`: 0 foot at right angles to the shin, positive points the toes.
- `*_shoulder`: arm from the torso line. 0 hanging by the side, 90 forward, 180 overhead.

Why limbs hang off the torso line and not the curved spine: changing `back` (cat to cow) then
leaves the hands and knees where they are. The pelvis is the root; the body is then lowered until
its lowest point rests on the mat or floor, unless the frame gives `pelvis_height`.
"""

from __future__ import annotations

import dataclasses
import json
import math
from collections.abc import Iterable
from pathlib import Path

from . import __version__, cache, vocab
from .loader import Loc, Positions
from .models import Art, Figure, Frame, Library, Stretch
from .problems import Problem, display_path, join_key
from .templates import make_env

# Segment lengths in cm of an adult of about 170 cm.
TORSO = 52.0
NECK = 9.0
HEAD_R = 10.5
UPPER_ARM = 29.0
FOREARM = 27.0  # elbow to knuckles
THIGH = 43.0
SHIN = 43.0
FOOT = 17.0

# Stroke widths in cm: thick enough to stay solid on an A7 card.
TORSO_W = 15.0
LIMB_W = 10.0
NECK_W = 8.0
HALO = 16.0  # extra width of the highlight band around a segment
EDGE = 7.0  # extra width of the dashed edge around the band
MAT_H = 4.0
PAD = 10.0
GAP = 24.0  # between frames
LABEL_H = 30.0
MIN_WIDTH = 190.0  # narrow poses get room beside them, so standing is not drawn huge
MAX_FRAME = (320.0, 260.0)  # the largest box one frame may fill, width and height in cm

HIGHLIGHT = "#ffc043"
FAR_OPACITY = "0.42"
HELPER_OPACITY = "0.55"

JOINTS: tuple[str, ...] = Frame.JOINTS


@dataclasses.dataclass(frozen=True)
class Limit:
    """The human range of one kind of joint, and how to say it is exceeded."""

    low: float
    high: float
    too_low: str
    too_high: str
    span: str


LIMITS: dict[str, Limit] = {
    "torso": Limit(-180, 180, "torso lean out of range", "torso lean out of range",
                   "the torso lean is between -180° and 180°"),
    "back": Limit(-35, 60, "back arched too far", "back rounded too far",
                  "the back bends between -35° (arched) and 60° (rounded)"),
    "neck": Limit(-60, 70, "head tipped back too far", "chin tucked too far",
                  "the neck bends between -60° (looking up) and 70° (chin to chest)"),
    "hip": Limit(-75, 160, "thigh pushed too far back", "hip bent too far",
                 "hips move between -75° (thigh behind) and 160° (thigh to the chest)"),
    "knee": Limit(0, 160, "knee bent backwards", "knee bent too far",
                  "knees bend between 0° and 160°"),
    "ankle": Limit(-35, 95, "ankle flexed too far", "toes pointed too far",
                   "ankles move between -35° (toes up) and 95° (toes pointed)"),
    "shoulder": Limit(-60, 200, "arm pulled too far back", "arm raised too far",
                      "shoulders move between -60° (arm behind) and 200° (arm overhead)"),
    "elbow": Limit(0, 150, "elbow bent backwards", "elbow bent too far",
                   "elbows bend between 0° and 150°"),
}


@dataclasses.dataclass(frozen=True)
class Pt:
    """A point in cm, SVG orientation: x to the right, y down."""

    x: float
    y: float

    def __add__(self, other: Pt) -> Pt:
        return Pt(self.x + other.x, self.y + other.y)

    def scaled(self, factor: float) -> Pt:
        """Return this vector times `factor`."""
        return Pt(self.x * factor, self.y * factor)


def heading(angle: float, length: float) -> Pt:
    """Return a vector of `length` pointing `angle` degrees clockwise from straight up."""
    rad = math.radians(angle)
    return Pt(math.sin(rad) * length, -math.cos(rad) * length)


@dataclasses.dataclass(frozen=True)
class Stroke:
    """One drawn segment: a line (2 points) or a quadratic curve (3 points)."""

    name: str
    points: tuple[Pt, ...]
    width: float

    def at(self, t: float) -> Pt:
        """Return the point a fraction `t` along the segment."""
        if len(self.points) == 2:
            a, b = self.points
            return Pt(a.x + (b.x - a.x) * t, a.y + (b.y - a.y) * t)
        a, c, b = self.points
        u = 1 - t
        return Pt(u * u * a.x + 2 * u * t * c.x + t * t * b.x, u * u * a.y + 2 * u * t * c.y + t * t * b.y)

    def piece(self, t0: float, t1: float, width: float) -> Stroke:
        """Return the part of this segment between fractions t0 and t1."""
        if len(self.points) == 2:
            return Stroke(self.name, (self.at(t0), self.at(t1)), width)
        # The control point of a quadratic sub-curve is where its end tangents meet.
        a, c, b = self.points
        u0, u1 = 1 - t0, 1 - t1
        ctrl = Pt(u0 * u1 * a.x + (u0 * t1 + t0 * u1) * c.x + t0 * t1 * b.x,
                  u0 * u1 * a.y + (u0 * t1 + t0 * u1) * c.y + t0 * t1 * b.y)
        return Stroke(self.name, (self.at(t0), ctrl, self.at(t1)), width)

    def outline(self) -> list[Pt]:
        """Return points along the centre line, enough to bound the stroke."""
        steps = 1 if len(self.points) == 2 else 16
        return [self.at(i / steps) for i in range(steps + 1)]

    def moved(self, dx: float, dy: float) -> Stroke:
        """Return this stroke shifted by (dx, dy)."""
        return Stroke(self.name, tuple(Pt(p.x + dx, p.y + dy) for p in self.points), self.width)


@dataclasses.dataclass(frozen=True)
class Body:
    """A posed body: named strokes (far side first), the head, and named points."""

    strokes: tuple[Stroke, ...]
    head: Pt
    points: dict[str, Pt]
    joints: dict[str, float]
    facing: str

    def moved(self, dx: float, dy: float) -> Body:
        """Return the body shifted by (dx, dy)."""
        return Body(tuple(s.moved(dx, dy) for s in self.strokes), Pt(self.head.x + dx, self.head.y + dy),
                    {k: Pt(p.x + dx, p.y + dy) for k, p in self.points.items()}, self.joints, self.facing)

    def stroke(self, name: str) -> Stroke:
        """Return the stroke called `name`."""
        return next(s for s in self.strokes if s.name == name)

    def bounds(self) -> tuple[float, float, float, float]:
        """Return (left, top, right, bottom) of everything drawn, stroke widths included."""
        xs: list[float] = [self.head.x - HEAD_R, self.head.x + HEAD_R]
        ys: list[float] = [self.head.y - HEAD_R, self.head.y + HEAD_R]
        for stroke in self.strokes:
            half = stroke.width / 2
            for p in stroke.outline():
                xs += [p.x - half, p.x + half]
                ys += [p.y - half, p.y + half]
        return min(xs), min(ys), max(xs), max(ys)

    def lowest(self) -> tuple[str, float]:
        """Return the name of the lowest drawn point and the y of its lower edge."""
        best = ("head", self.head.y + HEAD_R)
        for stroke in self.strokes:
            for index, p in enumerate(stroke.outline()):
                bottom = p.y + stroke.width / 2
                if bottom > best[1] + 1e-9:
                    ends = stroke.outline()
                    name = _point_name(stroke.name, index == len(ends) - 1)
                    best = (name, bottom)
        return best


def _point_name(stroke: str, at_end: bool) -> str:
    """Name the body point at one end of a stroke, for messages: the near shin's end is the near ankle."""
    ends = {"thigh": ("hip", "knee"), "shin": ("knee", "ankle"), "foot": ("ankle", "toes"),
            "upper_arm": ("shoulder", "elbow"), "forearm": ("elbow", "hand")}
    side, _, part = stroke.partition("_")
    if part in ends:
        return f"{side}_{ends[part][1 if at_end else 0]}"
    return {"torso": "shoulders" if at_end else "pelvis", "neck": "head"}.get(stroke, stroke)


def pose_body(joints: dict[str, float], facing: str = "right") -> Body:
    """Pose a body from joint angles by forward kinematics from the pelvis at (0, 0)."""
    j = {name: float(joints.get(name, 0.0)) for name in JOINTS}
    pelvis = Pt(0.0, 0.0)
    lean, bend = j["torso"], j["back"]
    shoulders = pelvis + heading(lean, TORSO)
    # A quadratic curve whose end tangents turn by `back` in total: positive bulges the back out.
    bulge = TORSO / 2 * math.tan(math.radians(bend / 2))
    middle = Pt((pelvis.x + shoulders.x) / 2, (pelvis.y + shoulders.y) / 2)
    ctrl = middle + heading(lean - 90, bulge)
    top_tangent = lean + bend / 2
    neck_end = shoulders + heading(top_tangent + j["neck"], NECK)
    head = neck_end + heading(top_tangent + j["neck"], HEAD_R * 0.8)
    points = {"pelvis": pelvis, "shoulders": shoulders, "head": head}
    strokes: dict[str, Stroke] = {
        "torso": Stroke("torso", (pelvis, ctrl, shoulders), TORSO_W),
        "neck": Stroke("neck", (shoulders, neck_end), NECK_W),
    }
    for side in ("far", "near"):
        thigh_dir = lean + 180 - j[f"{side}_hip"]
        knee = pelvis + heading(thigh_dir, THIGH)
        shin_dir = thigh_dir + j[f"{side}_knee"]
        ankle = knee + heading(shin_dir, SHIN)
        toes = ankle + heading(shin_dir - 90 + j[f"{side}_ankle"], FOOT)
        arm_dir = lean + 180 - j[f"{side}_shoulder"]
        elbow = shoulders + heading(arm_dir, UPPER_ARM)
        hand = elbow + heading(arm_dir - j[f"{side}_elbow"], FOREARM)
        points.update({f"{side}_knee": knee, f"{side}_ankle": ankle, f"{side}_toes": toes,
                       f"{side}_elbow": elbow, f"{side}_hand": hand})
        for name, a, b in (("thigh", pelvis, knee), ("shin", knee, ankle), ("foot", ankle, toes),
                           ("upper_arm", shoulders, elbow), ("forearm", elbow, hand)):
            strokes[f"{side}_{name}"] = Stroke(f"{side}_{name}", (a, b), LIMB_W)
    order = [f"far_{n}" for n in ("upper_arm", "forearm", "thigh", "shin", "foot")] + ["torso", "neck"] + [
        f"near_{n}" for n in ("thigh", "shin", "foot", "upper_arm", "forearm")]
    body = Body(tuple(strokes[n] for n in order), head, points, j, facing)
    return _mirrored(body) if facing == "left" else body


def _mirrored(body: Body) -> Body:
    flip = [Stroke(s.name, tuple(Pt(-p.x, p.y) for p in s.points), s.width) for s in body.strokes]
    return Body(tuple(flip), Pt(-body.head.x, body.head.y), {k: Pt(-p.x, p.y) for k, p in body.points.items()},
                body.joints, body.facing)


def joint_kind(name: str) -> str:
    """Return the kind of a joint name: `near_knee` -> `knee`."""
    return name.split("_", 1)[-1]


def resolve_joints(frame: Frame, poses: dict[str, dict[str, float]]) -> dict[str, float]:
    """Merge a frame's joints over its pose's over the standing defaults."""
    merged = {name: 0.0 for name in JOINTS}
    if frame.pose is not None:
        merged.update({k: v for k, v in poses.get(frame.pose, {}).items() if k in merged})
    merged.update({k: v for k, v in (frame.joints or {}).items() if k in merged})
    return merged


@dataclasses.dataclass(frozen=True)
class Placed:
    """A frame ready to draw: the partner, the helper, and the frame's box."""

    body: Body
    helper: Body | None
    left: float
    top: float
    right: float
    label: str | None


def place_body(frame: Frame, poses: dict[str, dict[str, float]], floor: float) -> Body:
    """Pose a frame's body and set it on the floor whose top is at y=`floor`."""
    body = pose_body(resolve_joints(frame, poses), frame.facing)
    if frame.pelvis_height is not None:
        return body.moved(frame.offset, floor - frame.pelvis_height)
    _, bottom = body.lowest()
    return body.moved(frame.offset, floor - bottom)


def place_frame(figure: Figure, index: int, poses: dict[str, dict[str, float]]) -> Placed:
    """Place one frame's partner (on the mat) and helper (on the floor beside it)."""
    frame = figure.frames[index]
    body = place_body(frame, poses, -MAT_H if figure.mat else 0.0)
    helper = None
    if figure.helper is not None:
        helper = place_body(figure.helper, poses, 0.0).moved(body.points["pelvis"].x, 0.0)
    boxes = [body.bounds()] + ([helper.bounds()] if helper else [])
    left = min(b[0] for b in boxes) - PAD
    right = max(b[2] for b in boxes) + PAD
    spare = max(MIN_WIDTH - (right - left), 0.0) / 2
    left, right = left - spare, right + spare
    top = min(b[1] for b in boxes) - PAD
    return Placed(body, helper, left, top, right, frame.label)


# --- checks -----------------------------------------------------------------------------------------


def check_figures(library: Library, positions: dict[Path, Positions]) -> list[Problem]:
    """Check every figure's pose data against human anatomy; return problems."""
    problems: list[Problem] = []
    pose_dir = library.content_dir / "poses"
    for name, joints in sorted(library.poses.items()):
        path = pose_dir / f"{name}.yml"
        where = positions.get(path, Positions())
        problems += _check_joints(joints, path, where, ("joints",), {})
    for sid, stretch in sorted(library.stretches.items()):
        if stretch.figure is None:
            continue
        path = library.source_paths[sid]
        where = positions.get(path, Positions())
        problems += _check_figure(stretch.figure, library, path, where)
    return problems


def _check_figure(figure: Figure, library: Library, path: Path, where: Positions) -> list[Problem]:
    problems: list[Problem] = []
    framed: list[tuple[Loc, Frame]] = [(("figure", "frames", i), f) for i, f in enumerate(figure.frames)]
    if figure.helper is not None:
        framed.append((("figure", "helper"), figure.helper))
    sound = True
    for loc, frame in framed:
        found = _check_frame(frame, library, path, where, loc)
        sound = sound and not found
        problems += found
    if not sound:
        return problems  # placing a broken pose would only repeat what is already said
    for index, frame in enumerate(figure.frames):
        loc = ("figure", "frames", index)
        placed = place_frame(figure, index, library.poses)
        floor = -MAT_H if figure.mat else 0.0
        for body, body_frame, body_loc, ground in ((placed.body, frame, loc, floor),
                                                   (placed.helper, figure.helper, ("figure", "helper"), 0.0)):
            if body is None or body_frame is None or body_frame.pelvis_height is None:
                continue
            part, bottom = body.lowest()
            if bottom > ground + 0.5:
                line, col = where.at((*body_loc, "pelvis_height"))
                problems.append(Problem(path, line, col, join_key((*body_loc, "pelvis_height")),
                                        f"the {part.replace('_', ' ')} is {bottom - ground:.0f} cm below the floor; "
                                        "raise `pelvis_height`, or remove it so the body rests on the floor"))
        width, height = placed.right - placed.left, -placed.top
        if width > MAX_FRAME[0] or height > MAX_FRAME[1]:
            blame = ("figure", "helper", "offset") if figure.helper is not None else loc
            line, col = where.at(blame)
            problems.append(Problem(path, line, col, join_key(blame),
                                    f"the figure needs a box of {width:.0f} × {height:.0f} cm, more than the "
                                    f"{MAX_FRAME[0]:.0f} × {MAX_FRAME[1]:.0f} cm a frame holds; "
                                    "bring the helper closer or fold the pose"))
    return problems


def _check_frame(frame: Frame, library: Library, path: Path, where: Positions, loc: Loc) -> list[Problem]:
    problems: list[Problem] = []
    inherited: dict[str, float] = {}
    if frame.pose is not None:
        if frame.pose in library.poses:
            inherited = library.poses[frame.pose]
        else:
            names = sorted(library.poses)
            hint = vocab.suggest(frame.pose, names)
            line, col = where.at((*loc, "pose"))
            folder = display_path(library.content_dir / "poses")
            listing = ", ".join(names) if names else f"none: add files to {folder}/"
            problems.append(Problem(path, line, col, join_key((*loc, "pose")),
                                    f"unknown pose `{frame.pose}`; "
                                    + (f"did you mean `{hint}`? " if hint else "")
                                    + f"(poses are the files in {folder}/: {listing})"))
    own = frame.joints or {}
    problems += _check_joints(own, path, where, (*loc, "joints"), inherited)
    return problems


def _check_joints(own: dict[str, float], path: Path, where: Positions, loc: Loc,
                  inherited: dict[str, float]) -> list[Problem]:
    """Check joint names and ranges of `own`; values only inherited from a pose are its file's job."""
    problems = []
    for name, value in sorted(own.items()):
        here = (*loc, name)
        if name not in JOINTS:
            hint = vocab.suggest(name, list(JOINTS))
            line, col = where.at(here, key=True)
            problems.append(Problem(path, line, col, join_key(here), f"unknown joint `{name}`; "
                                    + (f"did you mean `{hint}`?" if hint else f"expected one of: {', '.join(JOINTS)}")))
            continue
        message = limit_problem(name, value)
        if message:
            line, col = where.at(here)
            problems.append(Problem(path, line, col, join_key(here), message))
    return problems


def limit_problem(name: str, value: float) -> str | None:
    """Return why a joint angle is outside human limits, or None when it is within them."""
    limit = LIMITS[joint_kind(name)]
    if limit.low <= value <= limit.high:
        return None
    what = limit.too_low if value < limit.low else limit.too_high
    return f"{what} ({value:g}°); {limit.span}"


# --- drawing ----------------------------------------------------------------------------------------


def draw_figures(library: Library, only: str | None = None, store: cache.Store | None = None) -> dict[str, Art]:
    """Draw every stretch's figure (or just `only`); a stretch without one gets its position's pose.

    With a `store`, a figure drawn before from the same stretch, poses, code and template is
    read back instead (drawing 1,000 figures takes about 2 s).
    """
    env = make_env()
    template = env.get_template("figures/figure.svg")
    source, _, _ = env.loader.get_source(env, "figures/figure.svg") if env.loader else ("", None, None)
    shared = cache.digest(__version__, Path(__file__).read_bytes(), source,
                          json.dumps(library.poses, sort_keys=True)) if store else ""
    out: dict[str, Art] = {}
    for sid, stretch in sorted(library.stretches.items()):
        if only not in (None, sid):
            continue
        key = cache.digest(shared, stretch.model_dump_json()) if store else ""
        hit = store.get(key) if store else None
        if hit is not None:
            out[sid] = Art(**json.loads(hit[0]))
            continue
        figure = figure_of(stretch, library)
        alt = figure.alt or describe_figure(figure, library.poses)
        out[sid] = Art(svg=template.render(svg_data(stretch, figure, library.poses, alt)), alt=alt)
        if store:
            store.put(key, json.dumps({"svg": out[sid].svg, "alt": alt}).encode("utf-8"), {})
    return out


def figure_of(stretch: Stretch, library: Library) -> Figure:
    """Return the stretch's figure, or one in its starting position when it has none."""
    if stretch.figure is not None:
        return stretch.figure
    frame = Frame(pose=stretch.position) if stretch.position in library.poses else Frame(joints={})
    return Figure(frames=[frame])


def highlight_pieces(body: Body, areas: Iterable[str]) -> list[Stroke]:
    """Map target areas onto the parts of the body's segments that show them."""
    j = body.joints
    sides = ("near", "far")

    def pick(score: dict[str, float]) -> str:
        return max(sides, key=lambda s: (score[s], s == "near"))

    opened = pick({s: -j[f"{s}_hip"] for s in sides})  # the leg reaching furthest back
    folded = pick({s: j[f"{s}_hip"] for s in sides})  # the leg drawn furthest forward
    long_leg = pick({s: j[f"{s}_hip"] - j[f"{s}_knee"] for s in sides})
    bent_knee = pick({s: j[f"{s}_knee"] - j[f"{s}_hip"] for s in sides})  # hip back, knee bent
    table: dict[str, list[tuple[str, float, float]]] = {
        "lower-back": [("torso", 0.0, 0.5)],
        "upper-back": [("torso", 0.5, 1.0)],
        "spine": [("torso", 0.0, 1.0)],
        "chest": [("torso", 0.55, 1.0)],
        "neck": [("neck", 0.0, 1.0)],
        "hips": [(f"{folded}_thigh", 0.0, 0.4), ("seat", 0.0, 1.0)],
        "hip-flexors": [(f"{opened}_thigh", 0.0, 0.6), ("torso", 0.0, 0.12)],
        "glutes": [(f"{folded}_thigh", 0.0, 0.3), ("seat", 0.0, 1.0)],
        "hamstrings": [(f"{long_leg}_thigh", 0.12, 0.95)],
        "quadriceps": [(f"{bent_knee}_thigh", 0.12, 0.95)],
        "groin": [("near_thigh", 0.0, 0.5)],
        "calves": [("near_shin", 0.1, 0.9)],
        "shoulders": [("near_upper_arm", 0.0, 0.4)],
    }
    # The buttock is not a drawn segment: it sits behind and below the pelvis.
    pelvis = body.points["pelvis"]
    behind = heading(j["torso"] + 225, 8.0)
    seat = Stroke("seat", (pelvis, Pt(pelvis.x + (behind.x if body.facing == "right" else -behind.x),
                                      pelvis.y + behind.y)), LIMB_W)
    pieces: list[Stroke] = []
    for area in sorted(set(areas)):
        for name, t0, t1 in table.get(area, []):
            stroke = seat if name == "seat" else body.stroke(name)
            pieces.append(stroke.piece(t0, t1, stroke.width + HALO))
    return pieces


def _num(value: float) -> str:
    text = f"{round(value, 1) + 0.0:.1f}"
    text = "0.0" if text == "-0.0" else text
    return text[:-2] if text.endswith(".0") else text


def _segment(stroke: Stroke, dx: float, dy: float) -> dict[str, object]:
    pts = [f"{_num(p.x + dx)} {_num(p.y + dy)}" for p in stroke.points]
    return {"name": stroke.name, "points": pts, "width": _num(stroke.width)}


def outline(stroke: Stroke, radius: float) -> list[Pt]:
    """Return the outline of a round-capped stroke of `radius` around `stroke`'s centre line, as a polygon.

    Why a polygon and not a wide stroke: a dashed line can then run all round it, caps included.
    """
    centre = stroke.outline() if len(stroke.points) == 3 else [stroke.at(i / 4) for i in range(5)]
    angles = []
    for i in range(len(centre)):
        a, b = centre[max(i - 1, 0)], centre[min(i + 1, len(centre) - 1)]
        angles.append(math.atan2(b.y - a.y, b.x - a.x) if (a.x, a.y) != (b.x, b.y) else 0.0)

    def at(p: Pt, angle: float) -> Pt:
        return Pt(p.x + radius * math.cos(angle), p.y + radius * math.sin(angle))

    cap = [k / 8 * math.pi for k in range(1, 8)]
    ring = [at(c, a - math.pi / 2) for c, a in zip(centre, angles, strict=True)]
    ring += [at(centre[-1], angles[-1] - math.pi / 2 + t) for t in cap]
    ring += [at(c, a + math.pi / 2) for c, a in reversed(list(zip(centre, angles, strict=True)))]
    ring += [at(centre[0], angles[0] + math.pi / 2 + t) for t in cap]
    return ring


def _ring(points: list[Pt], dx: float, dy: float) -> list[str]:
    return [f"{_num(p.x + dx)} {_num(p.y + dy)}" for p in points]


def _body_data(body: Body, dx: float, dy: float, halos: list[Stroke]) -> dict[str, object]:
    far = [_segment(s, dx, dy) for s in body.strokes if s.name.startswith("far_")]
    near = [_segment(s, dx, dy) for s in body.strokes if not s.name.startswith("far_")]
    return {"far": far, "near": near,
            "halos": [_ring(outline(s, s.width / 2), dx, dy) for s in halos],
            "halo_edges": [_ring(outline(s, s.width / 2 + EDGE / 4), dx, dy) for s in halos],
            "edge_width": _num(EDGE / 2),
            "head": {"x": _num(body.head.x + dx), "y": _num(body.head.y + dy), "r": _num(HEAD_R)}}


def svg_data(stretch: Stretch, figure: Figure, poses: dict[str, dict[str, float]], alt: str) -> dict[str, object]:
    """Compute everything the SVG template draws, in whole viewBox coordinates."""
    placed = [place_frame(figure, i, poses) for i in range(len(figure.frames))]
    areas = figure.highlight if figure.highlight is not None else stretch.target_areas
    halos = [highlight_pieces(frame.body, areas) for frame in placed]
    # The box takes in the highlight bands too: their dashed edges reach past the body's strokes.
    boxes = []
    bottom = PAD  # below the floor line, which is at y=0
    for frame, pieces in zip(placed, halos, strict=True):
        left, top, right = frame.left, frame.top, frame.right
        for piece in pieces:
            reach = (piece.width + EDGE) / 2 + 2
            for pt in piece.outline():
                left, top, right = min(left, pt.x - reach), min(top, pt.y - reach), max(right, pt.x + reach)
                bottom = max(bottom, pt.y + reach)
        boxes.append((left, top, right))
    top = min(box[1] for box in boxes)
    labelled = any(p.label for p in placed)
    label_y = max(LABEL_H - 6, bottom + 14)
    height = -top + (label_y + 6 if labelled else bottom)
    frames = []
    cursor = 0.0
    for frame, pieces, (left, _, right) in zip(placed, halos, boxes, strict=True):
        dx, dy = cursor - left, -top
        width = right - left
        mat_left, _, mat_right, _ = frame.body.bounds()
        frames.append({
            "partner": _body_data(frame.body, dx, dy, pieces),
            "helper": _body_data(frame.helper, dx, dy, []) if frame.helper else None,
            "mat": {"x": _num(mat_left - 6 + dx), "y": _num(-MAT_H + dy), "width": _num(mat_right - mat_left + 12),
                    "height": _num(MAT_H)} if figure.mat else None,
            "floor": {"x1": _num(cursor), "x2": _num(cursor + width), "y": _num(dy)},
            "label": frame.label,
            "label_x": _num(cursor + width / 2),
            "label_y": _num(dy + label_y),
        })
        cursor += width + GAP
    total = cursor - GAP
    return {"alt": alt, "view_box": f"0 0 {_num(total)} {_num(height)}", "frames": frames,
            "highlight": HIGHLIGHT, "far_opacity": FAR_OPACITY, "helper_opacity": HELPER_OPACITY,
            "stretch_id": stretch.id}


# --- alt text ---------------------------------------------------------------------------------------


def describe_figure(figure: Figure, poses: dict[str, dict[str, float]]) -> str:
    """Describe a figure's positions in words, for readers who cannot see it."""
    texts = []
    for index, frame in enumerate(figure.frames):
        body = place_frame(figure, index, poses).body
        words = describe_body(body, -MAT_H if figure.mat else 0.0)
        texts.append(f"{frame.label}: {words[0].lower()}{words[1:]}" if frame.label else words)
    helper = ""
    if figure.helper is not None:
        words = describe_body(place_body(figure.helper, poses, 0.0), 0.0)
        helper = f" The helper: {words[0].lower()}{words[1:]}"
    if len(texts) == 1:
        return texts[0] + helper
    count = {2: "Two", 3: "Three", 4: "Four"}[len(texts)]
    return f"{count} positions. " + " ".join(texts) + helper


def describe_body(body: Body, floor: float) -> str:
    """Describe one posed body: what rests on the floor, then the torso, head and arms."""
    j, p = body.joints, body.points
    near, far = ("left", "right") if body.facing == "right" else ("right", "left")
    side_word = {"near": near, "far": far}
    forward = 1.0 if body.facing == "right" else -1.0

    def down(point: str, width: float = LIMB_W) -> bool:
        return p[point].y + width / 2 >= floor - 7

    knees = [s for s in ("near", "far") if down(f"{s}_knee")]
    feet = [s for s in ("near", "far") if s not in knees and (down(f"{s}_ankle") or down(f"{s}_toes"))]
    hands = [s for s in ("near", "far") if down(f"{s}_hand")]
    seated = down("pelvis", TORSO_W)
    lean = ((j["torso"] + 180) % 360) - 180
    lying = abs(lean) > 60 and seated and down("shoulders", TORSO_W)
    parts: list[str] = []
    quadruped = False
    straight_back = [s for s in ("near", "far") if j[f"{s}_hip"] < -35 and j[f"{s}_knee"] < 30]
    front_bent = [s for s in ("near", "far") if j[f"{s}_hip"] > 20 and j[f"{s}_knee"] > 90]
    if lying:
        parts.append("Lying on the back" if lean < 0 else "Lying face down")
    elif straight_back and front_bent and straight_back[0] != front_bent[0]:
        front, back = front_bent[0], straight_back[0]
        parts.append(f"{side_word[front].capitalize()} leg bent on the floor in front, "
                     f"{side_word[back]} leg stretched straight back")
    elif seated:
        straight = all(j[f"{s}_knee"] < 25 for s in ("near", "far"))
        parts.append("Sitting on the floor" + (", legs straight out in front" if straight else ""))
    elif len(knees) == 2 and max(p["near_ankle"].y, p["far_ankle"].y) - p["pelvis"].y < 30:
        parts.append("Kneeling, sitting back toward the heels")
    elif len(knees) == 2 and hands:
        quadruped = True
        parts.append("On hands and knees")
    elif len(knees) == 2:
        parts.append("Kneeling")
    elif len(knees) == 1:
        knee, other = knees[0], "far" if knees[0] == "near" else "near"
        text = f"Kneeling on the {side_word[knee]} knee"
        if other in feet and (p[f"{other}_ankle"].x - p["pelvis"].x) * forward > 0:
            text += f", {side_word[other]} foot flat in front"
        parts.append(text)
        if j[f"{knee}_hip"] < -5 and abs(lean) < 25:
            parts.append("hips pushed forward")
    elif feet:
        parts.append("Standing")
    else:
        parts.append("In position")
    if quadruped:
        if j["back"] > 12:
            parts.append("back rounded up toward the ceiling")
        elif j["back"] < -8:
            parts.append("belly sinking, back gently arched")
        else:
            parts.append("back flat")
    elif not lying:
        if abs(lean) < 20:
            parts.append("torso upright")
        elif abs(lean) < 50:
            parts.append("leaning forward" if lean > 0 else "leaning back")
        else:
            parts.append("torso folded forward" if lean > 0 else "leaning far back")
    if (quadruped or abs(lean) < 50) and j["neck"] > 20:
        parts.append("chin tucked")
    elif (quadruped or abs(lean) < 50) and j["neck"] < -12:
        parts.append("chest and gaze lifted")
    reach = max((p[f"{s}_hand"].x - p["pelvis"].x) * forward for s in ("near", "far"))
    shins = max((p[f"{s}_knee"].x - p["pelvis"].x) * forward for s in ("near", "far"))
    toes = max((p[f"{s}_toes"].x - p["pelvis"].x) * forward for s in ("near", "far"))
    if seated and not lying and shins > 20 and reach > shins:
        parts.append("hands reaching toward the feet" if reach > toes - 12 else "hands reaching toward the shins")
    elif hands and not quadruped and not lying:
        ahead = min((p[f"{s}_hand"].x - p["head"].x) * forward for s in hands)
        parts.append("arms reaching forward on the floor" if ahead > 0 else "hands on the floor")
    return ", ".join(parts) + "."
