"""The registry of real activity data sets: rates, units, placements, classes, synonyms, fixed splits."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from . import sources
from .sources import Segment


@dataclass(frozen=True)
class DatasetSpec:
    """What motionfm knows about one data set. Splits are fixed by subject, written here in code.

    The single source of each data set's units and sensor placements: ``reader(spec, root)`` reads them here.
    """

    name: str
    title: str
    rate_hz: float
    acc_unit: str
    gyro_unit: str | None  # None: accelerometer only
    placements: tuple[str, ...]
    classes: tuple[str, ...]
    synonyms: dict[str, tuple[str, ...]]
    test_subjects: tuple[int, ...]
    val_subjects: tuple[int, ...]
    n_subjects: int
    files: tuple[str, ...]
    reader: Callable[[DatasetSpec, Path], Iterator[Segment]]
    still_classes: tuple[str, ...] = ()
    supervised_only: bool = False  # class names unknown: no zero-shot
    # training subjects that also give validation windows: the last ``val_share`` of each of their classes'
    # windows (in recording order), for data sets where no set of whole non-test subjects covers every class
    val_within: tuple[int, ...] = ()
    val_share: float = 0.25
    notes: str = ""
    license: str = ""

    @property
    def has_gyro(self) -> bool:
        return self.gyro_unit is not None

    def split_of(self, subject: int) -> str:
        """'train', 'val' or 'test' for a subject id."""
        if subject in self.test_subjects:
            return "test"
        return "val" if subject in self.val_subjects else "train"

    def splits(self, subject: np.ndarray, y: np.ndarray) -> np.ndarray:
        """(n,) 'train' / 'val' / 'test' per window from its subject (n,) and label (n,), windows in recording
        order: split_of, and for ``val_within`` subjects the last val_share of each class's windows is 'val'."""
        split = np.array([self.split_of(int(s)) for s in subject], dtype="<U5")
        for s in self.val_within:
            for c in np.unique(y[subject == s]):
                idx = np.nonzero((subject == s) & (y == c))[0]
                n_val = int(np.ceil(self.val_share * len(idx))) if len(idx) > 1 else 0
                split[idx[len(idx) - n_val:]] = "val"
        return split

    def val_classes_missing(self, subject: np.ndarray, y: np.ndarray) -> list[str]:
        """Class names with windows in the data set but none in its validation windows (should be empty)."""
        split = self.splits(subject, y)
        return [self.classes[c] for c in np.unique(y) if not ((split == "val") & (y == c)).any()]


UCI_CLASSES = ("walking", "walking upstairs", "walking downstairs", "sitting", "standing", "lying down")
DSADS_CLASSES = (
    "sitting", "standing", "lying on back", "lying on right side", "ascending stairs", "descending stairs",
    "standing in an elevator still", "moving around in an elevator", "walking in a parking lot",
    "walking on a treadmill 4km/h flat", "walking on a treadmill 4km/h 15deg inclined",
    "running on a treadmill 8km/h", "exercising on a stepper", "exercising on a cross trainer",
    "cycling on an exercise bike horizontal", "cycling on an exercise bike vertical", "rowing", "jumping",
    "playing basketball",
)
USC_CLASSES = ("walking forward", "walking left", "walking right", "walking upstairs", "walking downstairs",
               "running forward", "jumping up", "sitting", "standing", "sleeping", "elevator up", "elevator down")
UTD_CLASSES = (
    "right arm swipe to the left", "right arm swipe to the right", "right hand wave", "two hand front clap",
    "right arm throw", "cross arms in the chest", "basketball shoot", "right hand draw x",
    "right hand draw circle clockwise", "right hand draw circle counter clockwise", "draw triangle", "bowling",
    "front boxing", "baseball swing from right", "tennis right hand forehand swing", "arm curl", "tennis serve",
    "two hand push", "right hand knock on door", "right hand catch an object", "right hand pick up and throw",
    "jogging in place", "walking in place", "sit to stand", "stand to sit", "forward lunge", "squat",
)

