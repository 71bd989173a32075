"""Draw figures from pose data: a line-art body posed by joint angles, rendered to SVG.

Angle convention, in degrees, for a body seen from the side facing right (`facing: left` mirrors it;
facing right, the near side is the body's right side). Every joint defaults to 0: standing upright,
arms hanging.

- `torso`: lean of the pelvis-to-shoulders line from vertical. 0 upright, 90 level with the head
  forward (hands and knees), -90 lying on the back.
- `back`: curve of the spine. Positive rounds it (cat), negative arches it (cow).
- `neck`: bend of the head from the line of the upper back. Positive tucks the chin, negative looks up.
- `*_hip`: thigh from the torso line. 90 at right angles in front (sitting), negative behind.
- `*_knee`, `*_elbow`: bend, 0 straight; below 0 is bending backwards.
- `*_ankle`: 0 foot at right angles to the shin, positive points the toes.
- `*_shoulder`: arm from the torso line. 0 hanging by the side, 90 forward, 180 overhead.
- `*_hip_out`, `*_shoulder_out`: the thigh or arm swung out to its own side (abduction).
- `*_hip_turn`: the thigh turned out about its own axis (external rotation); with a bent knee it
  swings the shin across in front of the body, as in pigeon and the figure-four.
- `pelvis_roll`: the pelvis tilted sideways about its front-to-back axis; positive lowers the far hip and
  raises the near one (pigeon's front buttock on a cushion, the back thigh down on the mat). The hips
  and legs tilt with it; the spine bends back, so the torso line and the arms stay where `torso` puts them.

Why limbs hang off the torso line and not the curved spine: changing `back` (cat to cow) then
leaves the hands and knees where they are. The pelvis is the root; the body is then lowered until
its lowest point rests on the mat or floor, unless the frame gives `pelvis_height`.

The body is posed in three dimensions (x forward, y down, z toward the viewer) so that the same pose
can be drawn from the side or from above. Each body part is a closed outline with volume (a torso,
tapered limbs, hands and feet, a head with a nose); parts are drawn far side first, each chain of parts
(an arm, a leg, the torso with neck and head) as one shape with one outline.
"""

from __future__ import annotations

import dataclasses
import functools
import json
import math
from collections.abc import Callable, Iterable, Sequence
from itertools import pairwise
from pathlib import Path
from typing import Any

from . import __version__, cache, i18n, vocab
from .loader import Loc, Positions
from .models import Art, Figure, Frame, HelperFrame, Library, Prop, Stretch
from .problems import Problem, display_path, join_key
from .templates import make_env

# Segment lengths in cm of an adult of about 170 cm, joint to joint.
TORSO = 52.0  # hip joints to shoulder joints
NECK = 9.0
HEAD_R = 10.5  # half the head's height, roughly
UPPER_ARM = 30.0
FOREARM = 25.0  # elbow to wrist
HAND = 18.0  # wrist to fingertips
THIGH = 43.0
SHIN = 43.0  # knee to ankle joint; the sole is ANKLE_H below it
ANKLE_H = 7.0
HIP_Z = 9.0  # hip joints either side of the midline
SHOULDER_Z = 17.0

# Compatibility names for the "does this rest on the floor" tests of the alt text: half-thicknesses.
LIMB_W = 10.0
TORSO_W = 20.0

SAG_AT = 0.42  # how far up the torso an arched back's curve is pulled: about level with the navel
LINE = 1.5  # outline width in cm: about 2 px on a phone, 0.3 mm on an A7 card
MAT_H = 4.0
PAD = 10.0
GAP = 24.0  # between frames
LABEL_H = 30.0
MIN_WIDTH = 190.0  # narrow poses get room beside them, so standing is not drawn huge
MAX_FRAME = (320.0, 260.0)  # the largest box one frame may fill, width and height in cm
REST_GAP = (3.0, 9.0)  # a part this far above what it rests on looks as if it floats
HATCH = 3.4  # spacing of the hatching on the highlighted area

HIGHLIGHT = "#ffb52e"
HATCH_COLOUR = "#8a4b00"
NEAR_FILL = "#ffffff"
FAR_FILL = "#c6ccd5"
HELPER_LINE = "#6b7280"
HELPER_FAR_FILL = "#e3e6ea"
MAT_FILL = "#e9ebee"
PROP_FILL = "#d9c7a7"

JOINTS: tuple[str, ...] = Frame.JOINTS
SIDES = ("far", "near")


@dataclasses.dataclass(frozen=True)
class Limit:
    """The human range of one kind of joint, and how to say it is exceeded."""

    low: float
    high: float
    too_low: str
    too_high: str
    span: str


# The human range of each kind of joint: kind | low | high | too low | too high |, then the range in words.
_LIMIT_ROWS = """
torso | -180 | 180 | torso lean out of range | torso lean out of range |
    the torso lean is between -180° and 180°
back | -35 | 60 | back arched too far | back rounded too far |
    the back bends between -35° (arched) and 60° (rounded)
neck | -60 | 70 | head tipped back too far | chin tucked too far |
    the neck bends between -60° (looking up) and 70° (chin to chest)
roll | -30 | 30 | pelvis tipped too far toward the near side | pelvis tipped too far toward the far side |
    the pelvis tilts sideways between -30° (the near hip lower) and 30° (the far hip lower)
hip | -75 | 160 | thigh pushed too far back | hip bent too far |
    hips move between -75° (thigh behind) and 160° (thigh to the chest)
knee | 0 | 160 | knee bent backwards | knee bent too far |
    knees bend between 0° and 160°
ankle | -35 | 95 | ankle flexed too far | toes pointed too far |
    ankles move between -35° (toes up) and 95° (toes pointed)
shoulder | -60 | 200 | arm pulled too far back | arm raised too far |
    shoulders move between -60° (arm behind) and 200° (arm overhead)
elbow | 0 | 150 | elbow bent backwards | elbow bent too far |
    elbows bend between 0° and 150°
hip_out | -30 | 80 | thigh drawn too far across | thigh swung too far out |
    the thigh swings between -30° (across the other leg) and 80° (out to the side)
hip_turn | -45 | 90 | thigh turned in too far | thigh turned out too far |
    the thigh turns between -45° (in) and 90° (out)
shoulder_out | -20 | 180 | arm drawn too far across | arm swung too far out |
    the arm swings between -20° (across the chest) and 180° (out and up)
"""


def _limits(rows: str) -> dict[str, Limit]:
    out = {}
    for row in rows.strip().replace("|\n", "|").splitlines():
        kind, low, high, too_low, too_high, span = (cell.strip() for cell in row.split("|"))
        out[kind] = Limit(float(low), float(high), too_low, too_high, span)
    return out


LIMITS: dict[str, Limit] = _limits(_LIMIT_ROWS)


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


# --- three dimensions -----------------------------------------------------------------------------

V3 = tuple[float, float, float]
Mat = tuple[V3, V3, V3]  # rows
UP: V3 = (0.0, -1.0, 0.0)


def _add(a: V3, b: V3) -> V3:
    return (a[0] + b[0], a[1] + b[1], a[2] + b[2])


def _mul(a: V3, k: float) -> V3:
    return (a[0] * k, a[1] * k, a[2] * k)


def _apply(m: Mat, v: V3) -> V3:
    return (m[0][0] * v[0] + m[0][1] * v[1] + m[0][2] * v[2],
            m[1][0] * v[0] + m[1][1] * v[1] + m[1][2] * v[2],
            m[2][0] * v[0] + m[2][1] * v[1] + m[2][2] * v[2])


def _compose(a: Mat, b: Mat) -> Mat:
    cols = [_apply(a, (b[0][k], b[1][k], b[2][k])) for k in range(3)]
    return ((cols[0][0], cols[1][0], cols[2][0]), (cols[0][1], cols[1][1], cols[2][1]),
            (cols[0][2], cols[1][2], cols[2][2]))


def _rot(axis: str, angle: float) -> Mat:
    """Rotation by `angle` degrees; about z it turns straight up clockwise on screen, like `heading`."""
    c, s = math.cos(math.radians(angle)), math.sin(math.radians(angle))
    if axis == "z":
        return ((c, -s, 0.0), (s, c, 0.0), (0.0, 0.0, 1.0))
    if axis == "x":
        return ((1.0, 0.0, 0.0), (0.0, c, -s), (0.0, s, c))
    return ((c, 0.0, s), (0.0, 1.0, 0.0), (-s, 0.0, c))


@dataclasses.dataclass(frozen=True)
class Body:
    """A posed body, facing right with the pelvis at the origin, and where it is placed.

    `p3` holds joint positions in 3D; `axes` the direction vectors hands and feet are drawn along.
    `dx`, `dy` move it into place and `facing: left` mirrors it, both only when projected.
    """

    p3: dict[str, V3]
    axes: dict[str, V3]
    spine_ctrl: V3
    joints: dict[str, float]
    facing: str
    dx: float = 0.0
    dy: float = 0.0

    def moved(self, dx: float, dy: float) -> Body:
        """Return the body shifted by (dx, dy)."""
        return dataclasses.replace(self, dx=self.dx + dx, dy=self.dy + dy)

    def to_screen(self, x: float, y: float) -> Pt:
        """Place a point of the facing-right side view: mirror it when facing left, then move it."""
        return Pt((x if self.facing == "right" else -x) + self.dx, y + self.dy)

    @property
    def points(self) -> dict[str, Pt]:
        """Named points as seen from the side, placed."""
        return {name: self.to_screen(p[0], p[1]) for name, p in self.p3.items()}

    @property
    def head(self) -> Pt:
        """Centre of the head, placed."""
        return self.points["head"]

    def bounds(self, view: str = "side") -> tuple[float, float, float, float]:
        """Return (left, top, right, bottom) of everything drawn."""
        xs, ys = [], []
        for part in body_parts(self, view):
            xs += [p.x for p in part.ring]
            ys += [p.y for p in part.ring]
        return min(xs) - LINE, min(ys) - LINE, max(xs) + LINE, max(ys) + LINE

    def lowest(self) -> tuple[str, float]:
        """Return the name of the lowest drawn part and the y of its lower edge, outline included."""
        best = ("head", -math.inf)
        for part in body_parts(self, "side"):
            bottom = max(p.y for p in part.ring) + LINE
            if bottom > best[1] + 1e-9:
                best = (part.name, bottom)
        return best

    def part_bottom(self, name: str) -> float:
        """Return the y of the lower edge of one named part."""
        part = next(p for p in body_parts(self, "side") if p.name == name)
        return max(p.y for p in part.ring) + LINE


def _side_sign(side: str) -> float:
    return 1.0 if side == "near" else -1.0


