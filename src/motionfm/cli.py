"""The `motionfm` command line."""

from __future__ import annotations

import sys
from pathlib import Path

import typer
from rich.console import Console
from rich.progress import track

from rich.table import Table

from . import har
from .skeleton import JOINT_NAMES
from .io import RecordingError, RecordingFormat, describe, read_recording, recording_windows
from .motion import expand_inputs
from .simulate import SimConfig
from .simulate_corpus import simulate_files

app = typer.Typer(help="Pre-trained motion-sensor (IMU) encoders: simulate, pretrain, evaluate, classify.",
                  no_args_is_help=True, add_completion=False, pretty_exceptions_enable=False)
console = Console(stderr=True, soft_wrap=True, highlight=False)
out = Console(width=None if sys.stdout.isatty() else 200, highlight=False)


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


datasets_app = typer.Typer(help="Real activity data sets (registry, windows, splits).", no_args_is_help=True)
app.add_typer(datasets_app, name="datasets")


def _model(name: str, device: str = "cpu"):
    """A bundled or saved model, or a one-line error naming what exists."""
    from .hub import load_model

    try:
        return load_model(name, device)
    except (FileNotFoundError, ValueError) as err:
        fail(str(err))


def _load(name: str, data: Path | None) -> har.WindowSet:
    try:
        return har.load_dataset(name, root=data)
    except (ValueError, FileNotFoundError) as err:
        fail(str(err))


@datasets_app.command("list")
def datasets_list(data: Path = typer.Option(None, "--data", help="data folder (default $MOTIONFM_DATA or ../shared/data)")) -> None:
    """One line per registered data set: classes, subjects, windows, placement, rate."""
    table = Table("name", "classes", "subjects", "windows", "placement", "rate (Hz)", "channels", "zero-shot")
    for name, spec in har.REGISTRY.items():
        ws = _load(name, data)
        table.add_row(name, str(len(spec.classes)), str(len(set(ws.subject.tolist()))), str(len(ws)),
                      ", ".join(spec.placements), f"{spec.rate_hz:g}", "acc+gyro" if spec.has_gyro else "acc",
                      "no (names unknown)" if spec.supervised_only else "yes")
    out.print(table)


@datasets_app.command("show")
def datasets_show(name: str, data: Path = typer.Option(None, "--data")) -> None:
    """Class names, split sizes and per-class counts of one data set."""
    try:
        spec = har.get_spec(name)
    except ValueError as err:
        fail(str(err))
    ws = _load(name, data)
    out.print(f"[bold]{spec.name}[/bold]: {spec.title}; {spec.rate_hz:g} Hz, placements {', '.join(spec.placements)}; "
              f"license: {spec.license}")
    if spec.notes:
        out.print(f"notes: {spec.notes}")
    for split, subjects in (("test", spec.test_subjects), ("val", spec.val_subjects)):
        out.print(f"{split} subjects: {', '.join(map(str, subjects))}")
    table = Table("class", "synonyms", *har.SPLITS, "total")
    counts = {s: ws.class_counts(s) for s in har.SPLITS}
    for k, cls in enumerate(spec.classes):
        table.add_row(cls, "; ".join(spec.synonyms.get(cls, ())), *(str(counts[s][k]) for s in har.SPLITS),
                      str(sum(counts[s][k] for s in har.SPLITS)))
    table.add_row("[bold]all[/bold]", "", *(str(counts[s].sum()) for s in har.SPLITS), str(len(ws)))
    out.print(table)


def _split(text: str | None) -> tuple[str, ...] | None:
    return tuple(c.strip() for c in text.split(",")) if text else None


