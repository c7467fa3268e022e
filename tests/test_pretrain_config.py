"""pretrain/config.py: files round trip; types, names and recipe checked before any work, as one-line errors."""

import pytest
import yaml

from motionfm.pretrain import PretrainConfig


def test_config_files_round_trip(tmp_path):
    cfg = PretrainConfig.from_dict({"out_dir": str(tmp_path), "model": {"encoder": "tiny", "embed_dim": 32},
                                    "real_datasets": ["usc-had"], "steps": 6})
    (tmp_path / "c.yaml").write_text(yaml.safe_dump(cfg.to_dict()))
    assert PretrainConfig.from_file(tmp_path / "c.yaml") == cfg
    assert cfg.to_dict()["gyro_dropout"] == 0.0  # recorded; a config without it reads as no dropout (old runs)
    assert cfg.to_dict()["gravity_removal"] == 0.0
    (tmp_path / "c.json").write_text('{"steps": 3, "model": {"encoder": "small"}}')
    loaded = PretrainConfig.from_file(tmp_path / "c.json")
    assert loaded.steps == 3 and loaded.model.encoder == "small"


@pytest.mark.parametrize("file, gyro_dropout", [("default.yaml", 0.2), ("primus.yaml", 0.2), ("sim-only.yaml", 0.2),
                                                ("unimts-reference.yaml", 0.0)])
def test_shipped_configs_load(file, gyro_dropout):  # gravity_removal: the same share as gyro_dropout
    from pathlib import Path
    path = Path(__file__).resolve().parents[1] / "configs" / file
    cfg = PretrainConfig.from_file(path)
    assert cfg.model.arch == cfg.recipe_record().architecture
    assert "gyro_dropout" in yaml.safe_load(path.read_text())  # stated in the file, not implied by the default
    assert cfg.gyro_dropout == gyro_dropout
    assert "gravity_removal" in yaml.safe_load(path.read_text()) and cfg.gravity_removal == gyro_dropout


@pytest.mark.parametrize("data, message", [
    ({"stepz": 3}, "unknown config keys: stepz"),
    ({"model": {"widht": 3}}, "unknown config keys: model.widht"),
    ({"steps": "ten"}, "steps must be an integer; got 'ten'"),
    ({"steps": 2.5}, "steps must be an integer"),
    ({"noise": "yes"}, "noise must be true or false"),
    ({"real_datasets": "usc-had"}, "real_datasets must be a list of strings"),
    ({"model": {"embed_dim": "x"}}, "model.embed_dim must be an integer"),
    ({"primus": {"queue_size": "big"}}, "primus.queue_size must be an integer"),
    ({"steps": 0}, "steps must be at least 1"),
    ({"real_fraction": 1.5}, "real_fraction must be between 0 and 1"),
    ({"gyro_dropout": -0.1}, "gyro_dropout must be between 0 and 1"),
    ({"gyro_dropout": "often"}, "gyro_dropout must be a number"),
    ({"lr": "fast"}, "lr must be a number"),
    ({"rotation": "yaw"}, "rotation must be one of so3, upright"),
    ({"max_tilt_deg": -5}, "max_tilt_deg must be between 0 and 180"),
    ({"real_datasets": ["nope"]}, "unknown data set 'nope'"),
    ({"motion_corpora": ["amass"]}, "unknown motion corpus 'amass'"),
    ({"sim_joints": ["left_elbow_pocket"]}, "valid placements"),
    ({"model": {"encoder": "huge"}}, "unknown ST-GCN config 'huge'"),
    ({"recipe": "simclr"}, "unknown recipe 'simclr'; known: unimts, primus"),
    ({"recipe": "primus"}, "recipe 'primus' trains model.arch 'primus', not 'stgcn'"),
    ({"real_datasets": ["UCI-HAR"], "exclude": ["uci-har"]}, "uci-har is on the exclusion list"),
    ({"real_datasets": ["usc-had"], "exclude": ["USC-HAD"]}, "usc-had is on the exclusion list"),
    # accepted before (exit 0 with a NaN model, or an error elsewhere that named another cause)
    ({"lr": float("inf")}, "lr must be a finite number"),
    ({"lr": 1e6}, "lr must be above 0 and at most 1"),
    ({"window_s": float("inf")}, "window_s must be a finite number"),
    ({"window_s": 0.5}, "window_s must be between 1 and 600 s"),
    ({"seed": -1}, "seed must be 0 or more"),
    ({"max_keep_joints": 100}, "max_keep_joints must be between 1 and 22"),
    ({"real_datasets": ["utd-mhad", "utd-mhad"]}, "real_datasets names utd-mhad more than once"),
    ({"motion_corpora": ["cmu", "cmu"]}, "motion_corpora names cmu more than once"),
    ({"real_fraction": 1.0, "real_datasets": []}, "real_fraction 1.0 asks for real windows only"),
    ({"device": "gpu0"}, "device must be auto, cpu, cuda or cuda:N; got 'gpu0'"),
    ({"model": {"embed_dim": 0}}, "model.embed_dim must be a whole number >= 1"),
    ({"model": {"embed_dim": -5}}, "model.embed_dim must be a whole number >= 1"),
    ({"model": {"text_dim": 512}}, "model.text_dim must be 384 for the minilm text encoder"),
    ({"model": {"init_temperature": 0}}, "model.init_temperature must be a positive number"),
    ({"model": {"init_temperature": -1.0}}, "model.init_temperature must be a positive number"),
    ({"model": {"text_encoder": "bert"}}, "unknown model.text_encoder 'bert'"),
    ({"model": {"encoder_overrides": {"masked_padding": "no"}}},
     "model.encoder_overrides.masked_padding must be true or false"),
])
def test_bad_values_are_refused_in_one_line(data, message):
    with pytest.raises(ValueError, match=message) as err:
        PretrainConfig.from_dict(data)
    assert "\n" not in str(err.value)


