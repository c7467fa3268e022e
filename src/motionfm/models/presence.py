"""Which samples and channels of a window are real: what the encoders do with ``valid_len`` and ``channel_mask``.

Padding (issue 12 item 6). Windows shorter than the model's length arrive padded (the loaders repeat the
recording, pre-training tiles short clips); ``valid_len`` (B,) says how many leading samples are real. An
encoder given ``valid_len`` computes only from those samples, so two windows that agree on their valid part
give the same embedding whatever their padding holds:
- ST-GCN zeroes padded frames at the input (in training, batch statistics still count them as zeros), masks
  each block's temporal-conv input to the valid steps (the zero padding a truncated window would see) and
  averages over the valid, stride-downsampled steps: ceil(L / stride) per block. In eval mode this is exactly
  the embedding of the truncated window.
- PRIMUS (GroupNorm over time, dilated convs, pooling to 32 steps, GRU) replaces the padding by the valid part
  itself (tiled up to the encoder's shortest input, 2.46 s at the paper's rate, when the valid part is shorter;
  then the last sample held), takes the input GroupNorm's statistics over the valid samples only, tracks the
  valid length through each conv and max-pool, and pools the valid conv outputs to the 32 steps the GRU reads.
  A window at least 2.46 s long gives the embedding of its truncated valid part.
``valid_len`` None, or equal to T for every window, takes the unmasked code path: results are bit-identical
to the encoders before this change (the bundled model's figures on full windows do not move).

Channel presence (item 7). ``channel_mask`` (B, 6) says which of [ax, ay, az, gx, gy, gz] were measured. An
absent channel is zeroed at the input and, after the input norm, gets a learned per-joint, per-channel value
(``channel_missing``, (22, 6) for ST-GCN, (6,) for PRIMUS's single sensor) instead of whatever a measured
zero would normalise to: the model can tell "no gyroscope" from "a sensor that never rotated". The parameter
is initialised to zero, and filled with zeros when a state dict saved before it existed is loaded, so older
weights load and behave exactly as before (on acc+gyro windows, and on acc-only ones until trained with gyro
dropout, ``PretrainConfig.gyro_dropout``). An additive zero-initialised term was chosen over replacing absent
channels by a constant because it keeps old models' outputs unchanged without reading their norm statistics.
"""

from __future__ import annotations

import torch
from torch import nn

MISSING = "channel_missing"  # the parameter name each encoder gives its learned absent-channel values


def valid_lengths(valid_len: torch.Tensor | None, batch: int, length: int,
                  device: torch.device) -> torch.Tensor | None:
    """(B,) int64 real samples per window, or None when there is no padding (None given, or all == T).

    ValueError when the shape is not (B,) or a value lies outside 1..T.
    """
    if valid_len is None:
        return None
    lengths = torch.as_tensor(valid_len, device=device).long()
    if lengths.shape != (batch,):
        raise ValueError(f"valid_len must have one entry per window, ({batch},); got {tuple(lengths.shape)}")
    if batch and bool(((lengths < 1) | (lengths > length)).any()):
        raise ValueError(f"valid_len must lie in 1..{length} (the window length)")
    return None if bool((lengths == length).all()) else lengths


def time_mask(lengths: torch.Tensor, length: int, dtype: torch.dtype) -> torch.Tensor:
    """(N, T) 1 on the first ``lengths[n]`` steps, 0 after."""
    return (torch.arange(length, device=lengths.device)[None] < lengths[:, None]).to(dtype)


def downsampled(lengths: torch.Tensor, stride: int) -> torch.Tensor:
    """Valid steps after a 'same'-padded strided conv: ceil(L / stride) (outputs at 0, s, 2s, ... < L)."""
    return torch.div(lengths + stride - 1, stride, rounding_mode="floor")


def masked_time_mean(x: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
    """Mean over the last (time) axis of x (N, ..., T), over the first ``lengths[n]`` steps only."""
    m = time_mask(lengths, x.shape[-1], x.dtype).view(len(x), *([1] * (x.ndim - 2)), -1)
    return (x * m).sum(-1) / lengths.view(-1, *([1] * (x.ndim - 2))).to(x.dtype)


def absent_channels(channel_mask: torch.Tensor | None, batch: int, channels: int,
                    dtype: torch.dtype, device: torch.device) -> torch.Tensor | None:
    """(B, C) 1.0 where a channel is absent (not measured), from a (B, C) or (C,) presence mask; None if not given."""
    if channel_mask is None:
        return None
    present = torch.as_tensor(channel_mask, device=device).bool()
    if present.shape not in ((batch, channels), (channels,)):
        raise ValueError(f"channel_mask must be ({batch}, {channels}) or ({channels},); got {tuple(present.shape)}")
    return (~present).to(dtype).expand(batch, channels)


def fill_missing_parameter(module: nn.Module, state_dict: dict, prefix: str) -> None:
    """Give a state dict saved before ``channel_missing`` existed that parameter at zero (its initial value)."""
    state_dict.setdefault(prefix + MISSING, torch.zeros_like(getattr(module, MISSING)))
