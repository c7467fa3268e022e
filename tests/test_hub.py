import json

import pytest
import torch

from motionfm.hub import load_model, read_config, save_model
from motionfm.models import ImuTextModel, ModelConfig


def test_save_load_round_trip_is_exact(tmp_path):
    torch.manual_seed(0)
    model = ImuTextModel(ModelConfig(encoder="tiny", embed_dim=16))
    model.encoder.data_bn.running_mean.normal_()  # buffers travel too
    save_model(model, tmp_path / "m", {"seen_datasets": ["dsads"]})
    assert sorted(p.name for p in (tmp_path / "m").iterdir()) == ["config.json", "model.safetensors"]
    loaded = load_model(tmp_path / "m")
    for (k, a), (k2, b) in zip(model.state_dict().items(), loaded.state_dict().items()):
        assert k == k2 and torch.equal(a, b)
    assert loaded.metadata == {"seen_datasets": ["dsads"]} and not loaded.training
    x = torch.randn(2, 40, 22, 6)
    model.eval()
    torch.testing.assert_close(loaded.embed_imu(x), model.embed_imu(x), rtol=0, atol=0)
    assert json.loads((tmp_path / "m/config.json").read_text())["model"]["encoder"] == "tiny"
    assert read_config(tmp_path / "m")["metadata"]["seen_datasets"] == ["dsads"]


def test_rate_is_saved_and_checked(tmp_path):
    save_model(ImuTextModel(ModelConfig(encoder="tiny", embed_dim=16)), tmp_path / "m")
    config = json.loads((tmp_path / "m/config.json").read_text())
    assert config["rate_hz"] == 20.0
    (tmp_path / "m/config.json").write_text(json.dumps({**config, "rate_hz": 50.0}))
    with pytest.raises(ValueError, match="trained on 50 Hz windows but motionfm feeds 20 Hz") as info:
        load_model(tmp_path / "m")
    assert "\n" not in str(info.value)
    del config["rate_hz"]  # written before the rate was recorded: read as 20 Hz
    (tmp_path / "m/config.json").write_text(json.dumps(config))
    assert not load_model(tmp_path / "m").training


def test_bundled_default_without_a_rate_loads():
    assert "rate_hz" not in read_config("default")
    assert load_model("default").config.arch == "stgcn"


def test_missing_model(tmp_path):
    with pytest.raises(FileNotFoundError, match="no model at"):
        load_model(tmp_path / "nothing")


def test_models_trained_on_repeated_padding_keep_reading_it(tmp_path):
    """The bundled model (saved before masked padding) reads padded windows as it was trained to: its
    embedding of a padded window ignores valid_len; a model saved now keeps masking after a round trip."""
    import dataclasses

    import numpy as np
    import torch

    from motionfm.hub import load_model, save_model
    from motionfm.models import create_model

    bundled = load_model("default")
    assert bundled.config.masked_padding is False and bundled.encoder.config.masked_padding is False
    x = torch.randn(2, 200, 22, 6)
    mask = torch.zeros(2, 22, dtype=torch.bool)
    mask[:, 5] = True
    short = torch.tensor([40, 200])
    with torch.no_grad():
        torch.testing.assert_close(bundled.embed_imu(x, mask, short), bundled.embed_imu(x, mask))
    fresh = create_model(dataclasses.replace(bundled.config, masked_padding=True)).eval()
    save_model(fresh, tmp_path / "m")
    again = load_model(tmp_path / "m")
    assert again.config.masked_padding is True
    with torch.no_grad():
        changed = again.embed_imu(x, mask, short) - again.embed_imu(x, mask)
    assert changed[0].abs().max() > 1e-4 and np.allclose(changed[1].numpy(), 0, atol=1e-6)


def _saved(tmp_path):
    model = ImuTextModel(ModelConfig(encoder="tiny", embed_dim=16))
    return model, save_model(model, tmp_path / "m")


@pytest.mark.parametrize("damage,message", [
    (lambda m: (m / "model.safetensors").write_bytes((m / "model.safetensors").read_bytes()[:100]),
     "model.safetensors: damaged or not a safetensors file"),
    (lambda m: (m / "model.safetensors").write_bytes(b""), "damaged or not a safetensors file"),
    (lambda m: (m / "config.json").write_text("{"), "config.json: not valid JSON"),
    (lambda m: (m / "config.json").write_text("[1, 2]"), "config.json: not a motionfm model config"),
    (lambda m: (m / "config.json").write_text("{}"), "config.json: not a motionfm model config"),
    (lambda m: (m / "config.json").unlink(), "config.json: missing"),
    (lambda m: (m / "config.json").write_text(json.dumps({"model": {"encoder": "tiny", "embed_dim": 32}})),
     "model.safetensors does not fit .*config.json"),
    (lambda m: (m / "config.json").write_text(json.dumps({"model": {"encoder": "tiny", "text_encoder": "bert"}})),
     "config.json: unknown model.text_encoder"),
])
def test_a_damaged_model_folder_is_one_line_naming_the_file(tmp_path, damage, message):
    """Each was a traceback (SafetensorError, KeyError, AttributeError, RuntimeError) or a bare message."""
    _, folder = _saved(tmp_path)
    damage(folder)
    with pytest.raises((ValueError, FileNotFoundError), match=message) as info:
        load_model(folder)
    assert "\n" not in str(info.value)


def test_nan_weights_are_neither_saved_nor_loaded(tmp_path):
    """A run that diverged saved a model of NaN weights, which then classified every window as one label."""
    from safetensors.torch import load_file, save_file

    model, folder = _saved(tmp_path)
    state = load_file(str(folder / "model.safetensors"))
    state["imu_proj.weight"][0, 0] = float("nan")
    save_file(state, str(folder / "model.safetensors"))
    with pytest.raises(ValueError, match="1 of .* weights are NaN or infinite .*imu_proj.weight.*retrain"):
        load_model(folder)
    with torch.no_grad():
        model.imu_proj.weight[0, 0] = float("inf")
    with pytest.raises(ValueError, match="the model to save: 1 of"):
        save_model(model, tmp_path / "other")
    assert not (tmp_path / "other").exists()


def test_metadata_json_cannot_hold_leaves_no_half_written_folder(tmp_path):
    model = ImuTextModel(ModelConfig(encoder="tiny", embed_dim=16))
    with pytest.raises(ValueError, match="model metadata must be JSON"):
        save_model(model, tmp_path / "m", {"when": object()})
    assert not (tmp_path / "m").exists()
