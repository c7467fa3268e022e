"""pretrain/family.py: leave-one-data-set-out members differ only in what they leave out."""

from pathlib import Path

import pytest

from motionfm.pretrain import PretrainConfig
from motionfm.pretrain.family import (MEMBER_KEYS, SIM_ONLY, family_configs, leave_out_config, schedule,
                                      sim_only_config, zero_shot_datasets)

CONFIGS = Path(__file__).resolve().parents[1] / "configs"
FIVE = ["uci-har", "dsads", "usc-had", "utd-mhad", "wharf"]


def _base() -> PretrainConfig:
    return PretrainConfig.from_file(CONFIGS / "default.yaml")


def test_the_family_covers_every_data_set_with_class_names():
    assert zero_shot_datasets() == FIVE


@pytest.mark.parametrize("left_out", FIVE)
def test_members_differ_only_in_what_they_leave_out(tmp_path, left_out):
    members = family_configs(_base(), tmp_path)
    assert list(members) == [f"without-{d}" for d in FIVE] + [SIM_ONLY]
    cfg = members[f"without-{left_out}"]
    assert cfg.real_datasets == [d for d in FIVE if d != left_out] and cfg.exclude == [left_out]
    assert cfg.out_dir == str(tmp_path / f"without-{left_out}")
    for other in members.values():
        assert schedule(other) == schedule(cfg) == schedule(_base())  # one schedule, model, text supervision
        changed = {k for k, v in other.to_dict().items() if v != cfg.to_dict()[k]}
        assert changed <= set(MEMBER_KEYS)
    assert members[SIM_ONLY].real_datasets == [] and members[SIM_ONLY].exclude == FIVE


def test_the_sim_only_config_file_is_the_family_member():
    from_file = PretrainConfig.from_file(CONFIGS / "sim-only.yaml").to_dict()
    derived = sim_only_config(_base(), out_dir=from_file["out_dir"]).to_dict()
    assert from_file == derived


@pytest.mark.parametrize("left_out, datasets, message", [
    ("kth", None, "unknown data set 'kth'"),
    ("dsads", ["usc-had", "utd-mhad"], "dsads is not among the family's data sets"),
    ("usc-had", ["usc-had", "USC-HAD"], "named twice"),
])
def test_bad_leave_outs_are_refused(left_out, datasets, message):
    with pytest.raises(ValueError, match=message):
        leave_out_config(_base(), left_out, datasets)


def test_a_two_data_set_family_in_any_spelling(tmp_path):
    members = family_configs(_base(), tmp_path, ["USC-HAD", "utd-mhad"], sim_only=False)
    assert {k: (v.real_datasets, v.exclude) for k, v in members.items()} == {
        "without-usc-had": (["utd-mhad"], ["usc-had"]), "without-utd-mhad": (["usc-had"], ["utd-mhad"])}


def test_sim_only_needs_motion_corpora():
    with pytest.raises(ValueError, match="needs motion_corpora"):
        sim_only_config(_base().replace(motion_corpora=[], real_datasets=["dsads"]))


def test_cli_leave_out_errors_are_one_line():
    from typer.testing import CliRunner

    from motionfm.cli import app

    result = CliRunner().invoke(app, ["pretrain", "--config", str(CONFIGS / "default.yaml"), "--leave-out", "kth"])
    assert result.exit_code == 2 and "unknown data set 'kth'" in result.output
    result = CliRunner().invoke(app, ["pretrain-family", "--config", str(CONFIGS / "default.yaml"), "--out-dir",
                                      "/nonexistent/x", "--only", "without-kth", "--datasets", "dsads,usc-had"])
    assert result.exit_code == 2 and "no member without-kth in this family" in result.output


def test_a_member_trained_with_other_settings_is_not_kept(tmp_path):
    import json

    from motionfm.pretrain.family import _kept

    cfg = leave_out_config(_base(), "dsads", out_dir=tmp_path / "without-dsads")
    assert not _kept(cfg)
    (tmp_path / "without-dsads" / "model").mkdir(parents=True)
    saved = {"metadata": {"pretrain_config": cfg.to_dict()}}
    (tmp_path / "without-dsads" / "model" / "config.json").write_text(json.dumps(saved))
    assert _kept(cfg)
    with pytest.raises(ValueError, match=r"other settings \(steps\).*--overwrite"):
        _kept(cfg.replace(steps=10))