@app.command()
def classify(
    recording: Path = typer.Argument(..., help="CSV or Parquet recording: time, ax, ay, az[, gx, gy, gz]"),
    labels: str = typer.Option("walking,walking upstairs,walking downstairs,sitting,standing,lying down", "--labels",
                               help="comma-separated activity names (any words)"),
    placement: str = typer.Option("left_wrist", "--placement", help="where the sensor was worn"),
    acc_units: str = typer.Option(None, "--acc-units", help="g or m/s2 (default: guessed from gravity)"),
    gyro_units: str = typer.Option("rad/s", "--gyro-units", help="rad/s or deg/s"),
    window: float = typer.Option(10.0, "--window", help="window length in seconds"),
    out_csv: Path = typer.Option(None, "--out", help="write per-window predictions to this CSV"),
    plot: Path = typer.Option(None, "--plot", help="write a timeline PNG"),
    model: str = typer.Option("default", "--model", help="bundled model name or model folder"),
    time_col: str = typer.Option("time", "--time-col"),
    acc_cols: str = typer.Option("ax,ay,az", "--acc-cols"),
    gyro_cols: str = typer.Option("gx,gy,gz", "--gyro-cols"),
    fps: float = typer.Option(None, "--fps", help="sampling rate, when the file has no time column"),
) -> None:
    """Classify a recording window by window with label names only (zero-shot)."""
    from .classify import classify_windows, summary, write_predictions

    names = [n for n in _split(labels) or () if n]
    if len(names) < 2:
        fail("give at least two comma-separated --labels")
    fmt = RecordingFormat(time_col=time_col, acc_cols=_split(acc_cols), gyro_cols=_split(gyro_cols),
                          acc_units=acc_units, gyro_units=gyro_units, fps=fps)
    try:
        rec = read_recording(recording, placement, fmt)
        windows = recording_windows(rec, window)
        result = classify_windows(model, windows, names, window)
    except (RecordingError, FileNotFoundError) as err:
        fail(str(err))
    console.print(describe(rec))
    table = Table("start (s)", "label", "score", "2nd", "score")
    for row in result.rows():
        table.add_row(f"{row['start_s']:.0f}", row["label"], f"{row['score']:.2f}", row["second"],
                      f"{row['second_score']:.2f}")
    out.print(table)
    for name, seconds in summary(result).items():
        out.print(f"{name:>24s}: {seconds:6.0f} s")
    if out_csv:
        write_predictions(result, out_csv)
        console.print(f"wrote {out_csv}")
    if plot:
        from .plots import timeline
        timeline(result.start_s, result.start_s + window, names, result.scores.argmax(1), result.scores, plot,
                 f"{recording.name} ({JOINT_NAMES[rec.joint]})")
        console.print(f"wrote {plot}")


