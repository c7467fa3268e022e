import numpy as np
import pytest

from motionfm import skeleton as sk


def test_joint_table_matches_design():
    assert sk.NUM_JOINTS == 22
    assert sk.JOINT_NAMES[13] == "head" and sk.JOINT_NAMES[17] == "left_wrist" and sk.JOINT_NAMES[21] == "right_wrist"
    assert sk.EDGES[:4] == ((1, 0), (2, 1), (3, 2), (4, 3))
    assert len(sk.EDGES) == 21
    assert all(p < j for j, p in enumerate(sk.PARENTS) if p >= 0)  # parents precede children
    assert set(sk.LEAVES) == {4, 8, 13, 17, 21}


def test_smpl_reordering_is_a_permutation():
    assert sorted(sk.SMPL_TO_OURS) == list(range(22))
    # SMPL: 0 pelvis, 1 L hip, 2 R hip, 3 spine1, ... 15 head, 20 L wrist, 21 R wrist
    assert sk.SMPL_TO_OURS[sk.joint_index("right_hip")] == 2
    assert sk.SMPL_TO_OURS[sk.joint_index("head")] == 15
    assert sk.SMPL_TO_OURS[sk.joint_index("left_wrist")] == 20


@pytest.mark.parametrize("name,segment", [
    ("left_wrist", "left_forearm"), ("Right Wrist", "right_forearm"), ("watch", "left_forearm"),
    ("wrist", "right_forearm"), ("hand", "right_forearm"), ("left_hand", "left_forearm"),
    ("waist", "pelvis"), ("belt", "pelvis"), ("hip", "pelvis"), ("right_hip", "pelvis"), ("left-hip", "pelvis"),
    ("lower-back", "lower_back"), ("chest", "chest"), ("torso", "chest"), ("head", "neck"),
    ("left_thigh", "left_thigh"), ("thigh", "right_thigh"), ("right_pocket", "right_thigh"),
    ("pocket", "right_thigh"), ("left_knee", "left_shank"), ("right_shin", "right_shank"),
    ("left_ankle", "left_shank"), ("ankle", "right_shank"), ("right_foot", "right_foot"), ("shoe", "right_foot"), ("left_upper_arm", "left_upper_arm"),
    ("arm", "right_upper_arm"), ("right_forearm", "right_forearm"),
])
def test_placements_name_the_segment_the_sensor_rides_on(name, segment):
    assert sk.SENSOR_SEGMENT[sk.placement_to_joint(name)] == segment


@pytest.mark.parametrize("name,hint", [("trunk", "chest or lower_back"), ("leg", "thigh or shin"),
                                       ("Left Leg", "left_thigh or left_shin")])
def test_ambiguous_placements_are_refused_naming_precise_ones(name, hint):
    with pytest.raises(ValueError, match=f"ambiguous placement '{name}': say {hint}"):
        sk.placement_to_joint(name)


def test_unknown_placement_lists_valid_names():
    with pytest.raises(ValueError, match="unknown placement 'left_elbow_pit'.*left_wrist"):
        sk.placement_to_joint("left_elbow_pit")
    with pytest.raises(ValueError, match="unknown placement 'wasit'; did you mean waist\\? valid placements"):
        sk.placement_to_joint("wasit")
    with pytest.raises(ValueError, match="valid joints"):
        sk.joint_index("tail")


def test_spatial_partition():
    parts = sk.spatial_partition()
    assert parts.shape == (3, 22, 22)
    # self / centripetal / centrifugal slices cover the neighbourhood, each column sums to 1 (A D^-1)
    np.testing.assert_allclose(parts.sum(axis=(0, 1)), 1.0, rtol=1e-6)
    assert np.all(np.diag(parts[0]) > 0)
    # pelvis (0) is centripetal neighbour of left hip (1); left knee (2) centrifugal neighbour of left hip
    assert parts[1, 0, 1] > 0 and parts[2, 2, 1] > 0 and parts[1, 2, 1] == 0
    assert (parts > 0).sum() == 22 + 2 * 21


def test_main_child_and_rest_directions():
    assert sk.MAIN_CHILD[sk.joint_index("spine3")] == sk.joint_index("neck")
    assert all(sk.MAIN_CHILD[j] == -1 for j in sk.LEAVES)
    assert sk.REST_DIRECTIONS[sk.joint_index("left_hip")][0] > 0  # the body's left is +x
