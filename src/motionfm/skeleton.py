"""The 22-joint body skeleton (UniMTS order) and the table of body positions people name.

Joint order is depth-first over the SMPL/HumanML3D kinematic tree (see DESIGN.md); it is *not* the
SMPL index order. Every array with a joints axis in motionfm uses this order.
"""

from __future__ import annotations

import difflib

import numpy as np

JOINT_NAMES: tuple[str, ...] = (
    "pelvis", "left_hip", "left_knee", "left_ankle", "left_foot",
    "right_hip", "right_knee", "right_ankle", "right_foot",
    "spine1", "spine2", "spine3", "neck", "head",
    "left_collar", "left_shoulder", "left_elbow", "left_wrist",
    "right_collar", "right_shoulder", "right_elbow", "right_wrist",
)
NUM_JOINTS = len(JOINT_NAMES)

# parent of each joint (-1 for the root)
PARENTS: tuple[int, ...] = (-1, 0, 1, 2, 3, 0, 5, 6, 7, 0, 9, 10, 11, 12, 11, 14, 15, 16, 11, 18, 19, 20)

# (child, parent) pairs
EDGES: tuple[tuple[int, int], ...] = tuple((j, p) for j, p in enumerate(PARENTS) if p >= 0)

# Joints without children: a sensor there takes its parent segment's orientation.
LEAVES: tuple[int, ...] = tuple(j for j in range(NUM_JOINTS) if j not in PARENTS)

# The child that defines each joint's segment (its first child); -1 for leaves.
MAIN_CHILD: tuple[int, ...] = tuple(min((c for c, p in enumerate(PARENTS) if p == j), default=-1)
                                    for j in range(NUM_JOINTS))

# Direction of each joint from its parent in a T-pose facing +z with y up (the body's left is +x).
REST_DIRECTIONS: tuple[tuple[float, float, float], ...] = (
    (0, 0, 0), (1, 0, 0), (0, -1, 0), (0, -1, 0), (0, 0, 1),
    (-1, 0, 0), (0, -1, 0), (0, -1, 0), (0, 0, 1),
    (0, 1, 0), (0, 1, 0), (0, 1, 0), (0, 1, 0), (0, 1, 0),
    (1, 0, 0), (1, 0, 0), (1, 0, 0), (1, 0, 0),
    (-1, 0, 0), (-1, 0, 0), (-1, 0, 0), (-1, 0, 0),
)

# SMPL / HumanML3D index of each of our joints: ours[i] = smpl[SMPL_TO_OURS[i]]
SMPL_TO_OURS: tuple[int, ...] = (0, 1, 4, 7, 10, 2, 5, 8, 11, 3, 6, 9, 12, 15, 13, 16, 18, 20, 14, 17, 19, 21)

# The body segment a sensor in each joint's slot rides on. A sensor at joint J is oriented like the segment
# J -> MAIN_CHILD[J] (the BVH/SMPL convention: a joint's rotation turns the bone that leaves it); a leaf
# joint has no such bone and takes its parent's segment (the wrist rides on the forearm, the foot joint on
# the foot, the head on the neck). So the 'left_hip' slot is the left THIGH and 'left_knee' the left SHANK.
SENSOR_SEGMENT: tuple[str, ...] = (
    "pelvis", "left_thigh", "left_shank", "left_foot", "left_foot",
    "right_thigh", "right_shank", "right_foot", "right_foot",
    "lower_back", "mid_back", "chest", "neck", "neck",
    "left_clavicle", "left_upper_arm", "left_forearm", "left_forearm",
    "right_clavicle", "right_upper_arm", "right_forearm", "right_forearm",
)

# Body positions people type -> joint slot, chosen by the segment the sensor rides on (SENSOR_SEGMENT).
# Names without a side mean the right side, except a watch (worn on the left by convention).
PLACEMENTS: dict[str, str] = {name: name for name in JOINT_NAMES}
PLACEMENTS.update({
    # pelvis: a belt clip or waist pouch, at the front, side or back of the hip bones
    "pelvis": "pelvis", "waist": "pelvis", "hip": "pelvis", "belt": "pelvis",
    "left_hip": "pelvis", "right_hip": "pelvis", "left_waist": "pelvis", "right_waist": "pelvis",
    # back and chest
    "lower_back": "spine1", "back": "spine2", "mid_back": "spine2", "upper_back": "spine3",
    "torso": "spine3", "chest": "spine3", "sternum": "spine3",
    "neck": "neck", "head": "head", "forehead": "head", "ear": "head",
    # thighs (a phone in a front trouser pocket rides on the thigh)
    "left_thigh": "left_hip", "right_thigh": "right_hip", "thigh": "right_hip",
    "left_pocket": "left_hip", "right_pocket": "right_hip", "pocket": "right_hip",
    # shanks: a knee or shin strap rides on the shank
    "left_knee": "left_knee", "right_knee": "right_knee", "knee": "right_knee",
    "left_shin": "left_knee", "right_shin": "right_knee", "shin": "right_knee",
    "left_shank": "left_knee", "right_shank": "right_knee", "shank": "right_knee",
    # an ankle strap sits above the malleolus, on the shank: the foot turns below it (unlike the joint slot
    # 'left_ankle', which rides on the foot; a sensor on the foot is 'foot' or 'shoe')
    "left_ankle": "left_knee", "right_ankle": "right_knee", "ankle": "right_knee",
    # feet
    "left_foot": "left_foot", "right_foot": "right_foot", "foot": "right_foot",
    "left_shoe": "left_foot", "right_shoe": "right_foot", "shoe": "right_foot",
    # arms
    "left_shoulder": "left_shoulder", "right_shoulder": "right_shoulder", "shoulder": "right_shoulder",
    "left_upper_arm": "left_shoulder", "right_upper_arm": "right_shoulder", "upper_arm": "right_shoulder",
    "left_arm": "left_shoulder", "right_arm": "right_shoulder", "arm": "right_shoulder",
    "left_elbow": "left_elbow", "right_elbow": "right_elbow", "elbow": "right_elbow",
    "left_forearm": "left_elbow", "right_forearm": "right_elbow", "forearm": "right_elbow",
    "left_wrist": "left_wrist", "right_wrist": "right_wrist", "wrist": "right_wrist",
    "left_hand": "left_wrist", "right_hand": "right_wrist", "hand": "right_wrist",
    "watch": "left_wrist", "left_watch": "left_wrist", "right_watch": "right_wrist",
})

