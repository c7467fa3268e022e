"""Where a training step and an inference pass of an ST-GCN encoder spend their CPU time (torch.profiler).

    python benchmarks/profile_stgcn.py [--variant small] [--batch 64] [--rows 15] [--threads 0]

--variant: 'old' (the pre-issue-15 forward on small, benchmarks/_reference.py) or an encoder config name.
Prints the top ops by self CPU time with their share, for one training step (forward + backward + AdamW on
an ImuTextModel, random batch with 1-5 present joints) and for one inference pass (inference_mode, eval).
"""

from __future__ import annotations

import argparse

import torch
from torch.profiler import ProfilerActivity, profile

from bench_train_step import random_batch, stepper


def table(fn, rows: int) -> str:
    fn()
    with profile(activities=[ProfilerActivity.CPU]) as prof:
        fn()
    events = sorted(prof.key_averages(), key=lambda e: e.self_cpu_time_total, reverse=True)
    total = sum(e.self_cpu_time_total for e in events)
    lines = [f"total self CPU {total / 1e3:.0f} ms", f"{'op':38s} {'share':>6s} {'self ms':>8s} {'calls':>6s}"]
    lines += [f"{e.key[:38]:38s} {100 * e.self_cpu_time_total / total:5.1f}% {e.self_cpu_time_total / 1e3:8.1f} "
              f"{e.count:6d}" for e in events[:rows]]
    return "\n".join(lines)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--variant", default="small")
    ap.add_argument("--batch", type=int, default=64)
    ap.add_argument("--rows", type=int, default=15)
    ap.add_argument("--threads", type=int, default=0, help="torch threads (0: torch's default)")
    args = ap.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    batch = random_batch(args.batch)
    step = stepper(args.variant, batch)
    print(f"== training step: {args.variant}, batch {args.batch}, threads {torch.get_num_threads()}")
    print(table(step, args.rows))
    model = step.__closure__[[c.cell_contents.__class__.__name__ for c in step.__closure__].index("ImuTextModel")].cell_contents.eval()

    def infer() -> None:
        with torch.inference_mode():
            model.embed_imu(batch[0], batch[1])
    print(f"\n== inference: {args.variant}, batch {args.batch}")
    print(table(infer, args.rows))


if __name__ == "__main__":
    main()