def pose_body(joints: dict[str, float], facing: str = "right", flat_hands: Iterable[str] = (),
              tipped_hands: dict[str, float] | None = None) -> Body:
    """Pose a body from joint angles by forward kinematics from the pelvis at (0, 0, 0).

    `flat_hands` names the sides whose hand lies flat, palm down, pointing away from the body: a
    hand that takes weight on the floor. `tipped_hands` maps a side to the height of its wrist above
    the floor where the palm cannot reach it: that hand points down and forward, its fingertips on the floor.
    """
    j = {name: float(joints.get(name, 0.0)) for name in JOINTS}
    lean, bend = j["torso"], j["back"]
    pelvis_r = _rot("z", lean)
    shoulders = _mul(_apply(pelvis_r, UP), TORSO)
    # A quadratic curve that bulges out (positive `back`) or sags (negative). Why 1.7: with the end
    # tangents turning by exactly `back`, the middle of a back moves only 10 cm from cat to cow.
    bulge = 1.7 * TORSO / 2 * math.tan(math.radians(bend / 2))
    back_dir = heading(lean - 90, 1.0)
    # An arched back (cow) sinks most at the waist, below the middle of the torso; a rounded one
    # (cat) rises most in the middle.
    sag_at = SAG_AT if bend < 0 else 0.5
    spine_ctrl = (shoulders[0] * sag_at + back_dir.x * bulge, shoulders[1] * sag_at + back_dir.y * bulge, 0.0)
    neck_r = _rot("z", lean + bend / 2 + j["neck"])
    neck_end = _add(shoulders, _mul(_apply(neck_r, UP), NECK))
    head = _add(neck_end, _mul(_apply(neck_r, UP), HEAD_R * 0.85))
    p3: dict[str, V3] = {"pelvis": (0.0, 0.0, 0.0), "shoulders": shoulders, "neck": neck_end, "head": head}
    axes: dict[str, V3] = {"head_up": _apply(neck_r, UP), "head_front": _apply(neck_r, (1.0, 0.0, 0.0))}
    # The hips and legs hang off the pelvis, tilted sideways by `pelvis_roll`; the torso line above does not tilt.
    hips_r = _compose(pelvis_r, _rot("x", j["pelvis_roll"])) if j["pelvis_roll"] else pelvis_r
    for side in SIDES:
        sign = _side_sign(side)
        hip = _apply(hips_r, (0.0, 0.0, sign * HIP_Z)) if j["pelvis_roll"] else (0.0, 0.0, sign * HIP_Z)
        thigh_r = _compose(_compose(_compose(hips_r, _rot("z", 180 - j[f"{side}_hip"])),
                                    _rot("x", -sign * j[f"{side}_hip_out"])), _rot("y", sign * j[f"{side}_hip_turn"]))
        knee = _add(hip, _mul(_apply(thigh_r, UP), THIGH))
        shin_r = _compose(thigh_r, _rot("z", j[f"{side}_knee"]))
        ankle = _add(knee, _mul(_apply(shin_r, UP), SHIN))
        foot_r = _compose(shin_r, _rot("z", j[f"{side}_ankle"]))
        sole = _apply(_compose(foot_r, _rot("z", -90)), UP)  # heel to toes
        top = _apply(foot_r, (0.0, 1.0, 0.0))  # toward the shin: the top of the foot
        shoulder = _add(shoulders, (0.0, 0.0, sign * SHOULDER_Z * 0.55))
        arm_r = _compose(_compose(pelvis_r, _rot("z", 180 - j[f"{side}_shoulder"])),
                         _rot("x", -sign * j[f"{side}_shoulder_out"]))
        elbow = _add(shoulder, _mul(_apply(arm_r, UP), UPPER_ARM))
        fore_r = _compose(arm_r, _rot("z", -j[f"{side}_elbow"]))
        wrist = _add(elbow, _mul(_apply(fore_r, UP), FOREARM))
        along = _apply(fore_r, UP)
        back_of_hand = _apply(fore_r, (-1.0, 0.0, 0.0))
        if side in flat_hands or side in (tipped_hands or {}):
            ahead = 1.0 if wrist[0] >= -5 else -1.0
            tilt = _fingertip_tilt((tipped_hands or {}).get(side, 0.0))
            c, s = math.cos(tilt), math.sin(tilt)
            along, back_of_hand = (ahead * c, s, 0.0), (ahead * s, -c, 0.0)
        fingertips = _add(wrist, _mul(along, HAND))
        p3.update({f"{side}_hip": hip, f"{side}_knee": knee, f"{side}_ankle": ankle,
                   f"{side}_toes": _add(_add(ankle, _mul(sole, 19.0)), _mul(top, -ANKLE_H + 2)),
                   f"{side}_heel": _add(_add(ankle, _mul(sole, -5.0)), _mul(top, -ANKLE_H + 1)),
                   f"{side}_shoulder": shoulder, f"{side}_elbow": elbow, f"{side}_wrist": wrist,
                   f"{side}_hand": _add(wrist, _mul(along, HAND * 0.45)), f"{side}_fingertips": fingertips})
        axes.update({f"{side}_sole": sole, f"{side}_foot_top": top, f"{side}_hand_along": along,
                     f"{side}_hand_back": back_of_hand})
    return Body(p3, axes, spine_ctrl, j, facing)


def _fingertip_tilt(height: float) -> float:
    """Return how far (radians) a hand tips down from flat so its outline reaches `height` below the wrist.

    0 for a wrist low enough for the palm to lie on the floor; at most straight down.
    """
    def reach(tilt: float) -> float:
        c, s = math.cos(tilt), math.sin(tilt)
        return max(s * u - c * v for u, v in HAND_SHAPE) + LINE

    if reach(0.0) >= height:
        return 0.0
    low, high = 0.0, math.pi / 2
    for _ in range(30):
        mid = (low + high) / 2
        low, high = (mid, high) if reach(mid) < height else (low, mid)
    return high


# --- shapes -----------------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class Part:
    """One body part's closed outline as drawn, and what it belongs to.

    `chain` groups parts drawn as one shape (an arm, a leg, the core); `side` is near, far or mid.
    """

    name: str
    chain: str
    side: str
    ring: tuple[Pt, ...]
    depth: float  # larger is nearer the viewer: drawn later


@dataclasses.dataclass(frozen=True)
class Tube:
    """A tapered tube along a centre line, with its radius on either side at fractions along it."""

    centre: tuple[tuple[float, float], ...]
    left: tuple[tuple[float, float], ...]  # (t, radius) on the +normal side
    right: tuple[tuple[float, float], ...]  # (t, radius) on the -normal side


def _profile(table: Sequence[tuple[float, float]], t: float) -> float:
    for (t0, r0), (t1, r1) in pairwise(table):
        if t0 <= t <= t1:
            u = (t - t0) / (t1 - t0) if t1 > t0 else 0.0
            u = u * u * (3 - 2 * u)  # smooth between the listed radii
            return r0 + (r1 - r0) * u
    return table[-1][1] if t > table[-1][0] else table[0][1]


def _sample(points: Sequence[tuple[float, float]], n: int) -> list[tuple[float, float]]:
    """Sample a 2- or 3-point (quadratic) centre line at n+1 even steps."""
    out = []
    for i in range(n + 1):
        t = i / n
        if len(points) == 2:
            (ax, ay), (bx, by) = points
            out.append((ax + (bx - ax) * t, ay + (by - ay) * t))
        else:
            (ax, ay), (cx, cy), (bx, by) = points
            u = 1 - t
            out.append((u * u * ax + 2 * u * t * cx + t * t * bx, u * u * ay + 2 * u * t * cy + t * t * by))
    return out


def tube_ring(tube: Tube, t0: float = 0.0, t1: float = 1.0, s0: float = -1.0, s1: float = 1.0,
              caps: bool = True, inset: float = 0.0) -> list[Pt]:
    """Return the outline of a tube, or of the piece of it between fractions t0..t1 along and s0..s1 across.

    Across runs from -1 (the right-hand edge) to 1 (the left-hand edge); caps round the ends of a whole tube.
    """
    steps = 14
    centre = _sample(tube.centre, 40)
    length = sum(math.dist(a, b) for a, b in pairwise(centre))
    if length < 1e-6:  # seen end on: a disc
        (cx, cy), r = centre[0], max(_profile(tube.left, 0.5), _profile(tube.right, 0.5)) - inset
        return [Pt(cx + r * math.cos(k / 16 * math.tau), cy + r * math.sin(k / 16 * math.tau)) for k in range(16)]

    def at(t: float) -> tuple[float, float, float, float]:
        pos = t * 40
        i = min(int(pos), 39)
        f = pos - i
        (ax, ay), (bx, by) = centre[i], centre[i + 1]
        dxv, dyv = bx - ax, by - ay
        norm = math.hypot(dxv, dyv) or 1.0
        # For a nearly end-on tube the local direction is unreliable: use the whole tube's direction.
        if norm < length / 400:
            dxv, dyv = centre[-1][0] - centre[0][0], centre[-1][1] - centre[0][1]
            norm = math.hypot(dxv, dyv) or 1.0
        return ax + dxv * f, ay + dyv * f, dxv / norm, dyv / norm

    def edge(t: float, s: float) -> Pt:
        x, y, ux, uy = at(t)
        nx, ny = -uy, ux
        r = (_profile(tube.left, t) if s > 0 else _profile(tube.right, t)) - inset
        return Pt(x + nx * r * s, y + ny * r * s)

    ts = [t0 + (t1 - t0) * i / steps for i in range(steps + 1)]
    ring = [edge(t, s0) for t in ts]
    if caps and t1 >= 1.0 and s0 <= -1 and s1 >= 1:
        x, y, ux, uy = at(1.0)
        r_left, r_right = _profile(tube.left, 1.0) - inset, _profile(tube.right, 1.0) - inset
        for k in range(1, 10):
            a = -math.pi / 2 + math.pi * k / 10
            r = r_right + (r_left - r_right) * k / 10
            ring.append(Pt(x + (ux * math.cos(a) - uy * math.sin(a)) * r,
                           y + (uy * math.cos(a) + ux * math.sin(a)) * r))
    elif s0 != s1:
        ring += [edge(t1, s0 + (s1 - s0) * k / 4) for k in range(1, 4)]
    ring += [edge(t, s1) for t in reversed(ts)]
    if caps and t0 <= 0.0 and s0 <= -1 and s1 >= 1:
        x, y, ux, uy = at(0.0)
        r_left, r_right = _profile(tube.left, 0.0) - inset, _profile(tube.right, 0.0) - inset
        for k in range(1, 10):
            a = math.pi / 2 + math.pi * k / 10
            r = r_left + (r_right - r_left) * k / 10
            ring.append(Pt(x + (ux * math.cos(a) - uy * math.sin(a)) * r,
                           y + (uy * math.cos(a) + ux * math.sin(a)) * r))
    elif s0 != s1:
        ring += [edge(t0, s1 + (s0 - s1) * k / 4) for k in range(1, 4)]
    return ring


# Radii in cm along each part, on its two sides. For the torso, left (+normal) is the front (belly)
# and right the back; for limbs, left is the back of the limb (calf, hamstring, back of the arm).
TORSO_FRONT = ((0.0, 9.5), (0.25, 10.8), (0.5, 10.2), (0.8, 12.2), (1.0, 8.0))
TORSO_BACK = ((0.0, 10.0), (0.12, 11.0), (0.42, 8.6), (0.72, 10.6), (1.0, 8.0))
# At the hip the thigh is as round as the torso's end, so a thigh folded against the torso (child's pose)
# does not draw a second outline inside the buttock.
THIGH_R = ((0.0, 9.5), (0.22, 7.4), (0.5, 6.3), (1.0, 4.9))
THIGH_BACK = ((0.0, 10.0), (0.2, 7.6), (0.35, 6.8), (1.0, 4.9))
SHIN_FRONT = ((0.0, 4.9), (0.5, 3.6), (1.0, 3.0))
SHIN_BACK = ((0.0, 4.9), (0.3, 5.6), (0.7, 3.9), (1.0, 3.1))
UPPER_ARM_R = ((0.0, 5.2), (0.4, 4.6), (1.0, 3.7))
FOREARM_R = ((0.0, 3.8), (0.35, 3.9), (1.0, 2.7))
NECK_R = ((0.0, 5.2), (1.0, 5.0))


# The views that look along the way the body faces: from the front of an upright body, from the feet of
# a lying one. One projection; the two names say what the reader sees.
AHEAD = ("front", "feet")


def project(point: V3, view: str) -> tuple[float, float]:
    """Return where a point of the facing-right body is seen in `view`.

    From the side x runs forward and y down; from above x and z (the near side down the page); from the
    front or the feet -z and y: a reader facing the body sees its near side, the side that faced the
    reader of the side view, on their left (facing right, that is the body's right side).
    """
    x, y, z = point
    if view == "side":
        return (x, y)
    return (x, z) if view == "top" else (-z, y)


def _part_tubes(body: Body, view: str) -> dict[str, tuple[Tube, str, str]]:
    """Return each tube-shaped part: its tube, chain and side, in the facing-right frame of `view`."""
    p = body.p3

    def flat(name: str) -> tuple[float, float]:
        return project(p[name], view)

    out: dict[str, tuple[Tube, str, str]] = {}
    for side in SIDES:
        leg = f"{side}_leg"
        out[f"{side}_thigh"] = (Tube((flat(f"{side}_hip"), flat(f"{side}_knee")), THIGH_BACK, THIGH_R), leg, side)
        out[f"{side}_shin"] = (Tube((flat(f"{side}_knee"), flat(f"{side}_ankle")), SHIN_BACK, SHIN_FRONT), leg, side)
        out[f"{side}_upper_arm"] = (Tube((flat(f"{side}_shoulder"), flat(f"{side}_elbow")), UPPER_ARM_R, UPPER_ARM_R),
                                    f"{side}_arm", side)
        out[f"{side}_forearm"] = (Tube((flat(f"{side}_elbow"), flat(f"{side}_wrist")), FOREARM_R, FOREARM_R),
                                  f"{side}_arm", side)
    if view == "side":
        ctrl = (body.spine_ctrl[0], body.spine_ctrl[1])
        out["torso"] = (Tube((flat("pelvis"), ctrl, flat("shoulders")), TORSO_FRONT, TORSO_BACK), "core", "mid")
    out["neck"] = (Tube((flat("shoulders"), flat("head")), NECK_R, NECK_R), "core", "mid")
    return out


