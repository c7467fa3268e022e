"""Could the gyroscope's direction be checked against gravity's turning, as its rate is (motionfm.units)?

    python benchmarks/gyro_direction.py [--datasets uci-har,usc-had,dsads,utd-mhad]

Gravity's direction u in the sensor frame obeys du/dt = u x w, so du/dt x u is the gyroscope's part
perpendicular to gravity, as a vector: with the right axes the two agree in direction (cosine > 0), with
negated or swapped gyroscope axes they do not. This prints, per data set and sensor, the cosine pooled over
the samples where the smoothed |acc| is within 10 % of gravity (linear acceleration small), for the
gyroscope as recorded, negated and with x/y swapped, and the lowest cosine of one recording (a data set's
recording segment with >= 20 s of such samples and >= 0.1 rad/s of turning). The answer decides the check:
if correct recordings can read far below zero, a direction check would refuse real data.
"""

from __future__ import annotations

import argparse

import numpy as np

from _common import DATA
from motionfm.har import get_spec
from motionfm.units import _smooth

MAPPINGS = {"as recorded": np.eye(3), "negated": -np.eye(3), "x/y swapped": np.array([[0, 1, 0], [1, 0, 0], [0, 0, 1.]])}


def agreement_sums(acc: np.ndarray, gyro: np.ndarray, fps: float, tol: float = 0.1) -> np.ndarray:
    """(dot, |turn|^2, |w_perp|^2, seconds kept, turn^2 sum) over samples with |acc| within tol of its median."""
    n = max(1, int(round(0.5 * fps)))
    a = _smooth(acc.astype(np.float64), n)
    norm = np.linalg.norm(a, axis=1)
    u = a / np.maximum(norm, 1e-12)[:, None]
    turn = np.cross(np.gradient(u, 1 / fps, axis=0), u)
    w = _smooth(gyro.astype(np.float64), n)
    w_perp = w - u * np.sum(w * u, axis=1, keepdims=True)
    ok = np.abs(norm / np.median(norm) - 1) < tol
    return np.array([np.sum((turn * w_perp)[ok]), np.sum(turn[ok] ** 2), np.sum(w_perp[ok] ** 2), ok.sum() / fps])


def cosine(s: np.ndarray) -> float:
    return float(s[0] / np.sqrt(s[1] * s[2])) if s[1] * s[2] > 0 else float("nan")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--datasets", default="uci-har,usc-had,dsads,utd-mhad")
    args = ap.parse_args()
    print("data set, sensor: pooled cosine as recorded / negated / x-y swapped; lowest single recording (n)")
    for name in args.datasets.split(","):
        spec = get_spec(name)
        segments = list(spec.reader(spec, DATA))
        for k in range(segments[0].x.shape[1]):
            pooled = {tag: np.zeros(4) for tag in MAPPINGS}
            single = []
            for seg in segments:
                x = seg.x[:, k]
                if not np.abs(x[:, 3:]).any():
                    continue
                for tag, m in MAPPINGS.items():
                    s = agreement_sums(x[:, :3], x[:, 3:] @ m.T, spec.rate_hz)
                    pooled[tag] += s
                    if tag == "as recorded" and s[3] >= 20 and np.sqrt(s[1] / (s[3] * spec.rate_hz)) >= 0.1:
                        single.append(cosine(s))
            site = spec.placements[min(k, len(spec.placements) - 1)]
            low = f"{min(single):+.2f} ({len(single)})" if single else "- (0)"
            print(f"{name:>9s}, {site:>11s}: {' / '.join(f'{cosine(p):+.2f}' for p in pooled.values())}; {low}")


if __name__ == "__main__":
    main()
