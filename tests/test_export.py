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
    scores = session.run(["scores"], {"x": x, "mask": mask})[0]
    np.testing.assert_allclose(scores, zero_shot_scores(model, CanonicalWindows(x, mask), labels).numpy(), atol=1e-4)


@pytest.mark.parametrize("args,message", [(["--opset", "9"], "--opset must be between 14 and 20"),
                                          (["--onnx", "/proc/motionfm-nope/m.onnx"], "cannot write in /proc")])
def test_export_bad_options(tmp_path, args, message):
    base = ["export", "--onnx", str(tmp_path / "m.onnx")]
    result = CliRunner().invoke(app, base + args)
    assert result.exit_code == 2 and message in result.output and result.output.count("\n") == 1, result.output