def _local(origin: V3, u: V3, v: V3, shape: Sequence[tuple[float, float]], view: str) -> list[tuple[float, float]]:
    """Map a shape drawn in a part's own (u, v) axes into the view."""
    return [project(_add(origin, _add(_mul(u, a), _mul(v, b))), view) for a, b in shape]


# A foot seen from its inner side: u from heel to toes along the sole, v up toward the shin; the ankle
# joint at (0, 0). A hand seen from the thumb side: u from wrist to fingertips, v toward its back.
FOOT_SHAPE = ((-3.2, 3.0), (-5.6, -2.0), (-6.0, -5.2), (-4.4, -6.9), (2.0, -7.0), (12.5, -6.9),
              (17.5, -6.3), (19.8, -5.0), (19.6, -3.6), (17.0, -3.1), (11.0, -1.9), (5.5, 0.4), (3.6, 3.0))
HAND_SHAPE = ((0.0, 2.6), (4.5, 3.0), (9.5, 2.8), (14.5, 2.0), (17.6, 1.0), (18.2, -0.4), (17.0, -1.5),
              (13.0, -2.1), (9.0, -2.6), (7.5, -4.4), (5.0, -4.9), (3.0, -3.9), (0.0, -2.8))
FOOT_TOP = ((-5.0, -4.0), (19.0, -4.0))  # the centre line of a foot seen from above
HAND_TOP = ((0.0, 0.0), (16.0, 0.0))


@dataclasses.dataclass(frozen=True)
class End:
    """A foot or a hand: drawn from its joint along two of the body's axes, its outline from the side, its
    centre line and radii from above."""

    name: str
    chain: str
    joint: str
    along: str
    up: str
    shape: tuple[tuple[float, float], ...]
    top: tuple[tuple[float, float], ...]
    radii: tuple[tuple[float, float], ...]


ENDS = (End("foot", "leg", "ankle", "sole", "foot_top", FOOT_SHAPE, FOOT_TOP, ((0, 4.0), (0.7, 4.6), (1, 3.6))),
        End("hand", "arm", "wrist", "hand_along", "hand_back", HAND_SHAPE, HAND_TOP, ((0, 2.8), (0.6, 4.2), (1, 2.6))))


EDGE_ON = 0.5  # |z| of a foot's or hand's own plane normal below which it is seen edge-on from the side


def _end_ring(body: Body, view: str, side: str, end: End) -> list[tuple[float, float]]:
    """Return the outline of one side's foot or hand in `view`."""
    axes = (body.p3[f"{side}_{end.joint}"], body.axes[f"{side}_{end.along}"], body.axes[f"{side}_{end.up}"])
    _, u, v = axes
    # A foot or hand turned across the side plane (the figure-four's crossed foot) would shrink to a
    # sliver in its side outline: seen edge-on, draw it as from above or below, with its width.
    if view == "side" and abs(u[0] * v[1] - u[1] * v[0]) >= EDGE_ON:
        return _local(*axes, end.shape, view)
    centre = _local(*axes, end.top, view)
    return [(q.x, q.y) for q in tube_ring(Tube(tuple(centre), end.radii, end.radii))]


def _ellipse(cx: float, cy: float, rx: float, ry: float, n: int = 24) -> list[tuple[float, float]]:
    return [(cx + rx * math.cos(k / n * math.tau), cy + ry * math.sin(k / n * math.tau)) for k in range(n)]


def _hull(points: list[tuple[float, float]]) -> list[tuple[float, float]]:
    """Return the convex hull of points, anticlockwise (Andrew's monotone chain)."""
    pts = sorted(set(points))
    if len(pts) < 3:
        return pts

    def cross(o: tuple[float, float], a: tuple[float, float], b: tuple[float, float]) -> float:
        return (a[0] - o[0]) * (b[1] - o[1]) - (a[1] - o[1]) * (b[0] - o[0])

    lower: list[tuple[float, float]] = []
    for q in pts:
        while len(lower) >= 2 and cross(lower[-2], lower[-1], q) <= 0:
            lower.pop()
        lower.append(q)
    upper: list[tuple[float, float]] = []
    for q in reversed(pts):
        while len(upper) >= 2 and cross(upper[-2], upper[-1], q) <= 0:
            upper.pop()
        upper.append(q)
    return lower[:-1] + upper[:-1]


def _head_shape(body: Body, view: str) -> list[tuple[float, float]]:
    """The head: an egg with a nose on the face side, so it shows which way the figure looks."""
    up, front = body.axes["head_up"], body.axes["head_front"]
    centre = body.p3["head"]
    shape = []
    for k in range(36):
        a = k / 36 * math.tau  # 0 at the face, anticlockwise toward the crown
        f, u = 8.6 * math.cos(a), 10.8 * math.sin(a) + (1.0 if math.sin(a) > 0 else 0.0)
        nose = 2.4 * math.exp(-(((a + 0.18 + math.pi) % math.tau - math.pi) / 0.16) ** 2)
        chin = -1.6 * math.exp(-(((a + 0.95 + math.pi) % math.tau - math.pi) / 0.3) ** 2)
        shape.append((f + nose + chin, u))
    if view == "top":
        # From above: a round skull, the nose showing the face.
        return _local(centre, front, (0.0, 0.0, 1.0), [(f * 1.0, u * 0.8) for f, u in shape], "top")
    if view in AHEAD:
        # From the front or the feet: the head's outline across, as round as it is wide.
        (cx, cy) = project(centre, view)
        return _ellipse(cx, cy, 8.2, 9.5, 28)
    return _local(centre, front, _mul(up, -1.0), [(f, -u) for f, u in shape], view)


def _torso_top(body: Body, view: str = "top") -> list[tuple[float, float]]:
    """The torso from above (or from the feet): the hull of its cross-sections, hips to shoulders."""
    pts: list[tuple[float, float]] = []
    (px, py, _), (sx, sy, _) = body.p3["pelvis"], body.p3["shoulders"]
    cx, cy = body.spine_ctrl[0], body.spine_ctrl[1]
    lean = math.radians(body.joints["torso"])
    # How much of the torso's front-to-back depth shows: from above, and from the feet.
    depth = abs(math.cos(lean)) if view == "top" else abs(math.sin(lean))
    for t, width, thick in ((0.0, 16.5, 10.0), (0.4, 14.0, 9.0), (0.75, 16.0, 11.0), (1.0, 18.5, 8.0)):
        u = 1 - t
        x = u * u * px + 2 * u * t * cx + t * t * sx
        y = u * u * py + 2 * u * t * cy + t * t * sy
        if view == "top":
            pts += _ellipse(x, 0.0, max(thick * depth, 4.0), width, 20)
        elif t == 0.0 and body.joints["pelvis_roll"]:
            # The pelvis tilts with `pelvis_roll`, its far hip lower for a positive roll; the chest does not.
            roll = math.radians(body.joints["pelvis_roll"])
            c, s = math.cos(roll), math.sin(roll)
            pts += [(c * a - s * (b - y), y + s * a + c * (b - y))
                    for a, b in _ellipse(0.0, y, width, max(thick * depth, 4.0), 20)]
        else:
            pts += _ellipse(0.0, y, width, max(thick * depth, 4.0), 20)
    return _hull(pts)


def body_parts(body: Body, view: str = "side") -> list[Part]:
    """Return the outlines of every body part in drawing order (far first), placed."""
    parts: list[Part] = []
    tubes = _part_tubes(body, view)

    def depth(*names: str) -> float:
        """Nearness to the viewer: z from the side, height from above."""
        index, sign = {"side": (2, 1.0), "top": (1, -1.0), **dict.fromkeys(AHEAD, (0, 1.0))}[view]
        return sum(body.p3[n][index] * sign for n in names) / len(names)

    for name, (tube, chain, side) in tubes.items():
        ring = [(p.x, p.y) for p in tube_ring(tube)]
        ends = {"thigh": ("hip", "knee"), "shin": ("knee", "ankle"), "upper_arm": ("shoulder", "elbow"),
                "forearm": ("elbow", "wrist")}
        kind = name.split("_", 1)[-1]
        keys = [f"{side}_{e}" for e in ends[kind]] if kind in ends else ["pelvis", "shoulders"]
        parts.append(Part(name, chain, side, tuple(Pt(*q) for q in ring), depth(*keys)))
    if view != "side":
        parts.append(Part("torso", "core", "mid", tuple(Pt(*q) for q in _torso_top(body, view)),
                          depth("pelvis", "shoulders")))
    for side in SIDES:
        for end in ENDS:
            ring = _end_ring(body, view, side, end)
            parts.append(Part(f"{side}_{end.name}", f"{side}_{end.chain}", side, tuple(Pt(*q) for q in ring),
                              depth(f"{side}_{end.joint}")))
    # From above the head is seen on its own, over or beside the shoulders.
    head = tuple(Pt(*q) for q in _head_shape(body, view))
    parts.append(Part("head", "core" if view == "side" else "head", "mid", head, depth("head")))
    placed = []
    for part in parts:
        where = tuple(body.to_screen(q.x, q.y) for q in part.ring)
        placed.append(dataclasses.replace(part, ring=where))
    return placed


LOWER = ("_shin", "_foot", "_forearm", "_hand")
NEARER = 10.0  # cm: a near leg this much nearer the reader than the near arm is drawn over it
TUCK_FOLD = 40.0  # degrees: a shin seen from the side this close along its thigh folds back under it
TUCK_ACROSS = 10.0  # cm: an ankle this much further from the reader than its hip lies across the body


def tucked(body: Body) -> bool:
    """Return whether the near leg's shin folds back under its thigh, across the body (pigeon's front leg).

    Seen from the side, such a shin lies behind its own thigh: drawn as one shape with it, thigh, shin and
    foot merge into one blob, and the reader cannot find the knee.
    """
    hip, knee, ankle = (body.p3[f"near_{name}"] for name in ("hip", "knee", "ankle"))
    if hip[2] - ankle[2] < TUCK_ACROSS:
        return False
    up, down = (hip[0] - knee[0], hip[1] - knee[1]), (ankle[0] - knee[0], ankle[1] - knee[1])
    lengths = math.hypot(*up) * math.hypot(*down)
    return lengths > 0 and (up[0] * down[0] + up[1] * down[1]) / lengths > math.cos(math.radians(TUCK_FOLD))


def bowed(body: Body) -> bool:
    """Return whether the head, seen from the side, is low under the near arm reaching past it (child's pose)."""
    head, shoulder, hand = (body.points[name] for name in ("head", "near_shoulder", "near_hand"))
    if head.y < shoulder.y + HEAD_R or not min(shoulder.x, hand.x) < head.x < max(shoulder.x, hand.x):
        return False
    over = shoulder.y + (hand.y - shoulder.y) * (head.x - shoulder.x) / (hand.x - shoulder.x)
    return over < head.y  # the arm passes above the head's centre


def chains(body: Body, view: str) -> list[tuple[str, list[Part]]]:
    """Group a body's parts into chains drawn as one shape each, in drawing order."""
    parts = body_parts(body, view)
    apart = view == "side" and tucked(body)
    grouped: dict[str, list[Part]] = {}
    for part in parts:
        chain = part.chain
        if (view in AHEAD or (apart and chain == "near_leg")) and part.name.endswith(LOWER):
            # From the feet a shin often points at the reader: drawn apart from its thigh, by its own
            # depth, it shows in front of the thigh a crossed ankle rests on, and its knee shows. From the
            # side a shin tucked back across under its thigh is drawn apart too, behind the thigh.
            chain += "_lower"
        grouped.setdefault(chain, []).append(part)
    if view == "side":
        order = ["far_arm", "far_leg", "core", "near_leg", "near_arm"]
        nearest = {c: max((p.depth for p in grouped.get(c, [])), default=0.0) for c in order}
        if nearest["near_leg"] > nearest["near_arm"] + NEARER:
            # A near thigh turned out toward the reader (a figure-four seen from the crossed leg's side)
            # is in front of the near arm.
            order[3:] = ["near_arm", "near_leg"]
        if apart:
            order.insert(order.index("core") + 1, "near_leg_lower")
        if bowed(body):
            # A head bowed to the floor under the near arm (child's pose) is drawn over that arm, as
            # exercise sheets draw it: behind the arm the reader cannot find it, nor tell it from the hips.
            grouped["head"] = [p for p in grouped["core"] if p.name == "head"]
            grouped["core"] = [p for p in grouped["core"] if p.name != "head"]
            order.append("head")
    else:
        # From above, lower chains first; the core goes by its mean height.
        order = sorted(grouped, key=lambda c: (sum(p.depth for p in grouped[c]) / len(grouped[c]), c))
    return [(name, grouped[name]) for name in order if name in grouped]


