"""Export the IMU side of a model to ONNX and check it against PyTorch with onnxruntime."""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import torch
from torch import nn

from .atomic import atomic_path
from .models import ImuTextModel, get_architecture


class ImuEmbedding(nn.Module):
    """(B, T, 22, 6) windows + (B, 22) bool mask -> (B, embed_dim) unit vectors."""

    def __init__(self, model: ImuTextModel) -> None:
        super().__init__()
        self.model = model

    def forward(self, x: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        return self.model.embed_imu(x, mask)


def dynamic_time(model: ImuTextModel) -> bool:
    """Whether the exported graph takes any window length (ST-GCN) or only the exported one (PRIMUS: its
    adaptive pooling needs a static length in ONNX)."""
    return get_architecture(model.config.arch).onnx_dynamic_time


def export_onnx(model: ImuTextModel, path: str | Path, opset: int = 17, time: int = 200) -> Path:
    """Write the IMU encoder + projection as ONNX: dynamic batch axis, and dynamic time where the
    architecture allows (else fixed at ``time`` samples, 10 s at 20 Hz by default)."""
    net = ImuEmbedding(model.eval().cpu()).eval()
    x, mask = torch.randn(2, time, 22, 6), torch.ones(2, 22, dtype=torch.bool)
    axes = {0: "batch", 1: "time"} if dynamic_time(model) else {0: "batch"}
    with atomic_path(path, suffix=".onnx") as tmp, warnings.catch_warnings():
        warnings.simplefilter("ignore")  # tracer notes about shape checks; the graph is checked below
        torch.onnx.export(net, (x, mask), str(tmp), input_names=["x", "mask"], output_names=["embedding"],
                          dynamic_axes={"x": axes, "mask": {0: "batch"}, "embedding": {0: "batch"}},
                          opset_version=opset, dynamo=False)
    return Path(path)


def check_onnx(model: ImuTextModel, path: str | Path, batch: int = 5, time: int = 160, seed: int = 0) -> float:
    """Max absolute difference between onnxruntime and PyTorch on random windows of another shape
    (``time`` applies where the exported time axis is dynamic; a fixed one is read from the file)."""
    import onnxruntime as ort

    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    exported = session.get_inputs()[0].shape[1]
    time = exported if isinstance(exported, int) else time
    gen = torch.Generator().manual_seed(seed)
    x = torch.randn(batch, time, 22, 6, generator=gen) * 5
    mask = torch.rand(batch, 22, generator=gen) < 0.3
    mask[:, 17] = True
    with torch.no_grad():
        ref = ImuEmbedding(model.eval().cpu())(x, mask).numpy()
    out = session.run(None, {"x": x.numpy(), "mask": mask.numpy()})[0]
    return float(np.abs(out - ref).max())
