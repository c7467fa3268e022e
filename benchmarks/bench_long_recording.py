"""Peak memory and time of `motionfm classify` on a long synthetic recording (wrist, 50 Hz, acc + gyro).

The recording alternates walking (1.8 Hz arm swing, gyroscope consistent with it) and rest, with a Unix
clock; it is written hour by hour to Parquet (float32), so generating it takes little memory. classify runs
in a child process and its peak resident memory (ru_maxrss) is reported with the run time and the ratio
of peak memory to the recording's own size in float32.

    python benchmarks/bench_long_recording.py --days 7          # the figure in the README
    python benchmarks/bench_long_recording.py --hours 2 --csv   # CSV input instead of Parquet
    python benchmarks/bench_long_recording.py --days 7 --read-only  # only read_recording (minutes, not hours)
    python benchmarks/bench_long_recording.py --days 7 --chunks 3   # read, then classify the first 3 hours

Classification itself works an hour of signal at a time, so its memory beyond the recording does not grow
with length: --read-only measures the part that does (the recording held at its own rate).
"""

from __future__ import annotations

import argparse
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

FPS = 50.0


def hour_of_signal(start_s: float, seconds: float, rng: np.random.Generator) -> pd.DataFrame:
    """One piece of the recording: time (Unix s), ax..az in g, gx..gz in rad/s."""
    t = start_s + np.arange(int(seconds * FPS)) / FPS
    walking = (np.floor(t / 600.0) % 2) == 0  # 10 min walking, 10 min rest
    theta = np.where(walking, 0.6 * np.sin(2 * np.pi * 1.8 * t), 0.05 * np.sin(2 * np.pi * 0.05 * t))
    rate = np.gradient(theta, 1.0 / FPS)
    noise = rng.normal(0, 0.01, (len(t), 6))
    return pd.DataFrame({"time": t + 1.7e9, "ax": (0.2 * walking * np.sin(2 * np.pi * 3.6 * t) + noise[:, 0]),
                         "ay": np.sin(theta) + noise[:, 1], "az": np.cos(theta) + noise[:, 2],
                         "gx": rate + noise[:, 3], "gy": noise[:, 4], "gz": noise[:, 5]}).astype(
        {c: np.float32 for c in ("ax", "ay", "az", "gx", "gy", "gz")})


def write_recording(path: Path, seconds: float, csv: bool) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    rng = np.random.default_rng(0)
    writer = None
    for start in np.arange(0.0, seconds, 3600.0):
        piece = hour_of_signal(start, min(3600.0, seconds - start), rng)
        if csv:
            piece.to_csv(path, mode="a", header=start == 0, index=False, float_format="%.5f")
            continue
        table = pa.Table.from_pandas(piece, preserve_index=False)
        writer = writer or pq.ParquetWriter(path, table.schema)
        writer.write_table(table)
    if writer:
        writer.close()


PARTIAL = """
from motionfm import classify as C
from motionfm.io import read_recording
rec = read_recording({path!r}, "left_wrist")
pieces = C.chunks
def first(*args, **kwargs):
    for k, piece in enumerate(pieces(*args, **kwargs)):
        if k == {chunks}:
            return
        yield piece
C.chunks = first
print(len(C.classify_recording("default", rec, ["walking", "sitting", "standing", "lying down"], 10.0).start_s))
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--days", type=float, default=None)
    parser.add_argument("--hours", type=float, default=2.0)
    parser.add_argument("--csv", action="store_true", help="write CSV instead of Parquet")
    parser.add_argument("--read-only", action="store_true", help="measure read_recording only (no model)")
    parser.add_argument("--chunks", type=int, default=0,
                        help="read all, classify only the first N one-hour chunks (each chunk reuses the memory "
                             "of the last: the peak of a full run at a fraction of its hours on CPU)")
    args = parser.parse_args()
    seconds = (args.days * 86400.0) if args.days else args.hours * 3600.0
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / ("long.csv" if args.csv else "long.parquet")
        write_recording(path, seconds, args.csv)
        size_mb = path.stat().st_size / 1e6
        start = time.perf_counter()
        command = [sys.executable, "-m", "motionfm", "classify", str(path), "--placement", "left_wrist", "--quiet",
                   "--out", str(Path(tmp) / "preds.csv")]
        if args.chunks:
            command = [sys.executable, "-c", PARTIAL.format(path=str(path), chunks=args.chunks)]
        if args.read_only:
            command = [sys.executable, "-c", f"from motionfm.io import read_recording; "
                                             f"print(len(read_recording({str(path)!r}, 'left_wrist').x))"]
        done = subprocess.run(command, capture_output=True, text=True)
        wall = time.perf_counter() - start
        if done.returncode:
            sys.exit(f"failed: {done.stderr.strip()}")
        peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
        rows = int(done.stdout) if args.read_only or args.chunks else len(pd.read_csv(Path(tmp) / "preds.csv"))
    samples_mb = seconds * FPS * 6 * 4 / 1e6
    print(f"{seconds / 3600:.1f} h at {FPS:g} Hz ({'CSV' if args.csv else 'Parquet'}, {size_mb:.0f} MB file): "
          f"{rows} {'samples read' if args.read_only else 'windows'}{' (first chunks)' * bool(args.chunks)} in {wall:.0f} s, peak RSS {peak_mb:.0f} MB "
          f"({peak_mb / samples_mb:.2f}x the recording's {samples_mb:.0f} MB as float32)")


if __name__ == "__main__":
    main()