# --- props ------------------------------------------------------------------------------------------

# Width and height in cm of each prop that stands on the floor; its top is where a part can rest.
PROP_SIZE: dict[str, tuple[float, float]] = {
    "cushion": (44.0, 9.0), "block": (30.0, 12.0), "step": (36.0, 18.0), "chair": (44.0, 45.0),
    "towel-roll": (12.0, 12.0), "wall": (6.0, 0.0), "rail": (60.0, 90.0),
}
ON_MAT = ("cushion", "block", "towel-roll")  # props drawn lying on the mat
RAIL_BAR = 4.0  # the rail's bar: a part more than this below its top passes under it


@dataclasses.dataclass(frozen=True)
class PlacedProp:
    """A prop standing on the floor at y=`floor`, its middle at x=`x`; `back` is the chair back's side.

    `across` is the depth it reaches across the body (z of the facing-right body, the near side positive),
    when it lies under one hip only (pigeon's cushion under the front-leg buttock); None: under the whole body.
    """

    kind: str
    x: float
    floor: float
    back: float = -1.0
    across: tuple[float, float] | None = None

    def top(self, x: float, y: float | None = None, z: float | None = None) -> float | None:
        """Return the y of the prop's top above `x`, or None when it is not under `x`.

        Given the `y` of a part, a rail only counts when the part is not below its bar: a hand on the
        rail rests on it, a knee under it passes beneath. Given the depth `z` of a part, a prop under one
        hip only counts for the parts above it: the other thigh passes beside it, down to the mat.
        """
        if self.kind not in PROP_SIZE or self.kind == "wall":
            return None
        if self.across is not None and z is not None and not self.across[0] <= z <= self.across[1]:
            return None
        width, height = PROP_SIZE[self.kind]
        if abs(x - self.x) > width / 2:
            return None
        if self.kind == "rail" and y is not None and y > self.floor - height + RAIL_BAR:
            return None
        if self.kind == "towel-roll":
            r = width / 2
            return self.floor - r - math.sqrt(max(r * r - (x - self.x) ** 2, 0.0))
        return self.floor - height

    def shapes(self, top: float) -> list[tuple[Pt, ...]]:
        """Return the closed outlines that draw the prop; `top` is how high a wall reaches."""
        width, height = PROP_SIZE[self.kind]
        x0, x1, base = self.x - width / 2, self.x + width / 2, self.floor

        def box(a: float, b: float, y0: float, y1: float, r: float = 0.0) -> tuple[Pt, ...]:
            if r <= 0:
                return (Pt(a, y0), Pt(b, y0), Pt(b, y1), Pt(a, y1))
            pts = []
            for cx, cy, start in ((b - r, y1 + r, -90), (b - r, y0 - r, 0), (a + r, y0 - r, 90), (a + r, y1 + r, 180)):
                for k in range(4):
                    a = math.radians(start + k * 30)
                    pts.append(Pt(cx + r * math.cos(a), cy + r * math.sin(a)))
            return tuple(pts)

        if self.kind == "towel-roll":
            r = width / 2
            return [tuple(Pt(self.x + r * math.cos(k / 20 * math.tau), base - r + r * math.sin(k / 20 * math.tau))
                          for k in range(20))]
        if self.kind == "wall":
            return [box(x0, x1, base, top)]
        if self.kind == "rail":
            bar = base - height
            return [box(x0 + 5, x0 + 8, base, bar + 2), box(x1 - 8, x1 - 5, base, bar + 2),
                    box(x0, x1, bar + RAIL_BAR, bar, RAIL_BAR / 2 - 0.01)]
        if self.kind == "chair":
            seat = base - height
            back_x = x0 if self.back < 0 else x1 - 4
            return [box(x0 + 2, x0 + 5, base, seat), box(x1 - 5, x1 - 2, base, seat),
                    box(back_x, back_x + 4, seat, seat - 45), box(x0, x1, seat + 5, seat)]
        return [box(x0, x1, base, base - height, 4.0 if self.kind == "cushion" else 0.0)]


TOP_DEPTH = {"cushion": 30.0, "block": 20.0, "towel-roll": 50.0}  # how far a prop reaches across the body


def place_props(props: Sequence[Prop], pelvis_x: float, facing: str, floor: float,
                side: str | None = None) -> list[PlacedProp]:
    """Stand the figure's props on the floor, measured from the partner's pelvis in the way it faces.

    With the `side` the figure names, a cushion, block or towel roll under the hips lies under that
    side's hip only (pigeon's cushion under the front-leg buttock).
    """
    forward = 1.0 if facing == "right" else -1.0
    placed = []
    for p in props:
        if p.kind == "strap":
            continue
        across = None
        if side is not None and p.kind in TOP_DEPTH and abs(p.at) <= PROP_SIZE[p.kind][0] / 2:
            z = HIP_Z if ("right" if facing == "right" else "left") == side else -HIP_Z
            across = (z - TOP_DEPTH[p.kind] / 2, z + TOP_DEPTH[p.kind] / 2)
        placed.append(PlacedProp(p.kind, pelvis_x + forward * p.at, floor, -forward, across))
    return placed


def surface_at(x: float, floor: float, props: Sequence[PlacedProp], y: float | None = None,
               z: float | None = None) -> float:
    """Return the y of what a part above `x` (at `y` and depth `z`, when given) would rest on: the highest
    prop top, or the floor."""
    tops = [t for t in (p.top(x, y, z) for p in props) if t is not None]
    return min([floor, *tops])


def joint_kind(name: str) -> str:
    """Return the kind of a joint name: `near_knee` -> `knee`, `far_hip_out` -> `hip_out`."""
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
    bottom: float
    label: str | None
    view: str
    props: tuple[PlacedProp, ...] = ()


HAND_REACH = HAND + 4.0  # a wrist this close to the floor, the forearm pointing down: the hand lies flat


def place_body(frame: Frame, poses: dict[str, dict[str, float]], floor: float,
               props: Sequence[PlacedProp] = ()) -> Body:
    """Pose a frame's body and set it down on the floor whose top is at y=`floor`, or on the props.

    A hand whose wrist comes down near the floor is laid flat on it, palm down, as a hand that takes
    weight does; then the body is set down again. A flat hand left above the floor, its wrist too high
    for the palm to reach it (sitting up on a cushion), points down and forward instead, its fingertips
    on the floor.
    """
    joints = resolve_joints(frame, poses)

    def placed(flat: Sequence[str], tipped: dict[str, float] | None = None) -> Body:
        body = pose_body(joints, frame.facing, flat, tipped).moved(frame.offset, 0.0)
        if frame.pelvis_height is not None:
            return body.moved(0.0, floor - frame.pelvis_height)
        return body.moved(0.0, rest_drop(body, floor, props))

    flat: list[str] = []
    for _ in range(2):
        used = flat
        body = placed(used)
        found = [side for side in SIDES
                 if body.points[f"{side}_wrist"].y > floor - HAND_REACH and body.axes[f"{side}_hand_along"][1] > 0.5]
        if found == flat:
            break
        flat = found
    gaps = contact_gaps(body, floor, props) if used else {}
    tipped = {side: surface_at(body.points[f"{side}_wrist"].x, floor, props) - body.points[f"{side}_wrist"].y
              for side in used if gaps[f"{side}_hand"] > REST_GAP[0]}
    if tipped:
        body = placed([side for side in used if side not in tipped], tipped)
    return body


def rest_drop(body: Body, floor: float, props: Sequence[PlacedProp]) -> float:
    """Return how far to lower the body so its lowest part rests on the floor or a prop's top."""
    return min(surface_at(p.x, floor, props, p.y, part.depth) - (p.y + LINE)
               for part in body_parts(body, "side") for p in part.ring)


def frame_props(figure: Figure, frame: Frame) -> list[PlacedProp]:
    """Place a figure's props for one frame, from where the frame puts the pelvis."""
    return place_props(figure.props, frame.offset, frame.facing, -MAT_H if figure.mat else 0.0,
                       frame.side or figure.side)


def place_frame(figure: Figure, index: int, poses: dict[str, dict[str, float]]) -> Placed:
    """Place one frame's partner (on the mat) and helper (on the floor beside it)."""
    frame = figure.frames[index]
    # From the front or the feet too the body rests on its props (pigeon's buttock on the cushion).
    lying = frame_props(figure, frame) if frame.view != "top" else []
    props = lying if frame.view == "side" else []
    body = place_body(frame, poses, -MAT_H if figure.mat else 0.0, lying)
    helper = None
    if figure.drawn_helper is not None and frame.view == "side":
        # The helper kneels or stands on the mat too: a padded knee, the same ground as the partner.
        ground = -MAT_H if figure.mat else 0.0
        helper = place_body(figure.drawn_helper, poses, ground).moved(body.points["pelvis"].x, 0.0)
    view = frame.view
    if view in AHEAD:
        # From the front or the feet the torso's outline is rounder than from the side: set its lowest edge on the mat.
        _, _, _, bottom = body.bounds(view)
        body = body.moved(0.0, (-MAT_H if figure.mat else 0.0) - bottom)
    if view == "top":
        # From above, the body's own floor position does not matter: set its lowest edge on y=0.
        body = body.moved(0.0, -body.dy)
        _, _, _, bottom = body.bounds("top")
        body = body.moved(0.0, -bottom - MAT_TOP_MARGIN)
    boxes = [body.bounds(view)] + ([helper.bounds()] if helper else [])
    for prop in props:
        for ring in prop.shapes(boxes[0][1] + 20):
            xs, ys = [q.x for q in ring], [q.y for q in ring]
            boxes.append((min(xs), min(ys), max(xs), max(ys)))
    left = min(b[0] for b in boxes) - PAD
    right = max(b[2] for b in boxes) + PAD
    spare = max(MIN_WIDTH - (right - left), 0.0) / 2
    left, right = left - spare, right + spare
    top = min(b[1] for b in boxes) - PAD
    bottom = max(b[3] for b in boxes)
    return Placed(body, helper, left, top, right, bottom, frame.label, view, tuple(props))


MAT_TOP_MARGIN = 8.0  # from above, the mat reaches this far beyond the body


# --- highlight --------------------------------------------------------------------------------------

# Where each target area is drawn: (part, along from, along to, across from, across to). Across runs
# from -1 to 1; on the torso 1 is the front, on a limb 1 is its back (calf, hamstring).
Piece = tuple[str, float, float, float, float]


def highlight_table(body: Body) -> dict[str, list[Piece]]:
    """Map each target area onto pieces of the body's parts."""
    j = body.joints

    def pick(score: dict[str, float]) -> str:
        return max(SIDES, key=lambda s: (score[s], s == "near"))

    opened = pick({s: -j[f"{s}_hip"] for s in SIDES})  # the leg reaching furthest back
    # The leg drawn furthest forward, or the one crossed over (the figure-four's, whose buttock is stretched).
    turned = [s for s in SIDES if j[f"{s}_hip_turn"] >= 45 and j[f"{s}_knee"] >= 60]
    folded = turned[0] if len(turned) == 1 else pick({s: j[f"{s}_hip"] for s in SIDES})
    long_leg = pick({s: j[f"{s}_hip"] - j[f"{s}_knee"] for s in SIDES})
    bent_knee = pick({s: j[f"{s}_knee"] - j[f"{s}_hip"] for s in SIDES})  # hip back, knee bent
    # An arched back (cow) shortens the back's muscles: nothing is stretched there to mark.
    arched = j["back"] < -5
    return {
        "lower-back": [] if arched else [("torso", 0.1, 0.5, -1.0, -0.1)],
        "upper-back": [] if arched else [("torso", 0.5, 0.92, -1.0, -0.1)],
        "spine": [] if arched else [("torso", 0.06, 0.94, -1.0, -0.4)],
        "chest": [("torso", 0.55, 0.92, 0.15, 1.0)],
        "neck": [("neck", 0.0, 0.7, -1.0, 1.0)],
        "hips": [("torso", 0.0, 0.22, -1.0, 0.3), (f"{folded}_thigh", 0.0, 0.4, -1.0, 1.0)],
        "glutes": [("torso", 0.0, 0.26, -1.0, -0.05), (f"{folded}_thigh", 0.0, 0.35, 0.0, 1.0)],
        "hip-flexors": [(f"{opened}_thigh", 0.0, 0.22, -1.0, 0.1), ("torso", 0.0, 0.16, 0.1, 1.0)],
        "hamstrings": [(f"{long_leg}_thigh", 0.1, 0.95, 0.3, 1.0)],  # the underside, where the thigh meets the floor
        "quadriceps": [(f"{bent_knee}_thigh", 0.1, 0.95, -1.0, 0.1)],
        "groin": [("near_thigh", 0.0, 0.45, -1.0, 1.0)],
        "calves": [("near_shin", 0.1, 0.65, 0.0, 1.0)],
        "shoulders": [("near_upper_arm", 0.0, 0.4, -1.0, 1.0)],
    }


