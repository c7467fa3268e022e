"""The `motionfm` command line."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.console import Console
from rich.progress import track

from .motion import expand_inputs
from .simulate import SimConfig
from .simulate_corpus import simulate_files

app = typer.Typer(help="Pre-trained motion-sensor (IMU) encoders: simulate, pretrain, evaluate, classify.",
                  no_args_is_help=True, add_completion=False, pretty_exceptions_enable=False)
console = Console(stderr=True, soft_wrap=True, highlight=False)


def fail(message: str, code: int = 2) -> None:
    """Print a one-line error and exit non-zero."""
    console.print(f"[red]error:[/red] {message}", highlight=False, soft_wrap=True)
    raise typer.Exit(code)


@app.command()
def simulate(
    inputs: list[Path] = typer.Argument(..., help="BVH/AMC/HumanML3D files, folders or tar archives"),
    out: Path = typer.Option(..., "-o", "--out", help="output .npz"),
    noise: bool = typer.Option(False, "--noise", help="add Gaussian sensor noise (0.6 m/s^2, 0.017 rad/s)"),
    fps_out: float = typer.Option(20.0, "--fps-out", help="output rate in Hz"),
    offset_std: float = typer.Option(0.0, "--offset-std", help="random sensor offset from the joint, metres"),
    seed: int = typer.Option(0, "--seed"),
) -> None:
    """Simulate virtual IMU at all 22 joints from motion capture."""
    config = SimConfig(fps_out=fps_out, noise=noise, offset_std=offset_std, seed=seed)
    try:
        with expand_inputs(inputs) as files:
            if not files:
                fail(f"no motion files (.bvh, .amc, .npy) found in {', '.join(map(str, inputs))}")
            corpus = simulate_files(files, config, lambda f: track(f, description="simulating", console=console))
    except FileNotFoundError as err:
        fail(str(err))
    for line in corpus.failures:
        console.print(f"[yellow]skipped:[/yellow] {line}", highlight=False, soft_wrap=True)
    if not len(corpus):
        fail("no file could be simulated")
    corpus.save(out)
    seconds = len(corpus.imu) / fps_out
    console.print(f"wrote {out}: {len(corpus)} clips, {seconds / 60:.1f} min of IMU at {fps_out:g} Hz, "
                  f"{len(corpus.failures)} skipped", highlight=False)


@app.command()
def classify(
    recording: Path = typer.Argument(..., help="CSV or Parquet recording"),
    labels: str = typer.Option("walking,running,sitting,standing,lying", "--labels"),
) -> None:
    """Classify a recording window by window (zero-shot, bundled model)."""
    if not recording.exists():
        fail(f"{recording}: no such file")
    console.print("no model bundled yet: classification arrives with the bundled-model issue", highlight=False)


def main() -> None:  # pragma: no cover
    app()