def test_video_features_refused_for_a_recipe_without_video_head():
    with pytest.raises(ValueError, match="recipe 'unimts' has no video head"):
        PretrainConfig.from_dict({"video_features": {"cmu": "video.npy"}})
    cfg = PretrainConfig.from_dict({"recipe": "primus", "model": {"arch": "primus", "encoder": "primus-tiny"},
                                    "video_features": {"cmu": "video.npy"}})
    assert cfg.video_features == {"cmu": "video.npy"}


def test_names_take_the_registry_spelling_and_yaml_floats_parse():
    cfg = PretrainConfig.from_dict({"real_datasets": ["USC-HAD", " DSADS"], "exclude": ["UCI-HAR"], "lr": "1e-3"})
    assert cfg.real_datasets == ["usc-had", "dsads"] and cfg.exclude == ["uci-har"] and cfg.lr == 1e-3


@pytest.mark.parametrize("text, message", [("steps: [1,\n", "not valid YAML at line"), ("- 1\n- 2\n", "a mapping"),
                                           ("steps: ten\n", "steps must be an integer")])
def test_bad_yaml_gives_one_line(tmp_path, text, message):
    (tmp_path / "c.yaml").write_text(text)
    with pytest.raises(ValueError, match=message) as err:
        PretrainConfig.from_file(tmp_path / "c.yaml")
    assert "\n" not in str(err.value)


def test_replace_validates_again():
    cfg = PretrainConfig()
    assert cfg.replace(steps=5).steps == 5
    with pytest.raises(ValueError, match="steps must be an integer"):
        cfg.replace(steps="5")


@pytest.mark.parametrize("recipe, arch, encoder, sim_joints, sites", [
    ("unimts", "stgcn", "tiny", None, []), ("primus", "primus", "primus-tiny", None, ["right_wrist"]),
    ("primus", "primus", "primus-tiny", [], []), ("unimts", "stgcn", "tiny", ["waist"], ["waist"])])
def test_sensor_sites_default_to_the_recipe(recipe, arch, encoder, sim_joints, sites):
    cfg = PretrainConfig.from_dict({"recipe": recipe, "model": {"arch": arch, "encoder": encoder},
                                    "sim_joints": sim_joints})
    assert cfg.sites() == sites and (cfg.sim_joint_ids() is None) == (not sites)


@pytest.mark.parametrize("text, message", [("steps: ten\n", "steps must be an integer; got 'ten'"),
                                           ("steps: [1,\n", "not valid YAML at line"),
                                           ("recipe: unimts\nvideo_features: {cmu: v.npy}\n", "no video head")])
def test_cli_reports_a_bad_config_in_one_line(tmp_path, text, message):
    from typer.testing import CliRunner

    from motionfm.cli import app
    (tmp_path / "c.yaml").write_text(text)
    result = CliRunner().invoke(app, ["pretrain", "--config", str(tmp_path / "c.yaml")])
    assert result.exit_code == 2 and message in result.output and "Traceback" not in result.output
    assert len(result.output.strip().splitlines()) == 1


def test_minilm_width_matches_the_text_encoder():
    from motionfm.models.imu_text import MINILM_DIM
    from motionfm.text import MiniLMEncoder

    assert MINILM_DIM == MiniLMEncoder.dim