@dataclasses.dataclass(frozen=True)
class Mark:
    """A highlighted piece of a part: its outline and the hatching inside it, placed."""

    part: str
    ring: tuple[Pt, ...]
    hatch: tuple[tuple[Pt, Pt], ...]


BUTTOCK_AREAS = ("glutes", "hips")


def _buttock_spot(body: Body, thigh: str) -> list[tuple[float, float]]:
    """Return a round mark on the torso seen from above, over the hip of `thigh`, inside the torso's outline.

    It starts over the hip joint and moves toward the middle of the torso until it fits; empty when it
    never does.
    """
    torso = [Pt(*q) for q in _torso_top(body, "top")]
    hip = body.p3[thigh.replace("_thigh", "_hip")]
    middle = (body.p3["pelvis"][0] + body.p3["shoulders"][0]) / 2
    for k in range(11):
        x = hip[0] + (middle - hip[0]) * k / 10
        z = hip[2] * (0.8 - 0.4 * k / 10)
        spot = [(x + 5.0 * math.cos(i / 20 * math.tau), z + 5.0 * math.sin(i / 20 * math.tau)) for i in range(20)]
        if all(inside(torso, Pt(a, b)) for a, b in spot):
            return spot
    return []


SPOT_R = 4.5  # radius of the round mark on the buttock or outer hip, where no tube piece shows it
END_ON = 0.7  # a thigh drawn shorter than this share of its length comes at the reader, its end like a knee
SPOT_OUT = 2.0  # the spot's middle lies at least this far outward of the hip joint
SIDE_SPOT_R = 6.0  # from the side the outer hip faces the reader: a larger round mark on the thigh's round top


def _outer_hip_spot(body: Body, thigh: str, view: str, radius: float = SPOT_R) -> tuple[str, list[Pt]] | None:
    """Return a round mark on the buttock or outer hip of `thigh`'s side seen from the front or the feet.

    It aims at a point out to the side of the hip joint and toward the back of the pelvis (for a body on its
    back: down toward the mat), and goes to the nearest place where it lies wholly inside the part drawn
    uppermost there (the pelvis or the top of that thigh), with nothing drawn over it, its middle outward of
    the hip joint. Returns that part's name and the placed outline, or None, also when the thigh comes
    straight at the reader and hides the buttock.
    """
    side = thigh.replace("_thigh", "")
    hip = body.p3[f"{side}_hip"]
    if math.dist(project(hip, view), project(body.p3[f"{side}_knee"], view)) < END_ON * THIGH:
        # A thigh seen end-on (pigeon's front thigh, coming at the reader) hides the buttock, and its round end
        # reads as the knee; beside it lie only the belly and the arms. No spot: the side view shows it.
        return None
    back = heading(body.joints["torso"] - 90, 1.0)  # the back's side of the torso line
    target = project(_add(hip, (back.x * 6.0, back.y * 6.0, _side_sign(side) * 9.0)), view)
    drawn = [part for _, parts in chains(body, view) for part in parts]
    placed = {part.name: part.ring for part in drawn}
    hip_x = project(hip, view)[0]
    outward = 1.0 if target[0] >= hip_x else -1.0
    candidates = sorted(((target[0] + i, target[1] + k) for i in range(-10, 11) for k in range(-10, 11)),
                        key=lambda c: math.dist(c, target))
    for cx, cy in candidates:
        if (cx - hip_x) * outward < SPOT_OUT:
            continue  # out beside the hip joint, away from the other leg, not between the legs
        ring = [body.to_screen(cx + radius * math.cos(i / 20 * math.tau), cy + radius * math.sin(i / 20 * math.tau))
                for i in range(20)]
        centre = body.to_screen(cx, cy)
        top = next((i for i in reversed(range(len(drawn))) if inside(drawn[i].ring, centre)), None)
        if top is None or drawn[top].name not in ("torso", thigh):
            continue  # on the pelvis or the top of the thigh, never on the shin, an arm or the head
        if all(inside(placed[drawn[top].name], q) for q in ring) and not any(
                inside(part.ring, q) for part in drawn[top + 1:] if part.chain != drawn[top].chain for q in ring):
            return drawn[top].name, ring
    return None


def highlight_marks(body: Body, areas: Iterable[str], view: str = "side") -> list[Mark]:
    """Return the highlighted pieces for `areas`, inside the body's outline."""
    tubes = _part_tubes(body, view)
    table = highlight_table(body)
    marks: list[Mark] = []
    seen: set[Piece | str] = set()
    for area in sorted(set(areas)):
        pieces = table.get(area, [])
        for piece in pieces:
            name, t0, t1, s0, s1 = piece
            if view == "top" and name == "torso" and area in BUTTOCK_AREAS and "buttock" not in seen:
                # From above the buttock lies under the torso's outline: mark it on the side of the leg
                # that carries the stretch, where the thigh meets the torso.
                seen.add("buttock")
                spot = _buttock_spot(body, next(n for n, *_ in pieces if n.endswith("_thigh")))
                if spot:
                    placed = tuple(body.to_screen(x, y) for x, y in spot)
                    marks.append(Mark("torso", placed, tuple(hatch_lines(placed, HATCH))))
                continue
            if area in BUTTOCK_AREAS and (view in AHEAD or (view == "side" and tucked(body))):
                # From the front or the feet the buttock and outer hip lie beside the hip joint, under the
                # thigh's top: one round mark there, not the thigh's length toward the knee. From the side, the
                # front leg of pigeon tucked across under its thigh, the outer hip faces the reader: one larger
                # round mark behind the hip joint, where a band along the thigh would read as the groin.
                if "buttock" not in seen:
                    seen.add("buttock")
                    thigh = next(n for n, *_ in pieces if n.endswith("_thigh"))
                    found = _outer_hip_spot(body, thigh, view, SIDE_SPOT_R if view == "side" else SPOT_R)
                    if found:
                        marks.append(Mark(found[0], tuple(found[1]), tuple(hatch_lines(found[1], HATCH))))
                continue
            if name not in tubes or piece in seen:
                continue  # from above the torso is not a tube; its limbs carry the highlight
            seen.add(piece)
            if view != "side":
                s0, s1 = -1.0, 1.0
            ring = tube_ring(tubes[name][0], t0, t1, s0, s1, caps=t0 <= 0 and t1 >= 1, inset=LINE)
            placed = tuple(body.to_screen(p.x, p.y) for p in ring)
            marks.append(Mark(name, placed, tuple(hatch_lines(placed, HATCH))))
    return [mark for mark in marks if visible_share(body, view, mark) >= MARK_SHOWN]


MARK_SHOWN = 0.6  # a highlight mostly hidden behind the parts drawn over it shows only as stray fragments


def visible_share(body: Body, view: str, mark: Mark) -> float:
    """Return the share of a highlight's area not hidden by the parts drawn over its own part.

    A mark lies inside its part's outline, but a limb drawn in front (the near thigh over the buttock)
    can leave only slivers of it showing, which read as orange outside the body.
    """
    order = chains(body, view)
    at = next(i for i, (_, parts) in enumerate(order) if any(p.name == mark.part for p in parts))
    over = [p.ring for _, parts in order[at + 1:] for p in parts]
    xs, ys = [q.x for q in mark.ring], [q.y for q in mark.ring]
    step = max(max(xs) - min(xs), max(ys) - min(ys)) / 16 or 1.0
    shown = total = 0
    y = min(ys) + step / 2
    while y < max(ys):
        x = min(xs) + step / 2
        while x < max(xs):
            q = Pt(x, y)
            if inside(mark.ring, q):
                total += 1
                shown += not any(inside(ring, q) for ring in over)
            x += step
        y += step
    return shown / total if total else 0.0


def hatch_lines(ring: Sequence[Pt], spacing: float) -> list[tuple[Pt, Pt]]:
    """Return diagonal lines `spacing` apart, clipped to the inside of a closed outline (even-odd)."""
    c, s = math.cos(math.pi / 4), math.sin(math.pi / 4)
    rotated = [(p.x * c + p.y * s, -p.x * s + p.y * c) for p in ring]  # hatch lines are horizontal here
    ys = [q[1] for q in rotated]
    lines: list[tuple[Pt, Pt]] = []
    k = math.floor(min(ys) / spacing) + 1
    while k * spacing < max(ys):
        y = k * spacing
        xs = []
        for (ax, ay), (bx, by) in zip(rotated, rotated[1:] + rotated[:1], strict=True):
            if (ay <= y < by) or (by <= y < ay):
                xs.append(ax + (y - ay) * (bx - ax) / (by - ay))
        xs.sort()
        for x0, x1 in zip(xs[::2], xs[1::2], strict=False):
            if x1 - x0 > 0.3:
                lines.append((Pt(x0 * c - y * s, x0 * s + y * c), Pt(x1 * c - y * s, x1 * s + y * c)))
        k += 1
    return lines


def inside(ring: Sequence[Pt], p: Pt) -> bool:
    """Return whether point `p` is inside the closed outline `ring` (even-odd rule)."""
    hit = False
    for a, b in zip(ring, [*ring[1:], ring[0]], strict=True):
        if (a.y > p.y) != (b.y > p.y) and p.x < a.x + (p.y - a.y) * (b.x - a.x) / (b.y - a.y):
            hit = not hit
    return hit


# --- contact ----------------------------------------------------------------------------------------

# The parts that rest on the floor in a stretch, and the joints that move each of them.
CONTACTS: dict[str, tuple[str, ...]] = {
    "near_foot": ("near_knee", "near_ankle", "near_hip", "torso"),
    "far_foot": ("far_knee", "far_ankle", "far_hip", "torso"),
    "near_knee": ("near_hip", "near_knee", "torso"), "far_knee": ("far_hip", "far_knee", "torso"),
    "near_hand": ("near_shoulder", "near_elbow", "torso"), "far_hand": ("far_shoulder", "far_elbow", "torso"),
    "torso": ("torso", "back"), "head": ("neck", "torso"),
}


def contact_gaps(body: Body, support: float, props: Sequence[PlacedProp] = ()) -> dict[str, float]:
    """Return how far each part that can rest is above what it would rest on, in cm.

    That is the floor whose top is at y=`support`, or the top of a prop under the part.
    """
    parts = {part.name: part for part in body_parts(body, "side")}
    rings = {name: part.ring for name, part in parts.items()}
    gaps = {}
    for name in CONTACTS:
        if name.endswith("_knee") and body.joints[name] < 45:
            continue  # a straight knee does not rest on its own: the calf and heel do
        if name.endswith("_hand") and _grips_rail(rings[name], props):
            gaps[name] = 0.0  # a hand round the rail's bar holds it
        elif name.endswith("_knee"):
            knee = body.points[name]
            gaps[name] = (surface_at(knee.x, support, props, knee.y, body.p3[name][2])
                          - (knee.y + _profile(THIGH_R, 1.0) + LINE))
        else:
            gaps[name] = min(surface_at(p.x, support, props, p.y, parts[name].depth) - (p.y + LINE)
                             for p in rings[name])
    return gaps


def _grips_rail(ring: Sequence[Pt], props: Sequence[PlacedProp]) -> bool:
    """Return whether a hand's outline reaches into a rail's bar from above: the hand holds the rail."""
    for prop in props:
        if prop.kind != "rail":
            continue
        bar = prop.floor - PROP_SIZE["rail"][1]
        over = [q for q in ring if abs(q.x - prop.x) <= PROP_SIZE["rail"][0] / 2]
        if over and min(q.y for q in over) < bar and any(bar <= q.y + LINE <= bar + RAIL_BAR for q in over):
            return True
    return False


def floating(body: Body, support: float, props: Sequence[PlacedProp] = ()) -> list[tuple[str, float]]:
    """Return the parts that hover just above the support: near enough to look meant to rest on it.

    A hand that lies on the body (on a thigh, on the shins) rests there, not in the air.
    """
    out = []
    for name, gap in contact_gaps(body, support, props).items():
        if REST_GAP[0] < gap < REST_GAP[1] and not (name.endswith("_hand") and _on_body(body, name)):
            out.append((name, gap))
    return out


