"""Motion-text corpora for pre-training: motion files with captions, simulated once and cached.

Corpus names: 'bandai-namco' and 'cmu' (from the staged data folder), 'humanml3d=/path/to/HumanML3D'
(a folder with new_joints/ and texts/, for users who have it). Real labelled IMU data sets from the
registry are added by the pre-training data module as windows captioned with their class names.
"""

from __future__ import annotations

import hashlib
import json
import re
import sys
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path

import pandas as pd

from .atomic import atomic_path
from .motion import expand_inputs, format_suffix, motion_stem
from .paths import cache_dir, data_root
from .simulate import SimConfig
from .simulate_corpus import SimulatedCorpus, simulate_files

BANDAI_CONTENT = {
    "walk": "walking", "run": "running", "dash": "sprinting", "walk-back": "walking backwards",
    "walk-left": "walking to the left", "walk-right": "walking to the right", "bow": "bowing",
    "bye": "waving goodbye", "byebye": "waving goodbye with both hands", "guide": "guiding someone with a hand",
    "respond": "responding with a gesture", "call": "calling someone over with a hand", "punch": "punching",
    "kick": "kicking", "slash": "slashing with a sword", "dance-long": "dancing", "dance-short": "dancing",
    "walk-turn-left": "walking and turning left", "walk-turn-right": "walking and turning right",
    "wave-both-hands": "waving both hands", "wave-left-hand": "waving the left hand",
    "wave-right-hand": "waving the right hand", "raise-up-both-hands": "raising both hands",
    "raise-up-left-hand": "raising the left hand", "raise-up-right-hand": "raising the right hand",
}
BANDAI_STYLE = {
    "normal": "", "happy": "happily", "sad": "sadly", "angry": "angrily", "proud": "proudly",
    "not-confident": "without confidence", "masculinity": "in a masculine way", "masculine": "in a masculine way",
    "feminine": "in a feminine way", "childish": "like a child", "old": "like an old person",
    "elderly": "like an elderly person", "tired": "in a tired way", "exhausted": "in an exhausted way",
    "active": "energetically", "youthful": "in a youthful way", "musical": "in a musical way",
    "giant": "like a giant", "chimpira": "like a swaggering thug",
}
_BANDAI_NAME = re.compile(r"dataset-\d+_(?P<content>.+)_(?P<style>[^_]+)_\d+$")


def bandai_namco_captions(path: Path) -> list[str]:
    """Several phrasings of a Bandai-Namco clip's content and style, from its file name."""
    m = _BANDAI_NAME.match(motion_stem(path))
    if not m or m["content"] not in BANDAI_CONTENT:
        raise ValueError(f"{path.name}: not a Bandai-Namco clip name (dataset-N_content_style_NNN)")
    action = BANDAI_CONTENT[m["content"]]
    style = BANDAI_STYLE.get(m["style"], f"in a {m['style']} way")
    how = f" {style}" if style else ""
    return [f"a person is {action}{how}.", f"someone {action}{how}", f"{action}{how}",
            f"a person {'is ' if not how else ''}{action}{how}"]


def cmu_descriptions(csv: Path) -> dict[tuple[int, int], str]:
    """(subject, trial) -> free-text motion description from CMU_data_descriptions.csv."""
    table = pd.read_csv(csv)
    return {(int(r["Subject"]), int(r["Trial #"])): str(r["Motion Description"]).strip()
            for _, r in table.iterrows()}


def cmu_captions(path: Path, descriptions: dict[tuple[int, int], str]) -> list[str]:
    """Captions of a CMU trial file named SSS_TT.bvh or SS_TT.amc."""
    subject, trial = (int(x) for x in motion_stem(path).split("_")[:2])
    text = descriptions.get((subject, trial))
    if text is None:
        raise ValueError(f"{path.name}: no description for subject {subject} trial {trial}")
    text = text.lower()
    return [text, f"a person: {text}", f"motion capture of {text}"]


def humanml3d_captions(text_file: Path) -> list[str]:
    """Captions of a HumanML3D clip from texts/<id>.txt ('caption#tokens#start#end' per line)."""
    if not text_file.exists():
        raise ValueError(f"{text_file}: missing HumanML3D caption file")
    out = [line.split("#")[0].strip() for line in text_file.read_text().splitlines() if line.strip()]
    if not out:
        raise ValueError(f"{text_file}: no captions")
    return out


