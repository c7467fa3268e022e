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