def _on_body(body: Body, name: str) -> bool:
    """Return whether part `name` touches the torso, head or a leg of the same body, within 2.5 cm.

    The other arm does not count: seen from the side, two arms held alike lie over each other.
    """
    parts = body_parts(body, "side")
    own = next(p for p in parts if p.name == name)
    others = [p for p in parts if p.chain != own.chain and not p.chain.endswith("_arm")]
    for q in own.ring:
        for other in others:
            if inside(other.ring, q) or min(math.dist((q.x, q.y), (o.x, o.y)) for o in other.ring) < 2.5:
                return True
    return False


HELPER_TOUCH = (-2.0, 2 * LINE + 0.5)  # a helper's hand this far outside the partner's outline rests on it
HELPER_NEAR = 2 * LINE + 9.0  # nearer than this but not touching: it looks as if it should
# A far-side helper's hand resting on the partner's far side, wholly hidden behind them, lies no deeper than this
# inside their silhouette. The torso is about 21 cm deep from the side (10 cm either side of its line); a hand on
# the curve that turns away from the reader, from the back edge up to 60 degrees round toward the flank, is seen
# within 10 × (1 - cos 60°) = 5 cm of the edge, and the outline adds a centimetre. Deeper, it lies on the flank,
# where nothing shows that it touches, or inside the body.
HELPER_HIDDEN = 6.0


def _segment_distance(p: Pt, a: Pt, b: Pt) -> float:
    dx, dy = b.x - a.x, b.y - a.y
    length = dx * dx + dy * dy
    t = 0.0 if length == 0 else max(0.0, min(1.0, ((p.x - a.x) * dx + (p.y - a.y) * dy) / length))
    return math.hypot(p.x - a.x - t * dx, p.y - a.y - t * dy)


def hand_on_partner(helper: Body, partner: Body, name: str) -> tuple[float, str]:
    """Return how far the helper's hand `name` is outside the partner's outline (negative: sunk in), and the part.

    The helper is drawn behind the partner, so a hand whose outline meets the partner's rests on them.
    """
    hand = next(p for p in body_parts(helper, "side") if p.name == name).ring
    best = (math.inf, "")
    for part in body_parts(partner, "side"):
        edges = list(zip(part.ring, [*part.ring[1:], part.ring[0]], strict=True))
        for q in hand:
            d = min(_segment_distance(q, a, b) for a, b in edges)
            gap = -d if inside(part.ring, q) else d
            if gap < best[0]:
                best = (gap, part.name)
    return best


def far_hand_on_partner(helper: Body, partner: Body, name: str) -> tuple[float, str, bool]:
    """Return where a far-side helper's hand `name` ends against the partner: (gap, part, through).

    Such a hand may rest on the partner's far side, behind their outline, so what counts is where its
    fingertips are against the partner's silhouette (the outline of all their parts together): the gap is
    negative when they lie behind it, as deep as they are from its edge, else how far they are outside it.
    `through` is true when the hand passes behind the partner and its tips show beyond them, on the other side.
    A hand that never reaches behind them is as far off as its nearest point.
    """
    hand = next(p for p in body_parts(helper, "side") if p.name == name).ring
    parts = body_parts(partner, "side")
    # The silhouette's edge: each part's outline where no other part covers it.
    outline = [(a, b, part.name) for part in parts
               for a, b in zip(part.ring, [*part.ring[1:], part.ring[0]], strict=True)
               if not any(inside(other.ring, Pt((a.x + b.x) / 2, (a.y + b.y) / 2))
                          for other in parts if other is not part)]

    def edge(q: Pt) -> tuple[float, str]:
        return min((_segment_distance(q, a, b), part_name) for a, b, part_name in outline)

    def behind(q: Pt) -> bool:
        return any(inside(part.ring, q) for part in parts)

    wrist = helper.points[name.replace("_hand", "_wrist")]
    tip = max(hand, key=lambda q: math.dist((q.x, q.y), (wrist.x, wrist.y)))
    if behind(tip):
        depth, part_name = edge(tip)
        return -depth, part_name, False
    if any(behind(q) for q in hand):
        gap, part_name = edge(tip)
        return gap, part_name, True
    gap, part_name = min(edge(q) for q in hand)
    return gap, part_name, False


def resting_on(body: Body, name: str, support: float, props: Sequence[PlacedProp]) -> str | None:
    """Return the kind of prop part `name` would rest on, or None for the floor or mat."""
    if name.endswith("_knee"):
        spot, z = body.points[name], body.p3[name][2]
    else:
        part = next(p for p in body_parts(body, "side") if p.name == name)
        spot, z = min(part.ring, key=lambda q: surface_at(q.x, support, props, q.y, part.depth) - q.y), part.depth
    for prop in props:
        top = prop.top(spot.x, spot.y, z)
        if top is not None and top < support and surface_at(spot.x, support, props, spot.y, z) == top:
            return prop.kind.replace("-", " ")
    return None


def left_or_right(body: Body, side: str) -> str:
    """Return the body's own side that `near` or `far` is.

    Facing right, the near side is the right: a person facing east, seen from the south, shows the
    reader their right side (their right hand points south).
    """
    return "right" if (side == "near") == (body.facing == "right") else "left"


def side_words(body: Body, name: str) -> str:
    """Name a part for people: `near_hand` facing right is the near (right) hand."""
    side, _, part = name.partition("_")
    if side not in SIDES:
        return name.replace("_", " ")
    return f"{side} ({left_or_right(body, side)}) {part.replace('_', ' ')}"


# --- movement ---------------------------------------------------------------------------------------


def back_point(body: Body) -> Pt:
    """Return the middle of the back's surface, placed, and where its outside points."""
    tube = _part_tubes(body, "side")["torso"][0]
    middle = 0.4 if body.joints["back"] < 0 else 0.5  # where an arched back sinks most
    ring = tube_ring(tube, middle - 0.05, middle + 0.05, -1.0, -1.0, caps=False)
    mid = ring[len(ring) // 2]
    return body.to_screen(mid.x, mid.y)


def movement_arrow(body: Body, other: Body) -> tuple[Pt, Pt] | None:
    """Return an arrow (tail, head) showing how `body` moved from `other`, beside the back, or None."""
    here, there = back_point(body), back_point(other)
    dx, dy = here.x - there.x, here.y - there.y
    length = math.hypot(dx, dy)
    if length < 5.0:
        return None
    ux, uy = dx / length, dy / length
    # Outward from the back: square to the torso line, on the back's side (a sunk back lies below that line).
    out = heading(body.joints["torso"] - 90, 1.0)
    ox, oy = (out.x if body.facing == "right" else -out.x), out.y
    size = 18.0
    if ux * ox + uy * oy > 0:
        tail = Pt(here.x + ox * 6, here.y + oy * 6)
        return tail, Pt(tail.x + ux * size, tail.y + uy * size)
    head = Pt(here.x + ox * 6, here.y + oy * 6)
    return Pt(head.x - ux * size, head.y - uy * size), head


# --- checks -----------------------------------------------------------------------------------------


def check_figures(library: Library, positions: dict[Path, Positions], store: cache.Store | None = None,
                  ) -> list[Problem]:
    """Check every figure's pose data against human anatomy; return problems.

    With a `store`, a figure found sound before (same figure, highlight, poses and code) is not
    checked again. Why: placing and checking every figure cost about 37 ms of CPU per stretch, 37 s
    on every build of a 1,000-stretch library. Only sound figures are kept: a problem's message
    names its file and place, which the check works out afresh.
    """
    problems: list[Problem] = []
    shared = cache.digest("figure-check", __version__, Path(__file__).read_bytes(),
                          json.dumps(library.poses, sort_keys=True)) if store else ""
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
        areas = stretch.figure.highlight if stretch.figure.highlight is not None else stretch.target_areas
        key = cache.digest(shared, stretch.figure.model_dump_json(), json.dumps(list(map(str, areas)))) if store else ""
        if store and store.get(key) is not None:
            continue
        found = _check_figure(stretch.figure, library, path, where, areas)
        if store and not found:
            store.put(key, b"sound", {})
        problems += found
    return problems


def _check_figure(figure: Figure, library: Library, path: Path, where: Positions,
                  areas: Sequence[str] = ()) -> list[Problem]:
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
                                                   (placed.helper, figure.drawn_helper, ("figure", "helper"), floor)):
            if body is None or body_frame is None or body_frame.pelvis_height is None:
                continue
            part, bottom = body.lowest()
            if bottom > ground + 0.5:
                line, col = where.at((*body_loc, "pelvis_height"))
                problems.append(Problem(path, line, col, join_key((*body_loc, "pelvis_height")),
                                        f"the {part.replace('_', ' ')} is {bottom - ground:.0f} cm below the floor; "
                                        "raise `pelvis_height`, or remove it so the body rests on the floor"))
        if frame.view == "side":
            problems += _check_contact(placed, figure, frame, path, where, loc)
        problems += check_side(placed.body, figure, frame, path, where, loc, placed.props)
        for message in check_highlight(placed, areas, floor):
            spot: Loc = ("figure", "highlight") if figure.highlight is not None else loc
            line, col = where.at(spot)
            problems.append(Problem(path, line, col, join_key(spot),
                                    f"{message}; change the pose so that part shows, or highlight other areas"))
        width, height = placed.right - placed.left, placed.bottom - placed.top
        if width > MAX_FRAME[0] or height > MAX_FRAME[1]:
            blame = ("figure", "helper", "offset") if figure.drawn_helper is not None else loc
            line, col = where.at(blame)
            problems.append(Problem(path, line, col, join_key(blame),
                                    f"the figure needs a box of {width:.0f} × {height:.0f} cm, more than the "
                                    f"{MAX_FRAME[0]:.0f} × {MAX_FRAME[1]:.0f} cm a frame holds; "
                                    "bring the helper closer or fold the pose"))
    return problems


def _blame(frame: Frame, loc: Loc, joints: Sequence[str]) -> Loc:
    """Return where to point at for a change of `joints`: the first one the frame sets, else its pose."""
    for joint in joints:
        if frame.joints and joint in frame.joints:
            return (*loc, "joints", joint)
    return (*loc, "pose") if frame.pose is not None else (*loc, "joints")


def _check_contact(placed: Placed, figure: Figure, frame: Frame, path: Path, where: Positions,
                   loc: Loc) -> list[Problem]:
    """Check that resting parts touch what they rest on, and that the highlight stays in the body."""
    problems: list[Problem] = []
    surface = "mat" if figure.mat else "floor"
    bodies = [(placed.body, frame, loc, -MAT_H if figure.mat else 0.0, surface, placed.props)]
    if placed.helper is not None and figure.drawn_helper is not None:
        bodies.append((placed.helper, figure.drawn_helper, ("figure", "helper"), bodies[0][3], surface, ()))
    for body, body_frame, body_loc, support, what, props in bodies:
        if min(contact_gaps(body, support, props).values()) < -0.5:
            continue  # sunk below the floor: reported as such, and nothing rests as drawn
        for name, gap in floating(body, support, props):
            what = resting_on(body, name, support, props) or what
            joints = CONTACTS[name]
            blame = _blame(body_frame, body_loc, joints)
            line, col = where.at(blame)
            others = " or ".join(f"`{j}`" for j in joints)
            problems.append(Problem(path, line, col, join_key(blame),
                                    f"the {side_words(body, name)} hovers {gap:.0f} cm above the {what}, as if it "
                                    f"should rest there; change {others} until it touches, or lift it clear "
                                    f"(more than {REST_GAP[1]:.0f} cm)"))
    if placed.helper is not None and figure.drawn_helper is not None:
        problems += _check_helper_hands(placed.helper, placed.body, figure.drawn_helper, path, where)
    return problems


def _check_helper_hands(helper: Body, partner: Body, frame: HelperFrame, path: Path,
                        where: Positions) -> list[Problem]:
    """Check that a helper's hand near the partner rests on them: neither hovering nor pressing in.

    A helper on the far side may rest a hand behind the partner's outline, but not buried deep inside it.
    """
    problems = []
    far = frame.beside == "far"
    for side in SIDES:
        name = f"{side}_hand"
        through = False
        if far:
            gap, part, through = far_hand_on_partner(helper, partner, name)
        else:
            gap, part = hand_on_partner(helper, partner, name)
        joints = (f"{side}_shoulder", f"{side}_elbow", "torso")
        others = " or ".join(f"`{j}`" for j in joints)
        where_to = f"the partner's {part.replace('_', ' ').replace('near ', '').replace('far ', '')}"
        if through and gap > HELPER_TOUCH[1]:
            message = (f"the helper's {side_words(helper, name)} passes behind {where_to} and shows {gap:.0f} cm "
                       f"beyond it; a hand on their far side ends there, so change {others} until it stops at their "
                       "edge")
        elif far and gap < -HELPER_HIDDEN:
            message = (f"the helper's {side_words(helper, name)} ends {-gap:.0f} cm inside the outline of {where_to}, "
                       f"buried in their body rather than resting on their far side; change {others} until the "
                       f"fingertips come within {HELPER_HIDDEN:.0f} cm of their edge")
        elif not far and gap < HELPER_TOUCH[0]:
            message = (f"the helper's {side_words(helper, name)} sinks {-gap:.0f} cm into {where_to}; a helper's hand "
                       f"rests and never presses, so change {others} until it just touches")
        elif not through and HELPER_TOUCH[1] < gap < HELPER_NEAR:
            message = (f"the helper's {side_words(helper, name)} hovers {gap - 2 * LINE:.0f} cm off {where_to}, as if "
                       f"it should rest there; change {others} until it touches, or hold it clear")
        else:
            continue
        blame = _blame(frame, ("figure", "helper"), joints)
        line, col = where.at(blame)
        problems.append(Problem(path, line, col, join_key(blame), message))
    return problems