SYNONYMS: dict[str, tuple[str, ...]] = {
    "walking": ("walking on flat ground", "strolling"),
    "walking upstairs": ("climbing stairs", "going up the stairs", "ascending stairs"),
    "walking downstairs": ("going down the stairs", "descending stairs"),
    "sitting": ("sitting on a chair", "sitting still"),
    "standing": ("standing still", "standing upright"),
    "lying down": ("lying on a bed", "laying", "lying still"),
    "lying on back": ("lying face up", "lying supine"),
    "lying on right side": ("lying on the side",),
    "ascending stairs": ("walking upstairs", "climbing stairs"),
    "descending stairs": ("walking downstairs", "going down the stairs"),
    "standing in an elevator still": ("riding an elevator", "standing in a lift"),
    "moving around in an elevator": ("walking around in a lift",),
    "walking in a parking lot": ("walking outdoors", "walking"),
    "walking on a treadmill 4km/h flat": ("walking on a treadmill", "slow walking"),
    "walking on a treadmill 4km/h 15deg inclined": ("walking uphill on a treadmill", "walking on an incline"),
    "running on a treadmill 8km/h": ("running on a treadmill", "jogging"),
    "exercising on a stepper": ("stepping exercise", "using a stair stepper"),
    "exercising on a cross trainer": ("using an elliptical trainer", "elliptical exercise"),
    "cycling on an exercise bike horizontal": ("cycling on a recumbent bike", "cycling"),
    "cycling on an exercise bike vertical": ("riding an upright stationary bike", "cycling"),
    "rowing": ("rowing on a rowing machine", "using an ergometer"),
    "jumping": ("jumping up and down", "hopping"),
    "playing basketball": ("dribbling a basketball", "basketball"),
    "walking forward": ("walking", "walking straight ahead"),
    "walking left": ("walking sideways to the left", "side-stepping left"),
    "walking right": ("walking sideways to the right", "side-stepping right"),
    "running forward": ("running", "jogging"),
    "jumping up": ("jumping", "jumping in place"),
    "sleeping": ("lying down", "lying asleep"),
    "elevator up": ("riding an elevator up", "standing in a lift going up"),
    "elevator down": ("riding an elevator down", "standing in a lift going down"),
    "right arm swipe to the left": ("swiping the arm to the left",),
    "right arm swipe to the right": ("swiping the arm to the right",),
    "right hand wave": ("waving a hand", "waving hello"),
    "two hand front clap": ("clapping hands", "clapping"),
    "right arm throw": ("throwing a ball", "throwing"),
    "cross arms in the chest": ("crossing arms", "folding arms"),
    "basketball shoot": ("shooting a basketball",),
    "right hand draw x": ("drawing an x in the air",),
    "right hand draw circle clockwise": ("drawing a circle clockwise",),
    "right hand draw circle counter clockwise": ("drawing a circle counterclockwise",),
    "draw triangle": ("drawing a triangle in the air",),
    "bowling": ("bowling a ball",),
    "front boxing": ("punching", "boxing"),
    "baseball swing from right": ("swinging a baseball bat",),
    "tennis right hand forehand swing": ("tennis forehand", "swinging a tennis racket"),
    "arm curl": ("biceps curl", "curling a dumbbell"),
    "tennis serve": ("serving a tennis ball",),
    "two hand push": ("pushing with both hands",),
    "right hand knock on door": ("knocking on a door",),
    "right hand catch an object": ("catching a ball",),
    "right hand pick up and throw": ("picking up and throwing an object",),
    "jogging in place": ("running in place", "jogging"),
    "walking in place": ("marching in place", "walking"),
    "sit to stand": ("standing up from a chair", "getting up"),
    "stand to sit": ("sitting down on a chair", "sitting down"),
    "forward lunge": ("lunging forward", "doing lunges"),
    "squat": ("squatting", "doing squats"),
}


def _syn(classes: tuple[str, ...]) -> dict[str, tuple[str, ...]]:
    return {c: SYNONYMS.get(c, ()) for c in classes}


# WHARF (Bruno et al. 2014, UCI "ADL Recognition with Wrist-worn Accelerometer") as shipped in WHARF.npz, the
# LOSO packaging of Jordao et al. 2018 (github.com/arturjordao/WearableSensorData), which gives no label list.
# Label k is WHARF_CLASSES[k], settled by evidence (benchmarks/wharf_evidence.py prints it; tests/test_har.py
# checks it): 16 raw samples of one UCI recording per activity occur verbatim in the file only in windows of the
# label listed (codes are integers, so this identifies, it does not resemble); the snippets of
# eat_meat and eat_soup (5 and 3 recordings) occur nowhere: those are the two left out. The order is that of
# each activity's earliest recording in the UCI file names. Windows per recording follow the recordings' lengths
# (brush_teeth 29.6, walk 10.1, sitdown/standup 1.6), and the wrist-frame physics agrees: gait periodicity with
# the arm hanging for walk and stairs, the hand at the head for telephone/comb/drink, and the sign of the posture
# change separating sit down from stand up and lie down from get up.
WHARF_CLASSES = ("standing up from a chair", "combing hair", "sitting down on a chair", "walking", "pouring water",
                 "drinking from a glass", "descending stairs", "climbing stairs", "lying down on a bed",
                 "getting up from a bed", "using a telephone", "brushing teeth")
