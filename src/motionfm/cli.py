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
    settings: str = typer.Option("zero-shot,few-shot,full-shot,probe", "--settings"),
    shots: str = typer.Option("1,2,3,5,10", "--shots", help="k labelled windows per class for few-shot"),
    seeds: int = typer.Option(3, "--seeds"),
    baselines: str = typer.Option("random-init,minirocket", "--baselines", help="comma-separated, or 'none'"),
    epochs: int = typer.Option(30, "--epochs", help="fine-tuning epochs (early stopping on validation subjects)"),
    patience: int = typer.Option(5, "--patience"),
    min_steps: int = typer.Option(150, "--min-steps", help="fine-tuning updates even for tiny training sets"),
    max_steps: int = typer.Option(3000, "--max-steps", help="cap on fine-tuning updates"),
    device: str = typer.Option("auto", "--device"),
    out_dir: Path = typer.Option(Path("eval"), "--out", help="folder for results.json, results.md and PNGs"),
    resume: bool = typer.Option(False, "--resume", help="keep the results already in OUT/results.json"),
    protocol: str = typer.Option("standard", "--protocol",
                                 help="standard, or leave-one-dataset-out (zero-shot of a --family)"),
    family: Path = typer.Option(None, "--family", help="folder written by motionfm pretrain-family"),
    prompts: str = typer.Option("ensemble", "--prompts", help="leave-one-dataset-out label prompts: ensemble, "
                                "text-mean or name"),
    max_windows: int = typer.Option(0, "--max-windows", help="leave-one-dataset-out: score an evenly spaced "
                                    "subset of each test split (a quick look); 0 = every test window"),
) -> None:
    """Score a model (and baselines) with one protocol: results.json, results.md, confusion and few-shot PNGs."""
    import torch
    from rich.progress import Progress

    if protocol != "standard":
        return _evaluate_family(protocol, family, datasets, prompts, device, out_dir, max_windows)

    from .adapt import FineTuneConfig
    from .evaluate import BASELINES, SETTINGS, EvalConfig, Evaluator, figures, markdown_table, plan, run

    names, wanted = _split(datasets) or (), _split(settings) or ()
    for ds in names:
        try:
            har.get_spec(ds)
        except ValueError as err:
            fail(str(err))
    if set(wanted) - set(SETTINGS):
        fail(f"unknown setting(s) {', '.join(sorted(set(wanted) - set(SETTINGS)))}; use {', '.join(SETTINGS)}")
    extra = [] if baselines == "none" else list(_split(baselines) or ())
    if set(extra) - set(BASELINES):
        fail(f"unknown baseline(s) {', '.join(set(extra) - set(BASELINES))}; use {', '.join(BASELINES)} or none")
    if "minirocket" in extra:
        try:
            import aeon  # noqa: F401
        except ImportError:
            fail("the minirocket baseline needs aeon: pip install 'motionfm[baselines]' (or --baselines random-init)")
    dev = ("cuda" if torch.cuda.is_available() else "cpu") if device == "auto" else device
    config = EvalConfig(list(names), list(wanted), tuple(int(k) for k in shots.split(",")), seeds, extra,
                        FineTuneConfig(epochs=epochs, patience=patience, min_steps=min_steps, max_steps=max_steps), dev)
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
    table = markdown_table(results, model)
    (out_dir / "results.md").write_text(f"# motionfm evaluate --model {model}\n\n{table}")
    written = figures(results, evaluator.confusions, out_dir)
    out.print(table)
    console.print(f"wrote {out_dir / 'results.json'}, {out_dir / 'results.md'} and {len(written)} figures")


