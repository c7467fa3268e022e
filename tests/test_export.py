import pytest
from typer.testing import CliRunner

from motionfm.cli import app
from motionfm.export import check_onnx, export_onnx
from motionfm.hub import load_model

pytest.importorskip("onnxruntime", reason="install motionfm[onnx] for the ONNX check")


def test_onnx_matches_pytorch(tmp_path):
    model = load_model("default")
    path = export_onnx(model, tmp_path / "m.onnx")
    assert path.stat().st_size > 100_000
    assert check_onnx(model, path, batch=3, time=123) < 1e-4  # other batch and length than exported with


def test_onnx_acc_only_input_uses_the_learned_absent_channels(tmp_path):
    """A model whose absent-gyro value is non-zero (as after gyro dropout): onnxruntime gives PyTorch's acc-only
    embedding when channel_mask says so, and not the zero-gyro one."""
    import numpy as np
    import onnxruntime as ort
    import torch

    from motionfm.models import create_model
    from motionfm.models.presence import MISSING

    torch.manual_seed(0)  # the margin below depends on the weights: fixed, not whatever earlier tests left
    model = create_model("stgcn-tiny").eval()
    with torch.no_grad():
        getattr(model.encoder, MISSING).fill_(5.0)
    path = export_onnx(model, tmp_path / "t.onnx")
    assert check_onnx(model, path, batch=4, time=100) < 1e-4
    x = np.random.default_rng(1).normal(0, 3, (2, 200, 22, 6)).astype(np.float32)
    x[..., 3:] = 0
    mask = np.zeros((2, 22), bool)
    mask[:, 17] = True
    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    run = lambda gyro: session.run(["embedding"], {"x": x, "mask": mask,  # noqa: E731
                                                   "channel_mask": np.array([[True] * 3 + [gyro] * 3] * 2)})[0]
    with torch.no_grad():
        torch_acc_only = model.embed_imu(torch.from_numpy(x), torch.from_numpy(mask), None,
                                         torch.tensor([True] * 3 + [False] * 3)).numpy()
    assert np.abs(run(False) - torch_acc_only).max() < 1e-5
    assert np.abs(run(False) - run(True)).max() > 1e-3  # 100x the agreement above


def test_export_command(tmp_path):
    result = CliRunner().invoke(app, ["export", "--onnx", str(tmp_path / "m.onnx")])
    assert result.exit_code == 0, result.output
    assert "max abs difference" in result.output


def test_primus_onnx_matches_pytorch(tmp_path):
    from motionfm.models import ModelConfig, create_model

    model = create_model(ModelConfig(arch="primus", encoder="primus", embed_dim=512))
    path = export_onnx(model, tmp_path / "p.onnx")
    assert check_onnx(model, path, batch=3) < 1e-4  # fixed 10 s windows (static pooling), length read from the file


def test_onnx_carries_its_contract_and_zero_shot_labels(tmp_path):
    import json

    import numpy as np
    import onnxruntime as ort

    from motionfm.adapt import zero_shot_scores
    from motionfm.windows import CanonicalWindows
    from motionfm.export import read_contract
    from motionfm.skeleton import JOINT_NAMES

    model = load_model("default")
    labels = ["walking", "sitting", "lying down"]
    path = export_onnx(model, tmp_path / "z.onnx", opset=18, labels=labels)
    meta = read_contract(path)
    assert meta["rate_hz"] == "20" and meta["window_s"] == "10" and "rad/s" in meta["units"]
    assert json.loads(meta["joints"]) == list(JOINT_NAMES) and json.loads(meta["labels"]) == labels
    assert json.loads(meta["channels"]) == ["ax", "ay", "az", "gx", "gy", "gz"]
    rng = np.random.default_rng(0)
    x = rng.normal(0, 3, (4, 200, 22, 6)).astype(np.float32)
    mask = np.zeros((4, 22), bool)
    mask[:, 20] = True
    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    channels = np.ones((4, 6), bool)
    scores = session.run(["scores"], {"x": x, "mask": mask, "channel_mask": channels})[0]
    np.testing.assert_allclose(scores, zero_shot_scores(model, CanonicalWindows(x, mask), labels).numpy(), atol=1e-4)
    assert meta["motionfm_format"] == "2" and "acc-only" in meta["input_channel_mask"]