def worked_leg(body: Body, support: float, props: Sequence[PlacedProp] = ()) -> tuple[str, str, str] | None:
    """Return the leg a one-sided position works, as (near or far, the joint that shows it, what it does).

    A thigh turned out with the knee bent is the leg whose shin lies across (pigeon's front leg, the
    figure-four's crossed leg); otherwise a single bent knee on the floor is the kneeling leg. None when
    the legs do not tell the sides apart.
    """
    j = body.joints
    turned = [s for s in SIDES if j[f"{s}_hip_turn"] >= 45 and j[f"{s}_knee"] >= 60]
    if len(turned) == 1:
        return turned[0], f"{turned[0]}_hip_turn", "turns out, its shin across in front"
    gaps = contact_gaps(body, support, props)  # a knee on a cushion kneels too
    down = [s for s in SIDES if f"{s}_knee" in gaps and gaps[f"{s}_knee"] < REST_GAP[1]]
    if len(down) == 1:
        return down[0], f"{down[0]}_knee", "kneels on the floor"
    return None


def check_side(body: Body, figure: Figure, frame: Frame, path: Path, where: Positions, loc: Loc,
               props: Sequence[PlacedProp] = ()) -> list[Problem]:
    """Check that the leg the pose works is on the `side:` the steps name (left knee down is the left knee)."""
    side = frame.side or figure.side
    if side is None:
        return []
    spot: Loc = (*loc, "side") if frame.side else ("figure", "side")
    line, col = where.at(spot)
    leg = worked_leg(body, -MAT_H if figure.mat else 0.0, props)
    if leg is None:
        return [Problem(path, line, col, join_key(spot),
                        f"`side: {side}`, but the pose shows no one-sided leg: neither a single knee on the floor "
                        "nor one thigh turned out with the knee bent (`near_hip_turn` or `far_hip_turn` of 45° or "
                        "more); change the pose, or remove `side`")]
    which, joint, doing = leg
    if left_or_right(body, which) == side:
        return []
    other = "far" if which == "near" else "near"
    return [Problem(path, line, col, join_key(spot),
                    f"`side: {side}`, but in the pose the {side_words(body, f'{which}_leg')} {doing} "
                    f"(`{joint}`); give those joints to the {other} leg (swap the `near_` and `far_` joints), "
                    f"turn the figure with `facing: {'left' if body.facing == 'right' else 'right'}`, "
                    f"or say `side: {'left' if side == 'right' else 'right'}`")]