@app.command()
def evaluate(
    model: str = typer.Option("default", "--model", help="bundled model name or model folder"),
    datasets: str = typer.Option("uci-har,dsads,usc-had,utd-mhad,wharf", "--datasets"),
    settings: str = typer.Option("zero-shot,few-shot,full-shot", "--settings"),
    adapt: str = typer.Option("probe,fine-tune", "--adapt", help="probe (on cached embeddings) and/or fine-tune (LP-FT)"),
    fine_tune_settings: str = typer.Option("few-shot,full-shot", "--fine-tune-settings",
                                           help="settings that get fine-tuning (e.g. full-shot alone on a CPU)"),
    features: str = typer.Option("motionfm", "--features", help="motionfm, and/or motionfm+minirocket (a fused row)"),
    shots: str = typer.Option("1,2,3,5,10", "--shots", help="k labelled windows per class for few-shot"),
    seeds: int = typer.Option(3, "--seeds"),
    fine_tune_seeds: int = typer.Option(0, "--fine-tune-seeds", help="seeds of fine-tuned cells (0: --seeds)"),
    baselines: str = typer.Option("random-init,minirocket,majority", "--baselines", help="comma-separated, or 'none'"),
    epochs: int = typer.Option(30, "--epochs", help="fine-tuning epochs (early stopping on validation subjects)"),
    patience: int = typer.Option(5, "--patience", help="validations without improvement, after --min-steps"),
    min_steps: int = typer.Option(150, "--min-steps", help="fine-tuning updates before early stopping may stop"),
    max_steps: int = typer.Option(3000, "--max-steps", help="cap on fine-tuning updates"),
    validate_every: int = typer.Option(25, "--validate-every", help="fine-tuning steps between validations"),
    batch_size: int = typer.Option(64, "--batch-size", help="fine-tuning batch (class-balanced)"),
    lr_head: float = typer.Option(1e-3, "--lr-head"),
    lr_encoder: float = typer.Option(1e-4, "--lr-encoder"),
    max_windows: int = typer.Option(0, "--max-windows", help="cap each split at this many windows, evenly spaced (0: all)"),
    device: str = typer.Option("auto", "--device"),
    out_dir: Path = typer.Option(Path("eval"), "--out", help="folder for results.json, results.md and PNGs"),
    resume: bool = typer.Option(False, "--resume", help="keep the results already in OUT/results.json"),
    report_only: bool = typer.Option(False, "--report-only",
                                     help="run nothing: rewrite results.md and the few-shot PNGs from OUT/results.json"),
) -> None:
    """Score a model and its baselines with one protocol: results.json, results.md, confusion and few-shot PNGs."""
    import torch
    from rich.progress import Progress

    from .adapt import FineTuneConfig
    from .evaluate import ADAPTATIONS, BASELINES, FEATURES, SETTINGS, EvalConfig, Evaluator, plan, run

    names = _split(datasets) or ()
    for ds in names:
        try:
            har.get_spec(ds)
        except ValueError as err:
            fail(str(err))
    extra = [] if baselines == "none" else list(_split(baselines) or ())
    lists = {}
    for option, text, allowed in (("setting", settings, SETTINGS), ("--adapt value", adapt, ADAPTATIONS),
                                  ("fine-tune setting", fine_tune_settings, SETTINGS),
                                  ("--features value", features, FEATURES), ("baseline", ",".join(extra), BASELINES)):
        lists[option] = [v for v in (_split(text) or ()) if v]
        if set(lists[option]) - set(allowed):
            fail(f"unknown {option}(s) {', '.join(sorted(set(lists[option]) - set(allowed)))}; use {', '.join(allowed)}"
                 + (" or none" if option == "baseline" else ""))
    if ("minirocket" in extra or "motionfm+minirocket" in lists["--features value"]):
        try:
            import aeon  # noqa: F401
        except ImportError:
            fail("MiniRocket needs aeon: pip install 'motionfm[baselines]' (or leave out minirocket)")
    if report_only:
        return _report_only(out_dir, model)
    dev = ("cuda" if torch.cuda.is_available() else "cpu") if device == "auto" else device
    ft = FineTuneConfig(epochs=epochs, patience=patience, min_steps=min_steps, max_steps=max_steps,
                        validate_every=validate_every, batch_size=batch_size, lr_head=lr_head, lr_encoder=lr_encoder)
    config = EvalConfig(list(names), lists["setting"], tuple(int(k) for k in shots.split(",")), seeds, extra, ft, dev,
                        lists["--adapt value"], lists["fine-tune setting"], fine_tune_seeds or None,
                        lists["--features value"], max_windows=max_windows)
    console.print(f"model {model} on {dev}; baselines: {', '.join(extra) or 'none'}")
    net = _model(model, dev)
    evaluator = Evaluator(net, model, config)
    tasks = plan(config, model)
    out_dir.mkdir(parents=True, exist_ok=True)
    with Progress(console=console) as progress:
        bar = progress.add_task("evaluating", total=len(tasks))

        def done(record: dict) -> None:
            if "skipped" in record and record["setting"] == "zero-shot":
                console.print(f"[yellow]zero-shot not reported on {record['dataset']}:[/yellow] {record['skipped']}")
            progress.advance(bar)
        results = run(evaluator, tasks, out_dir, done, resume)
    _write_report(out_dir, model, results, config.describe(), evaluator.confusions)


def _write_report(out_dir: Path, model: str, results: list[dict], settings: dict, confusions: dict) -> None:
    """results.md (the table under its settings) and the PNGs, printed and written atomically."""
    from .atomic import atomic_path
    from .evaluate import figures, markdown_table

    table = markdown_table(results, model, settings)
    with atomic_path(out_dir / "results.md", suffix=".md") as tmp:
        tmp.write_text(f"# motionfm evaluate --model {model}\n\n{table}")
    written = figures(results, confusions, out_dir)
    out.print(table)
    console.print(f"wrote {out_dir / 'results.json'}, {out_dir / 'results.md'} and {len(written)} figures")


def _report_only(out_dir: Path, model: str) -> None:
    import json

    path = out_dir / "results.json"
    if not path.exists():
        fail(f"{path} does not exist: run motionfm evaluate --out {out_dir} first")
    saved = json.loads(path.read_text())
    records, settings = (saved["records"], saved.get("settings")) if isinstance(saved, dict) else (saved, None)
    _write_report(out_dir, model, records, settings or {}, {})