@dataclass
class CaptionedCorpus:
    """A simulated corpus with captions per clip."""

    name: str
    sim: SimulatedCorpus
    captions: list[list[str]]

    def __len__(self) -> int:
        return len(self.captions)


def _files_and_captions(name: str, files: list[Path], root: Path) -> tuple[list[Path], list[list[str]]]:
    if name == "bandai-namco":
        return files, [bandai_namco_captions(f) for f in files]
    if name == "cmu":
        table = cmu_descriptions(root / "cmu_mocap/CMU_data_descriptions.csv")
        bvh = [f for f in files if format_suffix(f) == ".bvh"]  # the AMC trials are the same captures again
        return bvh, [cmu_captions(f, table) for f in bvh]
    folder = Path(name.split("=", 1)[1])
    npy = [f for f in files if f.parent.name == "new_joints"]
    return npy, [humanml3d_captions(folder / "texts" / f"{motion_stem(f)}.txt") for f in npy]


def _inputs(name: str, root: Path) -> list[Path]:
    if name == "bandai-namco":
        return [root / "bandai_namco/bandai_namco_motiondataset_1_2_bvh.tar.xz"]
    if name == "cmu":
        return [root / "cmu_mocap/cmu_bvh_amc_sample.tar.xz"]
    if name.startswith("humanml3d="):
        return [Path(name.split("=", 1)[1]) / "new_joints"]
    raise ValueError(f"unknown motion corpus {name!r}; use bandai-namco, cmu or humanml3d=/path/to/HumanML3D")


def _to_stderr(line: str) -> None:
    print(line, file=sys.stderr)


def load_corpus(name: str, sim: SimConfig, root: str | Path | None = None, max_clips: int = 0,
                progress=lambda x: x, report: Callable[[str], None] = _to_stderr) -> CaptionedCorpus:
    """Read, caption and simulate a corpus; cached on disk by (name, simulation config, max_clips).

    Each clip draws its noise from (sim.seed, its index in the sorted file list). When the corpus is built,
    ``report`` receives one 'skipped: FILE: reason' or 'trimmed: FILE: ...' line per clip with a defect.
    """
    root = data_root(root)
    inputs = _inputs(name, root)
    for p in inputs:
        if not p.exists():
            raise FileNotFoundError(f"motion corpus {name}: {p} not found")
    version = 2  # 2: glitch checks, per-clip noise, new differentiation and frames
    key = hashlib.sha1(json.dumps([name, asdict(sim), max_clips, [str(p) for p in inputs], version]).encode())
    key = key.hexdigest()[:12]
    cache = cache_dir("sim") / f"{name.split('=')[0]}-{key}"
    if (cache / "imu.npz").exists():
        return CaptionedCorpus(name, SimulatedCorpus.load(cache / "imu.npz"),
                               json.loads((cache / "captions.json").read_text()))
    with expand_inputs(inputs) as files:
        files, captions = _files_and_captions(name, sorted(files), root)
        if max_clips:
            files, captions = files[:max_clips], captions[:max_clips]
        corpus = simulate_files(files, sim, progress)
        by_file = dict(zip(map(str, files), captions))
        kept = [by_file[s] for s in corpus.sources]
        corpus.sources = [str(Path(s).name) for s in corpus.sources]  # temporary folder names are meaningless
        short = {str(f): f.name for f in files}
        corpus.failures = [_shorten(line, short) for line in corpus.failures]
        corpus.trimmed = [_shorten(line, short) for line in corpus.trimmed]
        corpus.warnings = [_shorten(line, short) for line in corpus.warnings]
    for kind, lines in (("skipped", corpus.failures), ("trimmed", corpus.trimmed), ("warning", corpus.warnings)):
        for line in lines:
            report(f"{kind}: {name}: {line}")
    _write_captions(cache / "captions.json", kept)
    corpus.save(cache / "imu.npz")  # last: its presence marks a complete cache entry
    return CaptionedCorpus(name, corpus, kept)


def _shorten(line: str, names: dict[str, str]) -> str:
    """'FILE: reason' with the temporary folder left out of FILE."""
    path, _, rest = line.partition(": ")
    return f"{names.get(path, Path(path).name)}: {rest}"


def _write_captions(path: Path, captions: list[list[str]]) -> None:
    with atomic_path(path) as tmp:
        tmp.write_text(json.dumps(captions))