# Names that do not say which segment: refused with the names that do.
AMBIGUOUS_PLACEMENTS: dict[str, str] = {
    "trunk": "chest or lower_back", "leg": "thigh or shin", "left_leg": "left_thigh or left_shin",
    "right_leg": "right_thigh or right_shin",
}


def joint_index(name: str) -> int:
    """Index of a joint given its name (e.g. 'left_wrist' -> 17)."""
    try:
        return JOINT_NAMES.index(name)
    except ValueError:
        raise ValueError(f"unknown joint {name!r}; valid joints: {', '.join(JOINT_NAMES)}") from None


def normalise_placement(name: str) -> str:
    """Lower-case a body-position name and unify separators ('Left Wrist' -> 'left_wrist')."""
    return "_".join(name.strip().lower().replace("-", " ").replace("_", " ").split())


def placement_to_joint(name: str) -> int:
    """Joint slot for a body-position name people use ('waist', 'right_pocket', 'left_wrist', ...).

    The slot is chosen by the segment the sensor rides on (see SENSOR_SEGMENT): 'right_hip' (a belt clip
    on the right hip) is the pelvis, 'right_thigh' and 'right_pocket' the right thigh. Raises ValueError
    listing every valid name when the name is unknown, or the precise names when it is ambiguous.
    """
    key = normalise_placement(name)
    if key in AMBIGUOUS_PLACEMENTS:
        raise ValueError(f"ambiguous placement {name!r}: say {AMBIGUOUS_PLACEMENTS[key]}")
    if key not in PLACEMENTS:
        close = difflib.get_close_matches(key, list(PLACEMENTS), n=3, cutoff=0.75)
        hint = f"did you mean {' or '.join(close)}? " if close else ""
        raise ValueError(f"unknown placement {name!r}; {hint}valid placements: {', '.join(sorted(PLACEMENTS))}")
    return JOINT_NAMES.index(PLACEMENTS[key])


def adjacency() -> np.ndarray:
    """Symmetric 0/1 adjacency of the skeleton graph without self loops, shape (22, 22)."""
    a = np.zeros((NUM_JOINTS, NUM_JOINTS), dtype=np.float32)
    for child, parent in EDGES:
        a[child, parent] = a[parent, child] = 1.0
    return a


def hop_distance_to_root() -> np.ndarray:
    """Number of edges from each joint to the pelvis, shape (22,)."""
    depth = np.zeros(NUM_JOINTS, dtype=np.int64)
    for j, p in enumerate(PARENTS):  # parents precede children in this order
        depth[j] = depth[p] + 1 if p >= 0 else 0
    return depth


def spatial_partition() -> np.ndarray:
    """ST-GCN 'spatial' partition: (3, 22, 22) = self, towards root (centripetal), away from root.

    Each slice is normalised A D^-1 over the full neighbourhood (self + neighbours), as in ST-GCN:
    column j is divided by the degree of joint j, so that ``x @ A[k]`` averages over neighbours.
    """
    a = adjacency() + np.eye(NUM_JOINTS, dtype=np.float32)
    degree = a.sum(axis=0)
    a_norm = a / degree[None, :]
    depth = hop_distance_to_root()
    parts = np.zeros((3, NUM_JOINTS, NUM_JOINTS), dtype=np.float32)
    for i in range(NUM_JOINTS):
        for j in range(NUM_JOINTS):
            if a[i, j] == 0:
                continue
            if depth[i] == depth[j]:
                parts[0, i, j] = a_norm[i, j]
            elif depth[i] < depth[j]:  # neighbour i is nearer the root than centre j
                parts[1, i, j] = a_norm[i, j]
            else:
                parts[2, i, j] = a_norm[i, j]
    return parts