def _evaluate_family(protocol: str, family: Path | None, datasets: str, prompts: str, device: str,
                     out_dir: Path, max_windows: int = 0) -> None:
    """motionfm evaluate --protocol leave-one-dataset-out: the family's zero-shot table."""
    import torch

    from .evaluate.leave_one_out import PROTOCOL, leave_one_out, markdown, write_report

    if protocol != PROTOCOL:
        fail(f"unknown protocol {protocol!r}; use standard or {PROTOCOL}")
    if family is None:
        fail(f"--protocol {PROTOCOL} needs --family DIR (a folder written by motionfm pretrain-family)")
    dev = ("cuda" if torch.cuda.is_available() else "cpu") if device == "auto" else device

    def done(r: dict) -> None:
        score = r["skipped"] if "skipped" in r else f"{100 * r['accuracy']:.1f} % accuracy"
        console.print(f"{r['column']} ({r['model']}) on {r['dataset']}: {score}")

    try:
        records = leave_one_out(family, list(_split(datasets) or ()), prompts, dev, done, max_windows)
    except (OSError, ValueError) as err:
        fail(str(err))
    subset = f", at most {max_windows} test windows per data set" if max_windows else ""
    title = f"motionfm evaluate --protocol {PROTOCOL} --family {family} (prompts: {prompts}{subset})"
    paths = write_report(records, out_dir, title)
    out.print(markdown(records))
    console.print(f"wrote {paths[0]} and {paths[1]}")


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
    overwrite: bool = typer.Option(False, "--overwrite",
                                   help="start again in an out_dir that holds a checkpoint (it is removed)"),
    steps: int = typer.Option(None, "--steps", help="override the number of steps"),
    out_dir: Path = typer.Option(None, "--out-dir", help="override the output folder"),
    export_pack: Path = typer.Option(None, "--export-pack",
                                     help="only build the training data and write it to this folder (a pack), "
                                          "for training elsewhere with data_pack: FOLDER"),
    leave_out: str = typer.Option(None, "--leave-out",
                                  help="train on every labelled data set except this one (it is excluded)"),
) -> None:
    """Pre-train an IMU encoder (CPU, GPU, or several via torchrun). SIGTERM/SIGINT save a checkpoint first."""
    from .pretrain import PretrainConfig, build_data, pretrain as run_pretrain, save_pack
    from .pretrain.build import build_settings
    from .text import load_text_encoder

    try:
        cfg = PretrainConfig.from_file(config)
        overrides = {"steps": steps, "out_dir": None if out_dir is None else str(out_dir)}
        cfg = cfg.replace(**{k: v for k, v in overrides.items() if v is not None})
        if leave_out is not None:
            from .pretrain.family import leave_out_config
            cfg = leave_out_config(cfg, leave_out)
    except (OSError, ValueError, TypeError) as err:
        fail(f"{config}: {err}")
    if export_pack is not None:
        try:
            data = build_data(cfg)
        except (ValueError, OSError) as err:
            fail(str(err))
        data.encode_captions(load_text_encoder(cfg.model.text_encoder))
        files = save_pack(data, export_pack, build_settings(cfg))
        size = sum(f.stat().st_size for f in files) / 1e6
        console.print(f"wrote a pack of {len(files)} files ({size:.0f} MB) to {export_pack}: "
                      f"{data.n_sim} clips, {data.n_real} real windows, {len(data.captions)} captions")
        return
    try:
        status, trainer = run_pretrain(cfg, resume=resume, overwrite=overwrite)
    except (ValueError, OSError) as err:
        fail(str(err))
    if trainer.rank == 0:
        where = Path(cfg.out_dir)
        if status == "interrupted":
            console.print(f"interrupted at step {trainer.step}: checkpoint saved in {where}; continue with --resume")
            raise typer.Exit(130)
        console.print(f"done: {trainer.step} steps; model saved in {where / 'model'}")


@app.command("pretrain-family")
def pretrain_family(
    config: Path = typer.Option(..., "--config", help="base pre-training config (schedule, model, corpora)"),
    out_dir: Path = typer.Option(..., "--out-dir", help="family folder: OUT/without-<D>/model, OUT/sim-only/model"),
    datasets: str = typer.Option(",".join(har.REGISTRY), "--datasets", help="data sets to leave out in turn"),
    sim_only: bool = typer.Option(True, "--sim-only/--no-sim-only", help="also train the simulation-only model"),
    only: str = typer.Option(None, "--only", help="comma-separated members to train (e.g. without-dsads,sim-only)"),
    steps: int = typer.Option(None, "--steps", help="override the number of steps (the same for every member)"),
    overwrite: bool = typer.Option(False, "--overwrite", help="train every member again from scratch"),
) -> None:
    """Train the leave-one-data-set-out family (one model per left-out data set, plus sim-only) with one
    schedule; members already trained are kept, interrupted ones continue from their checkpoint."""
    from .pretrain import PretrainConfig
    from .pretrain.family import train_family

    try:
        cfg = PretrainConfig.from_file(config)
        cfg = cfg.replace(steps=steps) if steps is not None else cfg
        statuses = train_family(cfg, out_dir, list(_split(datasets) or ()), sim_only, list(_split(only) or ()),
                                overwrite, on_member=lambda name, status: console.print(f"{name}: {status}"))
    except (OSError, ValueError, TypeError) as err:
        fail(str(err))
    if "interrupted" in statuses.values():
        console.print(f"interrupted: run the same command again to continue ({out_dir})")
        raise typer.Exit(130)
    console.print(f"family in {out_dir}: {', '.join(f'{k} {v}' for k, v in statuses.items())}")


if __name__ == "__main__":
    app()
