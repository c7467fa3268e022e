"""The loss of every step in out_dir/metrics.csv: appended as the run goes, cut back to the checkpoint's
step on resume so that a resumed run's file reads as one uninterrupted run."""

from __future__ import annotations

from pathlib import Path

METRICS = "metrics.csv"


class MetricsLog:
    """Rows ``step,loss,lr,<term>...``; ``terms`` names the objective's loss terms (empty cells where a term
    did not run at that step)."""

    def __init__(self, folder: str | Path, terms: tuple[str, ...] = ()) -> None:
        self.path = Path(folder) / METRICS
        self.columns = ("step", "loss", "lr", *terms)
        self._file = None

    def start(self, step: int) -> None:
        """Open for appending after ``step`` (0: a new file); rows of later steps (written after the last
        checkpoint of an interrupted run) are dropped."""
        lines = self.path.read_text().splitlines() if step and self.path.exists() else []
        if lines and lines[0] == ",".join(self.columns):
            kept = [lines[0]] + [r for r in lines[1:] if r.split(",")[0].isdigit() and int(r.split(",")[0]) <= step]
        else:
            kept = [",".join(self.columns)]
        self.path.write_text("\n".join(kept) + "\n")
        self._file = self.path.open("a", buffering=1)

    def write(self, step: int, loss: float, lr: float, terms: dict[str, float]) -> None:
        values = [str(step), f"{loss:.6g}", f"{lr:.6g}"] + [f"{terms[t]:.6g}" if t in terms else ""
                                                              for t in self.columns[3:]]
        self._file.write(",".join(values) + "\n")

    def close(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None
