"""FIFO support set for PRIMUS's nearest-neighbour loss: (IMU embedding, text feature, video feature) rows.

Rows are retrieved by video similarity when both the query and some stored rows have video, else by text
similarity; only filled rows are ever returned (no zero vectors as positives). The state (all rows, write
position, fill count) goes into training checkpoints.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F

from ..models import Neighbours


class FeatureQueue:
    """A ring buffer of ``size`` rows on ``device``."""

    def __init__(self, size: int, imu_dim: int, text_dim: int, video_dim: int = 0,
                 device: str | torch.device = "cpu") -> None:
        if size < 1:
            raise ValueError(f"queue size must be positive; got {size}")
        self.size, self.ptr, self.count = size, 0, 0
        self.imu = torch.zeros(size, imu_dim, device=device)
        self.text = torch.zeros(size, text_dim, device=device)
        self.text_id = torch.zeros(size, dtype=torch.int64, device=device)
        self.video = torch.zeros(size, video_dim, device=device) if video_dim else None
        self.has_video = torch.zeros(size, dtype=torch.bool, device=device)

    def ready(self, min_fill: int) -> bool:
        """Whether at least ``min_fill`` rows (capped at the queue size) have been pushed."""
        return self.count >= min(min_fill, self.size)

    @torch.no_grad()
    def push(self, imu: torch.Tensor, text: torch.Tensor, text_id: torch.Tensor,
             video: torch.Tensor | None = None, has_video: torch.Tensor | None = None) -> None:
        """Append a batch (oldest rows are overwritten once full). Shapes (n, dim) / (n,)."""
        n = imu.shape[0]
        if n > self.size:  # only the newest rows fit
            imu, text, text_id = imu[-self.size:], text[-self.size:], text_id[-self.size:]
            video = None if video is None else video[-self.size:]
            has_video = None if has_video is None else has_video[-self.size:]
            n = self.size
        rows = (self.ptr + torch.arange(n, device=self.imu.device)) % self.size
        self.imu[rows] = imu.detach().float()
        self.text[rows] = text.detach().float()
        self.text_id[rows] = text_id
        self.has_video[rows] = False if has_video is None else has_video.bool()
        if self.video is not None and video is not None:
            self.video[rows] = torch.nan_to_num(video.detach().float())
        self.ptr = (self.ptr + n) % self.size
        self.count = min(self.size, self.count + n)

    @torch.no_grad()
    def nearest(self, text: torch.Tensor, video: torch.Tensor | None = None,
                has_video: torch.Tensor | None = None) -> torch.Tensor:
        """(B,) index of each query's most similar filled row: cosine of video features where the query and
        some rows have video, else of text features."""
        if self.count == 0:
            raise RuntimeError("the feature queue is empty")
        filled = torch.arange(self.size, device=self.imu.device) < self.count
        sims = F.normalize(text.float(), dim=-1) @ F.normalize(self.text, dim=-1).T
        sims = sims.masked_fill(~filled[None], float("-inf"))
        if self.video is not None and video is not None and has_video is not None:
            stored = filled & self.has_video
            if stored.any():
                vs = F.normalize(torch.nan_to_num(video.float()), dim=-1) @ F.normalize(self.video, dim=-1).T
                vs = vs.masked_fill(~stored[None], float("-inf"))
                sims = torch.where(has_video.bool()[:, None], vs, sims)
        return sims.argmax(dim=1)

    def take(self, index: torch.Tensor) -> Neighbours:
        """The stored features of rows ``index``."""
        video = None if self.video is None else self.video[index]
        return Neighbours(self.imu[index], self.text[index], self.text_id[index], video, self.has_video[index])

    def state_dict(self) -> dict:
        """Everything needed to continue exactly (for checkpoints)."""
        return {"ptr": self.ptr, "count": self.count, "imu": self.imu.cpu(), "text": self.text.cpu(),
                "text_id": self.text_id.cpu(), "has_video": self.has_video.cpu(),
                "video": None if self.video is None else self.video.cpu()}

    def load_state_dict(self, state: dict) -> None:
        if state["imu"].shape != self.imu.shape or state["text"].shape != self.text.shape:
            raise ValueError(f"queue in the checkpoint has shape {tuple(state['imu'].shape)}; this run expects "
                             f"{tuple(self.imu.shape)} (queue_size or embed_dim changed?)")
        device = self.imu.device
        self.ptr, self.count = int(state["ptr"]), int(state["count"])
        self.imu, self.text = state["imu"].to(device), state["text"].to(device)
        self.text_id, self.has_video = state["text_id"].to(device), state["has_video"].to(device)
        if self.video is not None and state["video"] is not None:
            self.video = state["video"].to(device)
