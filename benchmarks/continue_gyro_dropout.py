"""Continue pre-training a saved model with gyro dropout (issue 12 item 7): a short CPU check that acc-only input
can be learned, to score afterwards with acc_only_gap.py.

    python benchmarks/continue_gyro_dropout.py --out runs/gyro-0.5 --gyro-dropout 0.5 --steps 80
    python benchmarks/continue_gyro_dropout.py --out runs/gyro-0.0 --gyro-dropout 0.0 --steps 80   # control
    python benchmarks/acc_only_gap.py --model runs/gyro-0.5/model

The run is configs/default.yaml (UCI-HAR excluded) with fewer clips per corpus, a smaller batch, a lower
learning rate and the given gyro dropout, started from ``--init`` (the bundled model) instead of random weights.
The control (gyro dropout 0, same steps) separates what gyro dropout does from what more training does.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from motionfm.hub import load_model
from motionfm.pretrain import PretrainConfig
from motionfm.pretrain.trainer import Trainer

CONFIG = Path(__file__).resolve().parents[1] / "configs" / "default.yaml"


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--out", required=True)
    p.add_argument("--init", default="default", help="model to start from (bundled name or folder)")
    p.add_argument("--gyro-dropout", type=float, default=0.5)
    p.add_argument("--steps", type=int, default=80)
    p.add_argument("--batch-size", type=int, default=32)
    p.add_argument("--lr", type=float, default=2e-4)
    p.add_argument("--max-clips", type=int, default=300, help="clips per motion corpus")
    args = p.parse_args()
    config = PretrainConfig.from_file(CONFIG).replace(
        out_dir=args.out, gyro_dropout=args.gyro_dropout, steps=args.steps, batch_size=args.batch_size,
        lr=args.lr, warmup_steps=max(1, args.steps // 10), checkpoint_every=args.steps, max_clips=args.max_clips,
        device="cpu", amp=False)
    trainer = Trainer(config)
    trainer.model.load_state_dict(load_model(args.init).state_dict())  # same parameters the optimizer holds
    print(trainer.run(), "->", Path(args.out) / "model")


if __name__ == "__main__":
    main()