WHARF_SYNONYMS: dict[str, tuple[str, ...]] = {
    "standing up from a chair": ("standup chair", "getting up from a chair", "sit to stand"),
    "combing hair": ("comb hair", "combing one's hair with a brush"),
    "sitting down on a chair": ("sitdown chair", "sitting down", "stand to sit"),
    "walking": ("walk", "taking a number of steps"),
    "pouring water": ("pour water", "pouring water from a bottle into a glass"),
    "drinking from a glass": ("drink glass", "picking up a glass and drinking"),
    "descending stairs": ("descend stairs", "going down the stairs", "walking downstairs"),
    "climbing stairs": ("climb stairs", "going up the stairs", "walking upstairs"),
    "lying down on a bed": ("liedown bed", "lying down"),
    "getting up from a bed": ("getup bed", "getting out of bed"),
    "using a telephone": ("use telephone", "making a phone call"),
    "brushing teeth": ("brush teeth", "brushing one's teeth with a toothbrush"),
}


REGISTRY: dict[str, DatasetSpec] = {spec.name: spec for spec in (
    DatasetSpec(
        "uci-har", "UCI-HAR (from the UCI HAPT raw recordings)", 50.0, "g", "rad/s", ("waist",), UCI_CLASSES,
        _syn(UCI_CLASSES), test_subjects=(2, 4, 9, 10, 12, 13, 18, 20, 24), val_subjects=(1, 15, 28),
        n_subjects=30, files=("uci_hapt/hapt_raw_50hz.npz",), reader=sources.read_hapt,
        still_classes=("sitting", "standing", "lying down"), license="CC BY 4.0 (UCI)",
        notes="classes 1-6 of HAPT; postural transitions (7-12) and unlabelled samples are left out"),
    DatasetSpec(
        "dsads", "UCI Daily and Sports Activities", 25.0, "m/s2", "rad/s",
        ("torso", "right_wrist", "left_wrist", "right_thigh", "left_thigh"), DSADS_CLASSES, _syn(DSADS_CLASSES),
        test_subjects=(7, 8), val_subjects=(6,), n_subjects=8, files=("dsads/dsads_25hz_5s_accgyro_f16.npz",),
        reader=sources.read_dsads, still_classes=("sitting", "standing", "lying on back", "lying on right side"),
        license="CC BY 4.0 (UCI)", notes="the 60 consecutive 5 s segments per subject and activity are rejoined"),
    DatasetSpec(
        "usc-had", "USC-HAD", 100.0, "g", "deg/s", ("right_hip",), USC_CLASSES, _syn(USC_CLASSES),
        test_subjects=(12, 13, 14), val_subjects=(11,), n_subjects=14, files=("usc_had/usc_had_100hz.npz",),
        reader=sources.read_usc_had, still_classes=("sitting", "standing", "sleeping"),
        license="research use; cite Zhang & Sawchuk 2012"),
    DatasetSpec(
        "utd-mhad", "UTD-MHAD inertial (a1-a21 right wrist, a22-a27 right thigh)", 50.0, "g", "deg/s",
        ("right_wrist", "right_thigh"), UTD_CLASSES, _syn(UTD_CLASSES), test_subjects=(7, 8), val_subjects=(6,),
        n_subjects=8, files=("utd_mhad_wharf/UTD-MHAD1_1s.npz", "utd_mhad_wharf/UTD-MHAD2_1s.npz"),
        reader=sources.read_utd_mhad, license="research use",
        notes="1 s windows; units undocumented, checked by gravity (g) and gyro range (deg/s); subjects from folds"),
    DatasetSpec(
        "wharf", "WHARF (wrist ADL)", 32.0, "wharf-code", None, ("right_wrist",),
        WHARF_CLASSES, WHARF_SYNONYMS, test_subjects=(6, 7, 8, 9, 10), val_subjects=(11, 12),
        val_within=(1,), n_subjects=16, files=("utd_mhad_wharf/WHARF.npz",), reader=sources.read_wharf, supervised_only=False,
        license="research use",
        notes="12 of the 14 WHARF activities (eat_meat, eat_soup left out); class order identified by matching "
              "raw UCI recordings to the windows (see WHARF_CLASSES, benchmarks/wharf_evidence.py); "
              "accelerometer only; validation subjects 11, 12 hold only walking and climbing stairs, and four "
              "classes occur outside the test subjects only in subject 1, so the last quarter of each class's "
              "windows of subject 1 is validation too (val_within)"),
)}


def registry_names(names: Sequence[str]) -> list[str]:
    """Each data set name in the registry's spelling; ValueError for an unknown one or one named twice (in any
    spelling: 'UCI-HAR' and 'uci-har' are one data set, which would be evaluated or trained on twice)."""
    out = [get_spec(n).name for n in names]
    twice = sorted({n for n in out if out.count(n) > 1})
    if twice:
        raise ValueError(f"a data set is named twice ({', '.join(twice)} more than once in {', '.join(names)}); "
                         f"give each once")
    return out


def get_spec(name: str) -> DatasetSpec:
    """The registry entry for a data set name; ValueError listing the known names."""
    key = name.strip().lower() if isinstance(name, str) else None
    if key not in REGISTRY:
        raise ValueError(f"unknown data set {name!r}; known: {', '.join(REGISTRY)}")
    return REGISTRY[key]
