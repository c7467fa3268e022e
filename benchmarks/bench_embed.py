"""API embedding throughput (adapt.embed, bundled model) vs MiniRocket's transform, on the same real windows.

    python benchmarks/bench_embed.py [--n 512] [--repeats 2] [--model default]

Windows: the first --n UCI-HAR test windows (motionfm.har.load_dataset('uci-har'), canonical (n, 200, 22, 6)
with the phone's joint present). 'old' is adapt.embed as before issue 15 (no_grad, batch 256, the
pre-issue-15 encoder forward from benchmarks/_reference.py); 'new' is adapt.embed now. MiniRocket (aeon)
is fitted once, then its transform timed on the present sensor's 6 channels of the same windows (as the
benchmark baseline feeds it). 'small-sparse' is the bundled weights loaded into the present-joints config:
a different function of the same parameters (its own pre-training is needed for meaningful embeddings),
shown for the throughput that design reaches. Timed interleaved, best of --repeats; prints windows/s and the ratios.
"""

from __future__ import annotations

import argparse
import dataclasses
import time

import numpy as np
import torch

from _reference import reference_forward
from motionfm.adapt import _batches
from motionfm.har import load_dataset
from motionfm.hub import load_model
from motionfm.models import ImuTextModel


@torch.no_grad()
def old_embed(model, x: np.ndarray, mask: np.ndarray, batch_size: int = 256) -> torch.Tensor:
    """adapt.embed before issue 15, through the old encoder forward."""
    model.eval()
    out = []
    for s in _batches(len(x), batch_size):
        z = reference_forward(model.encoder, torch.as_tensor(x[s]), torch.as_tensor(mask[s]))
        out.append(torch.nn.functional.normalize(model.imu_proj(z), dim=-1))
    return torch.cat(out)


def main() -> None:
    from aeon.transformations.collection.convolution_based import MiniRocket

    from motionfm.adapt import embed

    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--n", type=int, default=512)
    ap.add_argument("--repeats", type=int, default=2)
    ap.add_argument("--model", default="default")
    ap.add_argument("--threads", type=int, default=0, help="torch threads (0: torch's default)")
    args = ap.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    ws = load_dataset("uci-har", show_progress=False).subset("test")
    windows = ws.canonical(np.arange(min(args.n, len(ws))))
    x, mask = windows.x, windows.mask
    joints = np.nonzero(mask.any(axis=0))[0]
    series = np.ascontiguousarray(np.moveaxis(x[:, :, joints], 1, -1).reshape(len(x), -1, x.shape[1]))
    model = load_model(args.model)
    sparse = ImuTextModel(dataclasses.replace(model.config, encoder="small-sparse"))
    sparse.load_state_dict(model.state_dict())
    rocket = MiniRocket(random_state=0).fit(series[:64])
    fns = {"old embed": lambda: old_embed(model, x, mask), "new embed": lambda: embed(model, windows),
           "minirocket": lambda: rocket.transform(series), "small-sparse": lambda: embed(sparse, windows)}
    diff = (fns["old embed"]() - fns["new embed"]()).abs().max().item()
    times = {k: [] for k in fns}
    for _ in range(args.repeats):
        for k, fn in fns.items():
            if args.threads:  # aeon's numba / threadpool settings can reset the OpenMP pool torch shares
                torch.set_num_threads(args.threads)
            start = time.perf_counter()
            fn()
            times[k].append(time.perf_counter() - start)
    rate = {k: len(x) / min(v) for k, v in times.items()}
    for k, r in rate.items():
        print(f"{k:12s} {r:8.1f} windows/s")
    print(f"new/old embed {rate['new embed'] / rate['old embed']:.2f}x; new embed / minirocket "
          f"{rate['new embed'] / rate['minirocket']:.2f}x; small-sparse / minirocket "
          f"{rate['small-sparse'] / rate['minirocket']:.2f}x; max |old - new| embedding {diff:.1e}")
    print(f"{len(x)} UCI-HAR test windows, sensors at joints {joints.tolist()}, threads {torch.get_num_threads()}")


if __name__ == "__main__":
    main()