@app.command()
def embed(
    dataset: str = typer.Argument(..., help="registered data set"),
    model: str = typer.Option("default", "--model"),
    split: str = typer.Option("test", "--split"),
    plot: Path = typer.Option(Path("tsne.png"), "--plot", help="t-SNE PNG coloured by class"),
    out_npz: Path = typer.Option(None, "--out", help="also save embeddings and labels to .npz"),
    limit: int = typer.Option(2000, "--limit", help="at most this many windows (evenly spaced)"),
) -> None:
    """Embed a data set's windows with a model and plot them (t-SNE coloured by class)."""
    import numpy as np

    from .adapt import embed as embed_windows
    from .atomic import atomic_path
    from .plots import tsne_plot

    ws = _load(dataset, None)
    if split not in har.SPLITS:
        fail(f"unknown split {split!r}; use {', '.join(har.SPLITS)}")
    idx = np.nonzero(ws.split == split)[0]
    idx = idx[np.linspace(0, len(idx) - 1, min(limit, len(idx))).astype(int)]
    net = _model(model)
    emb = embed_windows(net, ws.canonical(idx)).numpy()
    if out_npz:
        with atomic_path(out_npz, suffix=".npz") as tmp:
            np.savez(tmp, embeddings=emb, y=ws.y[idx], class_names=np.array(ws.class_names))
    tsne_plot(emb, ws.y[idx], ws.class_names, plot, f"{dataset} ({split}, {len(idx)} windows) - {model}")
    console.print(f"wrote {plot}")


@app.command()
def export(
    onnx: Path = typer.Option(..., "--onnx", help="output .onnx file"),
    model: str = typer.Option("default", "--model"),
) -> None:
    """Export the IMU encoder to ONNX and report the largest difference from PyTorch (onnxruntime)."""
    from .export import check_onnx, export_onnx

    net = _model(model)
    export_onnx(net, onnx)
    try:
        diff = check_onnx(net, onnx)
    except ImportError:
        console.print(f"wrote {onnx} (not checked: pip install 'motionfm[onnx]' for onnxruntime)")
        return
    console.print(f"wrote {onnx}; max abs difference from PyTorch on random windows: {diff:.2e}")
    if diff > 1e-4:
        fail(f"ONNX output differs from PyTorch by {diff:.2e} (> 1e-4)")


@app.command()
def pretrain(
    config: Path = typer.Option(..., "--config", help="YAML or JSON pre-training config"),
    resume: bool = typer.Option(False, "--resume", help="continue from the checkpoint in out_dir"),
    steps: int = typer.Option(None, "--steps", help="override the number of steps"),
    out_dir: Path = typer.Option(None, "--out-dir", help="override the output folder"),
    export_pack: Path = typer.Option(None, "--export-pack",
                                     help="only build the training data and write it to this folder (a pack), "
                                          "for training elsewhere with data_pack: FOLDER"),
) -> None:
    """Pre-train an IMU encoder (CPU, GPU, or several via torchrun). SIGTERM/SIGINT save a checkpoint first."""
    from .pretrain import PretrainConfig, build_data, pretrain as run_pretrain
    from .text import load_text_encoder

    try:
        cfg = PretrainConfig.from_file(config)
    except (OSError, ValueError, TypeError) as err:
        fail(f"{config}: {err}")
    if steps is not None:
        cfg.steps = steps
    if out_dir is not None:
        cfg.out_dir = str(out_dir)
    if export_pack is not None:
        data = build_data(cfg)
        data.encode_captions(load_text_encoder(cfg.model.text_encoder))
        files = data.save_pack(export_pack)
        size = sum(f.stat().st_size for f in files) / 1e6
        console.print(f"wrote a pack of {len(files)} files ({size:.0f} MB) to {export_pack}: "
                      f"{data.n_sim} clips, {data.n_real} real windows, {len(data.captions)} captions")
        return
    try:
        status, trainer = run_pretrain(cfg, resume=resume)
    except (ValueError, FileNotFoundError) as err:
        fail(str(err))
    if trainer.rank == 0:
        where = Path(cfg.out_dir)
        if status == "interrupted":
            console.print(f"interrupted at step {trainer.step}: checkpoint saved in {where}; continue with --resume")
            raise typer.Exit(130)
        console.print(f"done: {trainer.step} steps; model saved in {where / 'model'}")


if __name__ == "__main__":
    app()
