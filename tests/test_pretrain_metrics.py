"""pretrain/metrics.py: one row per step, appended across a resume, matching the losses the trainer saw."""

import pandas as pd
import pytest

from conftest import pack_config
from motionfm.pretrain import pretrain
from motionfm.pretrain.metrics import METRICS, MetricsLog


def test_loss_of_every_step_survives_resume(tmp_path):
    status, full = pretrain(pack_config(tmp_path / "a"), show_progress=False)
    pretrain(pack_config(tmp_path / "b"), stop_after=2, show_progress=False)
    pretrain(pack_config(tmp_path / "b"), resume=True, show_progress=False)
    a = pd.read_csv(tmp_path / "a" / "run" / METRICS)
    b = pd.read_csv(tmp_path / "b" / "run" / METRICS)
    assert list(a.columns) == ["step", "loss", "lr"] and a["step"].tolist() == [1, 2, 3, 4]
    pd.testing.assert_frame_equal(a, b)  # exact resume: the same losses, one row per step
    assert a["lr"].iloc[0] == pytest.approx(full.config.lr)  # warm-up of 1 step: the full rate at step 1


def test_rows_after_the_checkpoint_are_dropped_on_resume(tmp_path):
    log = MetricsLog(tmp_path, ("ss", "mm"))
    log.start(0)
    for step in (1, 2, 3):
        log.write(step, 1.0 / step, 0.1, {"ss": 0.5} if step < 3 else {"ss": 0.5, "mm": 0.25})
    log.close()
    log.start(2)  # the checkpoint was at step 2: step 3 will be trained again
    log.write(3, 9.0, 0.1, {})
    log.close()
    assert (tmp_path / METRICS).read_text().splitlines() == ["step,loss,lr,ss,mm", "1,1,0.1,0.5,", "2,0.5,0.1,0.5,",
                                                            "3,9,0.1,,"]
