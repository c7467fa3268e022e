"""Export the IMU side of a model to ONNX and check it against PyTorch with onnxruntime.

The file states its input contract in its metadata (read with onnx.load(path).metadata_props): rate, window
length, units, how to feed a short recording (``padding``: the graph has no valid_len input), channel and joint
order, the meaning of the joint mask and of the channel mask (format 2: which channels were measured, so
acc-only input reaches a model trained with gyro dropout as such). With labels it also holds their embedding
matrix and a second output 'scores' (cosine similarity per label), so a phone can run zero-shot without Python.
"""

from __future__ import annotations

import json
import warnings
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import torch
from torch import nn

from .atomic import atomic_path
from .labels import check_distinct_labels
from .models import ImuTextModel, get_architecture


class ImuEmbedding(nn.Module):
    """(B, T, 22, 6) windows + (B, 22) bool joint mask + (B, 6) bool channel mask -> (B, embed_dim) unit vectors."""

    def __init__(self, model: ImuTextModel) -> None:
        super().__init__()
        self.model = model

    def forward(self, x: torch.Tensor, mask: torch.Tensor, channel_mask: torch.Tensor) -> torch.Tensor:
        return self.model.embed_imu(x, mask, None, channel_mask)


class ZeroShotHead(nn.Module):
    """(B, T, 22, 6) + (B, 22) mask + (B, 6) channel mask -> (embedding (B, d), scores (B, n_labels)) against
    fixed label vectors."""

    def __init__(self, model: ImuTextModel, label_vectors: torch.Tensor) -> None:
        super().__init__()
        self.imu = ImuEmbedding(model)
        self.register_buffer("labels", label_vectors.float().contiguous())

    def forward(self, x: torch.Tensor, mask: torch.Tensor, channel_mask: torch.Tensor
                ) -> tuple[torch.Tensor, torch.Tensor]:
        emb = self.imu(x, mask, channel_mask)
        return emb, emb @ self.labels.T


def contract(model: ImuTextModel, time: int, labels: Sequence[str]) -> dict[str, str]:
    """The metadata written into the ONNX file: everything a caller needs to build valid input."""
    from .orientation import model_rotation
    from .skeleton import JOINT_NAMES

    fps = 20.0
    return {"motionfm_format": "2", "rate_hz": f"{fps:g}", "window_samples": str(time),
            "window_s": f"{time / fps:g}", "time_axis": "dynamic" if dynamic_time(model) else "fixed",
            "input_x": "float32 (batch, time, 22, 6): per joint [ax, ay, az, gx, gy, gz], sensor frame",
            "sensor_frame": "upright: rotate each sensor of a recording so its typical gravity is +z first "
                            "(motionfm.orientation.upright_stream)" if model_rotation(model) == "upright"
                            else "any (the model was trained with uniformly random sensor frames)",
            "units": "acceleration m/s^2 with gravity included; angular rate rad/s",
            "padding": padding_rule(model, time),
            "channels": json.dumps(["ax", "ay", "az", "gx", "gy", "gz"]),
            "joints": json.dumps(list(JOINT_NAMES)),
            "input_mask": "bool (batch, 22): True where a sensor was worn (its channels are real)",
            "input_channel_mask": "bool (batch, 6): True for each of [ax, ay, az, gx, gy, gz] that was measured "
                                  "(all True with a gyroscope; gx, gy, gz False for acc-only input)",
            "output_embedding": f"float32 (batch, {model.config.embed_dim}) unit vectors",
            "output_scores": "float32 (batch, n_labels) cosine similarity to each label (argmax = prediction)"
            if labels else "", "labels": json.dumps(list(labels)), "architecture": model.config.arch,
            "text_encoder": model.config.text_encoder}


def padding_rule(model: ImuTextModel, time: int) -> str:
    """How to feed a recording shorter than a window: the graph has no valid_len input, so it reads every
    sample it is given as signal (the Python model masks padding with valid_len instead)."""
    if dynamic_time(model) and model.encoder.config.masked_padding:  # the encoder's (overrides applied)
        return (f"never pad: give a window shorter than {time} samples at its own length (the time axis is "
                "dynamic); that equals the Python model's embedding of the padded window, whose padding it masks")
    if dynamic_time(model):
        return (f"this model was trained on short windows padded by repeating the recording: repeat a shorter "
                f"window up to {time} samples, as in training, or give it at its own length (time axis dynamic)")
    return (f"every window must hold {time} real samples: this graph has a fixed time axis and no valid_len "
            "input, so padding would be read as signal")


def dynamic_time(model: ImuTextModel) -> bool:
    """Whether the exported graph takes any window length (ST-GCN) or only the exported one (PRIMUS: its
    adaptive pooling needs a static length in ONNX)."""
    return get_architecture(model.config.arch).onnx_dynamic_time


def export_onnx(model: ImuTextModel, path: str | Path, opset: int = 17, time: int = 200,
                labels: Sequence[str] = ()) -> Path:
    """Write the IMU encoder + projection as ONNX: dynamic batch axis, and dynamic time where the
    architecture allows (else fixed at ``time`` samples, 10 s at 20 Hz by default). With ``labels``, their
    embedding matrix is stored and a second output 'scores' (batch, n_labels) gives zero-shot scores.
    The input contract is written into the file's metadata (see contract())."""
    if labels:
        check_distinct_labels(labels)  # a string would be stored as its letters
    import onnx

    model = model.eval().cpu()
    if labels:
        from .adapt import label_matrix

        net: nn.Module = ZeroShotHead(model, label_matrix(model, list(labels))).eval()
        outputs = ["embedding", "scores"]
    else:
        net, outputs = ImuEmbedding(model).eval(), ["embedding"]
    x, mask = torch.randn(2, time, 22, 6), torch.ones(2, 22, dtype=torch.bool)
    channels = torch.tensor([[True] * 6, [True] * 3 + [False] * 3])
    axes = {0: "batch", 1: "time"} if dynamic_time(model) else {0: "batch"}
    with atomic_path(path, suffix=".onnx") as tmp, warnings.catch_warnings():
        warnings.simplefilter("ignore")  # tracer notes about shape checks; the graph is checked below
        torch.onnx.export(net, (x, mask, channels), str(tmp), input_names=["x", "mask", "channel_mask"],
                          output_names=outputs, dynamic_axes={"x": axes, "mask": {0: "batch"},
                                                              "channel_mask": {0: "batch"},
                                                              **{o: {0: "batch"} for o in outputs}},
                          opset_version=opset, dynamo=False)
        graph = onnx.load(str(tmp))
        for k, v in contract(model, time, labels).items():
            graph.metadata_props.add(key=k, value=v)
        onnx.save(graph, str(tmp))
    return Path(path)


def read_contract(path: str | Path) -> dict[str, str]:
    """The metadata an exported file carries (rate_hz, window_s, units, channels, joints, labels, ...)."""
    import onnx

    return {p.key: p.value for p in onnx.load(str(path), load_external_data=False).metadata_props}


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
    channels = torch.ones(batch, 6, dtype=torch.bool)
    channels[::2, 3:] = False  # every other window acc-only
    with torch.no_grad():
        ref = ImuEmbedding(model.eval().cpu())(x, mask, channels).numpy()
    out = session.run(["embedding"], {"x": x.numpy(), "mask": mask.numpy(), "channel_mask": channels.numpy()})[0]
    return float(np.abs(out - ref).max())