def check_highlight(placed: Placed, areas: Iterable[str], floor: float) -> list[str]:
    """Return what is wrong with a frame's highlight: outside the body's outline, or below the floor."""
    found = []
    parts = {p.name: p for p in body_parts(placed.body, placed.view)}
    for mark in highlight_marks(placed.body, areas, placed.view):
        ring = parts[mark.part].ring
        if any(not inside(ring, q) for q in mark.ring):
            found.append(f"the highlight on the {side_words(placed.body, mark.part)} leaves the body's outline")
        if placed.view == "side" and max(q.y for q in mark.ring) > floor + 0.5:
            found.append(f"the highlight on the {side_words(placed.body, mark.part)} dips below the floor")
    return sorted(set(found))


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
    read back instead.
    """
    env = make_env()
    template = env.get_template("figures/figure.svg")
    source, _, _ = env.loader.get_source(env, "figures/figure.svg") if env.loader else ("", None, None)
    # What shapes a drawing: this code and the poses. Its words (alt text, captions) and the template come after.
    drawing = cache.digest(__version__, Path(__file__).read_bytes(), json.dumps(library.poses, sort_keys=True))
    shared = cache.digest(drawing, i18n.current().tag, source) if store else ""
    out: dict[str, Art] = {}
    for sid, stretch in sorted(library.stretches.items()):
        if only not in (None, sid):
            continue
        key = cache.digest(shared, stretch.model_dump_json()) if store else ""
        hit = store.get(key) if store else None
        if hit is not None:
            stored = json.loads(hit[0])
            out[sid] = Art(svg=stored["svg"], alt=stored["alt"], frames=tuple(stored["frames"]))
            continue
        figure = figure_of(stretch, library)
        shape = cache.digest(drawing, _shape_json(figure, stretch))
        alt = figure.alt or _stored(store, cache.digest(shape, i18n.current().tag, _labels_json(figure)),
                                    functools.partial(describe_figure, figure, library.poses))
        drawn = _stored(store, shape, functools.partial(svg_data, stretch, figure, library.poses, ""))
        data = _with_words(drawn, figure, stretch, alt)
        svg = template.render(data)
        frames: tuple[str, ...] = ()
        if len(figure.frames) > 1:
            # One picture per frame as well, so a narrow screen can stack them instead of shrinking them.
            frames = tuple(template.render(dict(data, frames=[dict(f, x="0")], view_box=f["view_box"], alt=f["alt"]))
                           for f in data["frames"])
        out[sid] = Art(svg=svg, alt=alt, frames=frames)
        if store:
            store.put(key, json.dumps({"svg": svg, "alt": alt, "frames": list(frames)}).encode("utf-8"), {})
    return out


def _shape_json(figure: Figure, stretch: Stretch) -> str:
    """Return what shapes a figure's drawing, without its words: the same in every language and for every stretch
    drawn alike (a library's copies of one position)."""
    shape = figure.model_dump(mode="json", exclude={"alt": True, "credit": True, "frames": {"__all__": {"label"}},
                                                    "helper": {"label"}})
    areas = figure.highlight if figure.highlight is not None else stretch.target_areas
    # A caption adds room under its frame, so whether a frame has one shapes the drawing; its words do not.
    return json.dumps([shape, sorted(areas), [frame.label is not None for frame in figure.frames]], sort_keys=True)


def _labels_json(figure: Figure) -> str:
    return json.dumps([frame.label for frame in figure.frames])


def _stored(store: cache.Store | None, key: str, make: Callable[[], Any]) -> Any:
    """Return what `make` returns, as JSON data; with a `store`, made once for each key and read back after.

    Why: drawing a figure costs about 90 ms of CPU, and a library draws each figure once per language, and
    many stretches in the same position. Read back or not, the data is the same (it goes through JSON).
    """
    return json.loads((store or cache.Store(None, "figures")).made(key, lambda: json.dumps(make()).encode("utf-8")))


def _with_words(drawn: dict[str, Any], figure: Figure, stretch: Stretch, alt: str) -> dict[str, Any]:
    """Return a drawing's template data with its words: the alt text of the whole and of each frame, the captions."""
    texts = split_alt(alt, len(drawn["frames"]))
    frames = [dict(data, alt=text, label=frame.label)
              for data, text, frame in zip(drawn["frames"], texts, figure.frames, strict=True)]
    return dict(drawn, alt=alt, frames=frames, stretch_id=stretch.id)


def figure_of(stretch: Stretch, library: Library) -> Figure:
    """Return the stretch's figure, or one in its starting position when it has none."""
    if stretch.figure is not None:
        return stretch.figure
    frame = Frame(pose=stretch.position) if stretch.position in library.poses else Frame(joints={})
    return Figure(frames=[frame])


def _num(value: float) -> str:
    text = f"{round(value, 1) + 0.0:.1f}"
    text = "0.0" if text == "-0.0" else text
    return text[:-2] if text.endswith(".0") else text


SIMPLIFY = 0.1  # drop outline points that move it by less than this many cm: the same look, fewer points


def _simplify(points: Sequence[Pt], tolerance: float) -> list[Pt]:
    """Return an open polyline with the points that bend it by less than `tolerance` left out (Ramer-Douglas-Peucker).

    Why: every body part's outline is sampled densely so its curves are smooth, and each point is parsed
    again wherever the SVG is drawn; WeasyPrint spent about 0.1 s per figure on a card or handout page.
    """
    if len(points) < 3:
        return list(points)
    keep = [False] * len(points)
    keep[0] = keep[-1] = True
    stack = [(0, len(points) - 1)]
    while stack:
        first, last = stack.pop()
        worst, at = 0.0, -1
        for i in range(first + 1, last):
            d = _segment_distance(points[i], points[first], points[last])
            if d > worst:
                worst, at = d, i
        if worst > tolerance:
            keep[at] = True
            stack += [(first, at), (at, last)]
    return [q for q, k in zip(points, keep, strict=True) if k]


def simplify_ring(ring: Sequence[Pt], tolerance: float = SIMPLIFY) -> list[Pt]:
    """Return a closed outline with fewer points, none of the left-out ones further than `tolerance` from it."""
    if len(ring) < 4:
        return list(ring)
    # Split the ring at its first point and the point furthest from it, and simplify each half.
    far = max(range(len(ring)), key=lambda i: math.dist((ring[0].x, ring[0].y), (ring[i].x, ring[i].y)))
    first = _simplify(ring[: far + 1], tolerance)
    second = _simplify([*ring[far:], ring[0]], tolerance)
    return first[:-1] + second[:-1]


def _d(ring: Sequence[Pt], dx: float, dy: float) -> str:
    return "M" + " ".join(f"{_num(p.x + dx)} {_num(p.y + dy)}" for p in simplify_ring(ring)) + "Z"


def _hatch_d(lines: Sequence[tuple[Pt, Pt]], dx: float, dy: float) -> str:
    return "".join(f"M{_num(a.x + dx)} {_num(a.y + dy)}L{_num(b.x + dx)} {_num(b.y + dy)}" for a, b in lines)


def _groups(body: Body, view: str, marks: list[Mark], dx: float, dy: float, helper: bool,
            between: Sequence[dict[str, object]] = ()) -> list[dict[str, object]]:
    """The chains of one body as the template draws them: outline pass, fill pass, then highlights.

    `between` are props drawn over the far limbs, before the first chain that is not on the far side.
    """
    out: list[dict[str, object]] = []
    pending = list(between)
    for name, parts in chains(body, view):
        # From above, near and far mean nothing to the reader: every part is white, the outlines part them.
        side = "far" if name.startswith("far_") and view != "top" else "near"
        names = {p.name for p in parts}
        before, pending = (pending, []) if not name.startswith("far_") else ([], pending)
        out.append({
            "props_before": before,
            "chain": name,
            "side": side,
            "helper": helper,
            "paths": [_d(p.ring, dx, dy) for p in parts],
            "marks": [{"d": _d(m.ring, dx, dy), "hatch": _hatch_d(m.hatch, dx, dy)} for m in marks if m.part in names],
        })
    return out


def _arrow(tail: Pt, head: Pt, dx: float, dy: float) -> dict[str, str]:
    ux, uy = head.x - tail.x, head.y - tail.y
    norm = math.hypot(ux, uy) or 1.0
    ux, uy = ux / norm, uy / norm
    base = Pt(head.x - ux * 7, head.y - uy * 7)
    wing = (-uy * 4.5, ux * 4.5)
    tip = f"{_num(head.x + dx)} {_num(head.y + dy)}"
    left = f"{_num(base.x + wing[0] + dx)} {_num(base.y + wing[1] + dy)}"
    right = f"{_num(base.x - wing[0] + dx)} {_num(base.y - wing[1] + dy)}"
    return {"line": f"M{_num(tail.x + dx)} {_num(tail.y + dy)}L{_num(base.x + dx)} {_num(base.y + dy)}",
            "head": f"M{tip} L{left} L{right}Z"}


def across_props(figure: Figure, index: int, body: Body, view: str) -> list[tuple[str, tuple[Pt, ...]]]:
    """Return the cushions, blocks and towel rolls of a view from above, the front or the feet, placed with the body.

    Each lies where it stands in the side view. One under the hips lies under the hip of the side the figure
    names (the pigeon's cushion under the front-leg buttock), or under the middle of the body when it names
    none; one further along (the figure-four's cushion under the head) lies under the middle.
    """
    frame = figure.frames[index]
    out = []
    for prop in frame_props(figure, frame):
        if prop.kind not in TOP_DEPTH:
            continue
        half, across = PROP_SIZE[prop.kind][0] / 2, TOP_DEPTH[prop.kind] / 2
        z = (prop.across[0] + prop.across[1]) / 2 if prop.across is not None else 0.0
        if view == "top":
            y0, y1 = body.to_screen(0.0, z - across).y, body.to_screen(0.0, z + across).y
            x0, x1 = prop.x - half, prop.x + half
        else:
            a, b = body.to_screen(across - z, 0.0).x, body.to_screen(-z - across, 0.0).x
            x0, x1 = min(a, b), max(a, b)
            y0, y1 = prop.floor - PROP_SIZE[prop.kind][1], prop.floor
        r = 4.0
        ring = tuple(Pt(cx + r * math.cos(math.radians(a)), cy + r * math.sin(math.radians(a)))
                     for cx, cy, start in ((x1 - r, y1 - r, 0), (x0 + r, y1 - r, 90),
                                           (x0 + r, y0 + r, 180), (x1 - r, y0 + r, 270))
                     for a in range(start, start + 91, 30))
        out.append((prop.kind, ring))
    return out


def svg_data(stretch: Stretch, figure: Figure, poses: dict[str, dict[str, float]], alt: str) -> dict[str, object]:
    """Compute everything the SVG template draws, in whole viewBox coordinates."""
    placed = [place_frame(figure, i, poses) for i in range(len(figure.frames))]
    areas = figure.highlight if figure.highlight is not None else stretch.target_areas
    marks = [highlight_marks(frame.body, areas, frame.view) for frame in placed]
    arrows: list[tuple[Pt, Pt] | None] = [None] * len(placed)
    sides = [i for i, f in enumerate(placed) if f.view == "side"]
    if len(sides) > 1:
        for k, i in enumerate(sides):
            other = sides[k - 1] if k > 0 else sides[1]
            arrows[i] = movement_arrow(placed[i].body, placed[other].body)
    # Every frame gets the same box, so frames drawn apart (stacked on a phone) keep one scale.
    boxes = []
    for frame, arrow in zip(placed, arrows, strict=True):
        left, top, right = frame.left, frame.top, frame.right
        if arrow is not None:
            for p in arrow:
                left, top, right = min(left, p.x - 8), min(top, p.y - 8), max(right, p.x + 8)
        boxes.append((left, top, right))
    width = max(right - left for left, _, right in boxes)
    top = min(box[1] for box in boxes)
    bottom = max(PAD, max(f.bottom for f in placed) + 4)
    labelled = any(p.label for p in placed)
    label_y = max(LABEL_H - 8, bottom + 13)
    height = -top + (label_y + 7 if labelled else bottom)
    frames: list[dict[str, object]] = []
    texts = split_alt(alt, len(placed))
    for index, (frame, pieces, (left, _, right), arrow) in enumerate(zip(placed, marks, boxes, arrows, strict=True)):
        dx, dy = (width - (right - left)) / 2 - left, -top
        body_left, _, body_right, _ = frame.body.bounds(frame.view)
        # Seen from above, the front or the feet, the props the side view stands along the body lie across it.
        across = across_props(figure, index, frame.body, frame.view) if frame.view != "side" else []
        mat = None
        if figure.mat and frame.view != "top" and frame.helper is not None:
            helper_left, _, helper_right, _ = frame.helper.bounds()
            body_left, body_right = min(body_left, helper_left), max(body_right, helper_right)
        if figure.mat and frame.view != "top":
            # A cushion, block or towel roll lies on the mat: the mat reaches under it.
            for lying in frame.props:
                if lying.kind in ON_MAT:
                    half = PROP_SIZE[lying.kind][0] / 2
                    body_left, body_right = min(body_left, lying.x - half), max(body_right, lying.x + half)
            for _, ring in across:
                body_left = min(body_left, *(q.x for q in ring))
                body_right = max(body_right, *(q.x for q in ring))
            mat = {"x": _num(body_left - 6 + dx), "y": _num(-MAT_H + dy), "width": _num(body_right - body_left + 12),
                   "height": _num(MAT_H)}
        elif figure.mat:
            _, body_top, _, body_bottom = frame.body.bounds("top")
            mat = {"x": _num(body_left - 6 + dx), "y": _num(body_top - 4 + dy),
                   "width": _num(body_right - body_left + 12), "height": _num(body_bottom - body_top + 8)}
        # A prop under one hip only (pigeon's cushion under the front-leg buttock) lies in front of the far leg.
        props = [{"kind": prop.kind, "paths": [_d(ring, dx, dy) for ring in prop.shapes(top + PAD)]}
                 for prop in frame.props if prop.across is None]
        between: list[dict[str, object]] = [
            {"kind": prop.kind, "paths": [_d(ring, dx, dy) for ring in prop.shapes(top + PAD)]}
            for prop in frame.props if prop.across is not None]
        props += [{"kind": kind, "paths": [_d(ring, dx, dy)]} for kind, ring in across]
        straps = []
        if frame.view == "side":
            for prop in figure.props:
                if prop.kind == "strap" and prop.between:
                    a, b = (frame.body.points[STRAP_POINTS[end]] for end in prop.between)
                    straps.append(f"M{_num(a.x + dx)} {_num(a.y + dy)}L{_num(b.x + dx)} {_num(b.y + dy)}")
        frames.append({
            "props": props,
            "straps": straps,
            "x": _num(index * (width + GAP)),
            "view": frame.view,
            "view_box": f"0 0 {_num(width)} {_num(height)}",
            "alt": texts[index],
            "partner": _groups(frame.body, frame.view, pieces, dx, dy, helper=False, between=between),
            "helper": _groups(frame.helper, "side", [], dx, dy, helper=True) if frame.helper else [],
            "mat": mat,
            "floor": {"x1": "0", "x2": _num(width), "y": _num(dy)} if frame.view != "top" else None,
            "arrow": _arrow(*arrow, dx, dy) if arrow else None,
            "label": frame.label,
            "label_x": _num(width / 2),
            "label_y": _num(dy + label_y),
        })
    total = len(placed) * (width + GAP) - GAP
    return {"alt": alt, "view_box": f"0 0 {_num(total)} {_num(height)}", "frames": frames,
            "highlight": HIGHLIGHT, "hatch_colour": HATCH_COLOUR, "near_fill": NEAR_FILL, "far_fill": FAR_FILL,
            "helper_line": HELPER_LINE, "helper_far_fill": HELPER_FAR_FILL, "mat_fill": MAT_FILL,
            "prop_fill": PROP_FILL,
            "line": _num(LINE), "outline": _num(2 * LINE), "stretch_id": stretch.id}


STRAP_POINTS = {"near_hand": "near_hand", "far_hand": "far_hand", "near_foot": "near_toes", "far_foot": "far_toes"}


def split_alt(alt: str, count: int) -> list[str]:
    """Return the words for each frame drawn on its own: the whole alt text for each, numbered."""
    if count == 1:
        return [alt]
    return [i18n.gettext("{alt} (picture {number} of {count})").format(alt=alt, number=i + 1, count=count)
            for i in range(count)]


# --- alt text ---------------------------------------------------------------------------------------


def describe_figure(figure: Figure, poses: dict[str, dict[str, float]]) -> str:
    """Describe a figure's positions in words, for readers who cannot see it."""
    texts = []
    for index, frame in enumerate(figure.frames):
        body = place_frame(figure, index, poses).body
        words = describe_body(body, -MAT_H if figure.mat else 0.0)
        texts.append(f"{frame.label}: {words[0].lower()}{words[1:]}" if frame.label else words)
    helper = ""
    if figure.drawn_helper is not None:
        words = describe_body(place_body(figure.drawn_helper, poses, 0.0), 0.0)
        said = (i18n.gettext("The helper, beside them on the far side: {words}") if figure.drawn_helper.beside == "far"
                else i18n.gettext("The helper: {words}"))
        helper = " " + said.format(words=f"{words[0].lower()}{words[1:]}")
    if len(texts) == 1:
        return texts[0] + helper
    count = {2: i18n.N_("Two positions."), 3: i18n.N_("Three positions."), 4: i18n.N_("Four positions.")}
    return i18n.gettext(count[len(texts)]) + " " + " ".join(texts) + helper


def describe_body(body: Body, floor: float) -> str:
    """Describe one posed body: what rests on the floor, then the torso, head and arms."""
    j, p = body.joints, body.points
    near, far = ("left", "right") if body.facing == "right" else ("right", "left")
    side_word = {"near": near, "far": far}
    # Words are whole phrases, and "left" is asked for with the part it names, so that a
    # translation can make them agree (Spanish: la pierna izquierda, el pie izquierdo).
    _ = i18n.gettext
    sides = {("leg", "left"): i18n.pgettext("leg", "left"), ("leg", "right"): i18n.pgettext("leg", "right"),
             ("knee", "left"): i18n.pgettext("knee", "left"), ("knee", "right"): i18n.pgettext("knee", "right"),
             ("foot", "left"): i18n.pgettext("foot", "left"), ("foot", "right"): i18n.pgettext("foot", "right")}

    def side(part: str, which: str) -> str:
        return sides[part, side_word[which]]

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
        parts.append(_("Lying on the back") if lean < 0 else _("Lying face down"))
    elif straight_back and front_bent and straight_back[0] != front_bent[0]:
        front, back = front_bent[0], straight_back[0]
        text = _("{front} leg bent on the floor in front, {back} leg stretched straight back").format(
            front=side("leg", front), back=side("leg", back))
        parts.append(text[:1].upper() + text[1:])
    elif seated:
        straight = all(j[f"{s}_knee"] < 25 for s in ("near", "far"))
        parts.append(_("Sitting on the floor, legs straight out in front") if straight else _("Sitting on the floor"))
    elif len(knees) == 2 and max(p["near_ankle"].y, p["far_ankle"].y) - p["pelvis"].y < 30:
        parts.append(_("Kneeling, sitting back toward the heels"))
    elif len(knees) == 2 and hands:
        quadruped = True
        parts.append(_("On hands and knees"))
    elif len(knees) == 2:
        parts.append(_("Kneeling"))
    elif len(knees) == 1:
        knee, other = knees[0], "far" if knees[0] == "near" else "near"
        if other in feet and (p[f"{other}_ankle"].x - p["pelvis"].x) * forward > 0:
            parts.append(_("Kneeling on the {knee} knee, {foot} foot flat in front").format(
                knee=side("knee", knee), foot=side("foot", other)))
        else:
            parts.append(_("Kneeling on the {knee} knee").format(knee=side("knee", knee)))
        if j[f"{knee}_hip"] < -5 and abs(lean) < 25:
            parts.append(_("hips pushed forward"))
    elif feet:
        parts.append(_("Standing"))
    else:
        parts.append(_("In position"))
    if quadruped:
        if j["back"] > 12:
            parts.append(_("back rounded up toward the ceiling"))
        elif j["back"] < -8:
            parts.append(_("belly sinking, back gently arched"))
        else:
            parts.append(_("back flat"))
    elif not lying:
        if abs(lean) < 20:
            parts.append(_("torso upright"))
        elif abs(lean) < 50:
            parts.append(_("leaning forward") if lean > 0 else _("leaning back"))
        else:
            parts.append(_("torso folded forward") if lean > 0 else _("leaning far back"))
    if (quadruped or abs(lean) < 50) and j["neck"] > 20:
        parts.append(_("chin tucked"))
    elif (quadruped or abs(lean) < 50) and j["neck"] < -12:
        parts.append(_("chest and gaze lifted"))
    reach = max((p[f"{s}_hand"].x - p["pelvis"].x) * forward for s in ("near", "far"))
    shins = max((p[f"{s}_knee"].x - p["pelvis"].x) * forward for s in ("near", "far"))
    toes = max((p[f"{s}_toes"].x - p["pelvis"].x) * forward for s in ("near", "far"))
    if seated and not lying and shins > 20 and reach > shins:
        parts.append(_("hands reaching toward the feet") if reach > toes - 12 else _("hands reaching toward the shins"))
    elif hands and not quadruped and not lying:
        ahead = min((p[f"{s}_hand"].x - p["head"].x) * forward for s in hands)
        parts.append(_("arms reaching forward on the floor") if ahead > 0 else _("hands on the floor"))
    return ", ".join(parts) + "."