@pytest.mark.parametrize("args,message", [(["--opset", "9"], "--opset must be between 14 and 20"),
                                          (["--onnx", "/proc/motionfm-nope/m.onnx"], "cannot write in /proc")])
def test_export_bad_options(tmp_path, args, message):
    base = ["export", "--onnx", str(tmp_path / "m.onnx")]
    result = CliRunner().invoke(app, base + args)
    assert result.exit_code == 2 and message in result.output and result.output.count("\n") == 1, result.output


def _random_stgcn(encoder: str):
    """A masked-padding ST-GCN model with random weights and BatchNorm statistics (so the input norm's shift
    is not zero and masking before it matters)."""
    import torch

    from motionfm.models import ModelConfig, create_model

    torch.manual_seed(0)
    model = create_model(ModelConfig(encoder=encoder, embed_dim=64)).eval()
    with torch.no_grad():
        for m in model.modules():
            if isinstance(m, torch.nn.modules.batchnorm._BatchNorm):
                m.running_mean.normal_(0, 0.5), m.running_var.uniform_(0.5, 2.0)
    return model


@pytest.mark.parametrize("encoder", ["small", "small-sparse"])
def test_onnx_matches_pytorch_for_both_graph_modes(tmp_path, encoder):
    """The present-joints encoder exports through its dense form (static shapes): onnxruntime gives PyTorch's
    node-list embedding for other batch sizes, lengths and masks than exported with."""
    model = _random_stgcn(encoder)
    path = export_onnx(model, tmp_path / f"{encoder}.onnx")
    for batch, time in ((5, 160), (1, 200)):
        assert check_onnx(model, path, batch=batch, time=time) < 1e-4


@pytest.mark.parametrize("valid", [60, 137])
@pytest.mark.parametrize("encoder", ["tiny", "small-sparse"])
def test_onnx_short_window_at_its_own_length_equals_masked_padding(tmp_path, valid, encoder):
    """The contract's padding rule holds: the graph (no valid_len input) given only a window's real samples
    gives the embedding PyTorch computes for the padded window with valid_len (a masked-padding model)."""
    import numpy as np
    import onnxruntime as ort
    import torch

    from motionfm.export import read_contract

    model = _random_stgcn(encoder)
    assert model.encoder.config.masked_padding
    path = export_onnx(model, tmp_path / "s.onnx")
    assert "never pad" in read_contract(path)["padding"]
    x = torch.randn(2, 200, 22, 6) * 3
    x[:, valid:] = 10 * x[:, :200 - valid].flip(1)  # padding that is not zero and not the signal's repeat
    mask = torch.zeros(2, 22, dtype=torch.bool)
    mask[:, [0, 20]] = True
    channels = torch.ones(2, 6, dtype=torch.bool)
    with torch.no_grad():
        padded = model.embed_imu(x, mask, torch.full((2,), valid), channels).numpy()
        unmasked = model.embed_imu(x, mask, None, channels).numpy()
    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    short = session.run(["embedding"], {"x": x[:, :valid].numpy(), "mask": mask.numpy(),
                                        "channel_mask": channels.numpy()})[0]
    assert np.abs(short - padded).max() < 1e-4
    assert np.abs(unmasked - padded).max() > 1e-3  # 10x the agreement: read as signal, the padding would count


def test_onnx_padding_rule_follows_the_model(tmp_path):
    from motionfm.export import padding_rule
    from motionfm.models import ModelConfig, create_model

    assert "repeating the recording" in padding_rule(load_model("default"), 200)  # saved before masked padding
    primus = create_model(ModelConfig(arch="primus", encoder="primus", embed_dim=512))
    assert "must hold 200 real samples" in padding_rule(primus, 200)


def test_a_string_of_labels_is_not_stored_as_its_letters(tmp_path):
    """export_onnx(labels='walk') wrote the labels w, a, l, k into the file's metadata."""
    with pytest.raises(ValueError, match="labels must be a list of label names"):
        export_onnx(load_model("default"), tmp_path / "m.onnx", labels="walk")
    assert not (tmp_path / "m.onnx").exists()
