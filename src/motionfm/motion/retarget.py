"""Map a source skeleton's joints onto the 22 motionfm joints: one table per skeleton family.

A table entry is either a source joint name (take its position and its segment orientation) or
``("mid", a, b)``: a virtual joint halfway between a and b, oriented like a (e.g. Bandai-Namco has no
second spine joint).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..geometry import matrix_to_quat
from ..skeleton import JOINT_NAMES
from .clip import MotionFormatError

Spec = str | tuple[str, str, str]


@dataclass(frozen=True)
class SkeletonFamily:
    """A family of source skeletons: joint table, length unit in metres, and how to recognise it."""

    name: str
    table: dict[str, Spec]
    metres_per_unit: float
    root_channels_add_offset: bool = False  # BVH root position channels are relative to its OFFSET

    def source_names(self) -> set[str]:
        names: set[str] = set()
        for spec in self.table.values():
            names.update([spec] if isinstance(spec, str) else spec[1:])
        return names


def _sided(fmt: dict[str, Spec], left: str, right: str) -> dict[str, Spec]:
    """Expand a table written for the left side ('{S}' placeholders) to both sides."""
    out: dict[str, Spec] = {}
    for joint, spec in fmt.items():
        for side, tag in (("left", left), ("right", right)):
            key = joint.replace("{side}", side)
            out[key] = spec.replace("{S}", tag) if isinstance(spec, str) else tuple(s.replace("{S}", tag) for s in spec)
    return out


BANDAI_NAMCO = SkeletonFamily("bandai-namco", {
    "pelvis": "Hips", "spine1": "Spine", "spine2": ("mid", "Spine", "Chest"), "spine3": "Chest",
    "neck": "Neck", "head": "Head",
    **_sided({
        "{side}_hip": "UpperLeg_{S}", "{side}_knee": "LowerLeg_{S}", "{side}_ankle": "Foot_{S}",
        "{side}_foot": "Toes_{S}", "{side}_collar": "Shoulder_{S}", "{side}_shoulder": "UpperArm_{S}",
        "{side}_elbow": "LowerArm_{S}", "{side}_wrist": "Hand_{S}",
    }, "L", "R"),
}, metres_per_unit=0.01)

CMU_ICLONE = SkeletonFamily("cmu-iclone", {
    "pelvis": "CC_Base_Pelvis", "spine1": "CC_Base_Waist", "spine2": "CC_Base_Spine01",
    "spine3": "CC_Base_Spine02", "neck": "CC_Base_NeckTwist01", "head": "CC_Base_Head",
    **_sided({
        "{side}_hip": "CC_Base_{S}_Thigh", "{side}_knee": "CC_Base_{S}_Calf", "{side}_ankle": "CC_Base_{S}_Foot",
        "{side}_foot": "CC_Base_{S}_ToeBase", "{side}_collar": "CC_Base_{S}_Clavicle",
        "{side}_shoulder": "CC_Base_{S}_Upperarm", "{side}_elbow": "CC_Base_{S}_Forearm",
        "{side}_wrist": "CC_Base_{S}_Hand",
    }, "L", "R"),
}, metres_per_unit=0.01, root_channels_add_offset=True)

# CMU ASF/AMC: a node is a bone, positioned at its start (the joint) and oriented like the bone.
# Lengths are converted by the ASF's own :units, so metres_per_unit is 1 here.
CMU_ASF = SkeletonFamily("cmu-asf", {
    "pelvis": "root", "spine1": "upperback", "spine2": "thorax", "spine3": "lowerneck",
    "neck": "upperneck", "head": "head",
    **_sided({
        "{side}_hip": "{S}femur", "{side}_knee": "{S}tibia", "{side}_ankle": "{S}foot", "{side}_foot": "{S}toes",
        "{side}_collar": ("mid", "{S}clavicle", "{S}humerus"), "{side}_shoulder": "{S}humerus",
        "{side}_elbow": "{S}radius", "{side}_wrist": "{S}wrist",
    }, "l", "r"),
}, metres_per_unit=1.0)

FAMILIES: dict[str, SkeletonFamily] = {f.name: f for f in (BANDAI_NAMCO, CMU_ICLONE, CMU_ASF)}


def detect_family(joint_names: list[str], source: str = "") -> SkeletonFamily:
    """The family whose table's source joints all appear in ``joint_names``; error naming the families."""
    present = set(joint_names)
    for family in FAMILIES.values():
        if family.source_names() <= present:
            return family
    raise MotionFormatError(
        f"{source}: unknown skeleton (joints {', '.join(joint_names[:8])}, ...); "
        f"known families: {', '.join(FAMILIES)}. Add a table to motionfm.motion.retarget.FAMILIES."
    )


def retarget(names: list[str], positions: np.ndarray, rotations: np.ndarray,
             family: SkeletonFamily, source: str = "") -> tuple[np.ndarray, np.ndarray]:
    """Pick the 22 motionfm joints out of a source skeleton.

    positions (T, N, 3) and rotations (T, N, 3, 3) are the source joints' global positions and segment
    orientations in the source unit. Returns positions (T, 22, 3) in metres and rotations (T, 22, 4).
    MotionFormatError (naming ``source``) when the skeleton lacks a joint the family's table needs.
    """
    index = {n: i for i, n in enumerate(names)}
    missing = sorted(family.source_names() - set(index))
    if missing:
        raise MotionFormatError(f"{source}: not a {family.name} skeleton: it has no {', '.join(missing[:6])}"
                                f"{' ...' if len(missing) > 6 else ''}")
    pos = np.empty(positions.shape[:1] + (len(JOINT_NAMES), 3))
    rot = np.empty(positions.shape[:1] + (len(JOINT_NAMES), 3, 3))
    for j, joint in enumerate(JOINT_NAMES):
        spec = family.table[joint]
        if isinstance(spec, str):
            pos[:, j], rot[:, j] = positions[:, index[spec]], rotations[:, index[spec]]
        else:
            a, b = index[spec[1]], index[spec[2]]
            pos[:, j], rot[:, j] = 0.5 * (positions[:, a] + positions[:, b]), rotations[:, a]
    return pos * family.metres_per_unit, matrix_to_quat(rot)
