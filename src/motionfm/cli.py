"""The `motionfm` command line.

Start-up imports only typer and rich: each command imports what it needs (numpy, pandas, torch) when it
runs, so `motionfm --help` answers at once. Bad input ends in one line on stderr and exit code 2, checked
before any long work (output paths included).
"""

from __future__ import annotations

import gc
import math
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import typer
from rich.console import Console
from rich.markup import escape

from . import __version__
from .labels import check_distinct_labels

app = typer.Typer(help="Pre-trained motion-sensor (IMU) encoders: simulate, pretrain, evaluate, classify.",
                  no_args_is_help=True, add_completion=False, pretty_exceptions_enable=False,
                  context_settings={"help_option_names": ["-h", "--help"]})
console = Console(stderr=True, soft_wrap=True, highlight=False)
out = Console(width=None if sys.stdout.isatty() else 200, highlight=False)
DEFAULT_LABELS = "walking,walking upstairs,walking downstairs,sitting,standing,lying down"
SCORE_NOTE = ("score: cosine similarity between the window's and the label's embeddings (-1..1, higher is "
              "closer; compare labels with each other, it is not a probability)")
FULL_TABLE_ROWS = 40  # above this many windows the table shows runs of one label instead of every window


def fail(message: str, code: int = 2) -> None:
    """Print a one-line error and exit non-zero (a message of several lines is joined into one)."""
    message = "; ".join(line.strip() for line in str(message).splitlines() if line.strip())
    console.print(f"[red]error:[/red] {escape(message)}", highlight=False, soft_wrap=True, markup=True)
    raise typer.Exit(code)


def warn(message: str) -> None:
    """Print a one-line warning (the command goes on)."""
    console.print(f"[yellow]warning:[/yellow] {escape(message)}", highlight=False, soft_wrap=True)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"motionfm {__version__}")
        raise typer.Exit()


@app.callback()
def _main(version: bool = typer.Option(False, "--version", callback=_version, is_eager=True,
                                       help="print the version and exit")) -> None:
    """Pre-trained motion-sensor (IMU) encoders: simulate, pretrain, evaluate, classify."""


def _positive(value: float | None, flag: str, unit: str) -> None:
    """Refuse a value that is not a finite positive number (None means 'not given')."""
    if value is not None and not (math.isfinite(value) and value > 0):
        fail(f"{flag} must be a positive number of {unit}; got {value:g}")


# matplotlib's savefig formats (Figure.canvas.get_supported_filetypes(); listed to keep it out of start-up)
PLOT_SUFFIXES = (".png", ".pdf", ".svg", ".svgz", ".jpg", ".jpeg", ".eps", ".ps", ".pgf", ".tif", ".tiff", ".webp")


def _plot_path(path: Path | None, flag: str = "--plot") -> None:
    """_writable, and a suffix matplotlib can write (checked before any work, not after it)."""
    _writable(path, flag)
    if path is not None and path.suffix.lower() not in PLOT_SUFFIXES:
        fail(f"{flag} {path}: an image file is named .png (or {', '.join(PLOT_SUFFIXES[1:6])}, ...); got "
             f"{path.suffix or 'no suffix'}")


def _writable(path: Path | None, flag: str, folder: bool = False) -> None:
    """Refuse, before any work, an output path that cannot be written: an existing folder where a file is
    wanted (or a file where a folder is), or a place where nothing can be created."""
    if path is None:
        return
    from .atomic import DestinationError, check_destination

    if not folder and not path.is_dir():
        try:
            check_destination(path)
        except DestinationError as err:
            fail(f"{flag} {err}")
    if not folder and path.is_dir():
        fail(f"{flag} {path} is a folder; give a file name inside it")
    if folder and path.exists() and not path.is_dir():
        fail(f"{flag} {path} is a file; give a folder")
    base = path if folder and path.is_dir() else path.parent
    while not base.exists() and base != base.parent:
        base = base.parent
    if not base.is_dir():
        fail(f"{flag} {path}: {base} is a file, not a folder; choose another place")
    try:
        with tempfile.TemporaryFile(dir=base):
            pass
    except OSError as err:
        fail(f"{flag} {path}: cannot write in {base} ({err.strerror or err}); choose another place")


@contextmanager
def _imports_without_gc() -> Iterator[None]:
    """For a block of imports: no garbage collection while it runs (the collector's passes over torch's
    objects as they appear cost ~0.3 s of start-up), then the modules' objects are frozen out of later passes
    (they live as long as the process); collection is on again after the block."""
    enabled, before = gc.isenabled(), len(sys.modules)
    gc.disable()
    try:
        yield
    finally:
        if len(sys.modules) > before:  # only after a first import: a long-lived caller does not pin its garbage
            gc.freeze()
        if enabled:
            gc.enable()


def _split(text: str | None) -> tuple[str, ...] | None:
    return tuple(c.strip() for c in text.split(",")) if text else None


def _model(name: str, device: str = "cpu"):
    """A bundled or saved model, or a one-line error naming what exists."""
    from .hub import load_model

    try:
        return load_model(name, device)
    except (FileNotFoundError, ValueError) as err:
        fail(str(err))


def _device(name: str) -> str:
    """'auto' -> cuda when available, else cpu; a named device that is absent is a one-line error."""
    import torch

    name = name.strip().lower()
    if name == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    if name == "cpu":
        return name
    if name == "cuda" or name.startswith("cuda:"):
        index = name.partition(":")[2]
        if not torch.cuda.is_available():
            fail(f"--device {name}: no CUDA GPU is available here (torch {torch.__version__}); use --device cpu")
        if index and (not index.isdigit() or int(index) >= torch.cuda.device_count()):
            fail(f"--device {name}: this machine has {torch.cuda.device_count()} CUDA device(s) (cuda:0..)")
        return name
    if name == "mps":
        if not torch.backends.mps.is_available():
            fail("--device mps: Apple MPS is not available here; use --device cpu")
        return name
    fail(f"unknown --device {name!r}; use auto, cpu, cuda, cuda:N or mps")
    return name


@app.command()
def simulate(
    inputs: list[Path] = typer.Argument(..., help="BVH/AMC/HumanML3D files (also .gz/.bz2/.xz each), folders or tar archives"),
    out: Path = typer.Option(..., "-o", "--out", help="output .npz"),
    noise: bool = typer.Option(False, "--noise", help="add Gaussian sensor noise (0.6 m/s^2, 0.017 rad/s)"),
    fps_out: float = typer.Option(20.0, "--fps-out", help="output rate in Hz"),
    offset_std: float = typer.Option(0.0, "--offset-std", help="random sensor offset from the joint, metres"),
    seed: int = typer.Option(0, "--seed", help="seed of the noise and offsets"),
) -> None:
    """Simulate virtual IMU at all 22 joints from motion capture."""
    import tarfile

    from rich.progress import track

    from .motion import expand_inputs
    from .simulate import SimConfig
    from .simulate_corpus import simulate_files

    _positive(fps_out, "--fps-out", "Hz")
    _writable(out, "--out")
    try:
        config = SimConfig(fps_out=fps_out, noise=noise, offset_std=offset_std, seed=seed)
    except ValueError as err:  # named by the option, not blamed on every file
        flags = {"SimConfig.fps_out": "--fps-out", "SimConfig.offset_std": "--offset-std", "SimConfig.seed": "--seed"}
        message = str(err)
        for field_name, flag in flags.items():
            message = message.replace(field_name, flag)
        fail(message)
    try:
        with expand_inputs(inputs) as files:
            if not files:
                fail(f"no motion files (.bvh, .amc, .npy, or compressed: .bvh.gz ...) found in {', '.join(map(str, inputs))}")
            corpus = simulate_files(files, config, lambda f: track(f, description="simulating", console=console))
            corpus.failures = [files.rename(line) for line in corpus.failures]
            corpus.trimmed = [files.rename(line) for line in corpus.trimmed]
            corpus.warnings = [files.rename(line) for line in corpus.warnings]
            corpus.sources = [files.name(s) for s in corpus.sources]
    except FileNotFoundError as err:
        fail(str(err))
    except (tarfile.TarError, EOFError, OSError) as err:
        fail(f"cannot unpack the archive ({str(err).splitlines()[0]}); check the file is a complete "
             f".tar(.gz/.xz/.bz2)")
    for line in corpus.failures:
        console.print(f"[yellow]skipped:[/yellow] {escape(line)}", highlight=False, soft_wrap=True)
    for line in corpus.trimmed:
        console.print(f"[yellow]trimmed:[/yellow] {escape(line)}", highlight=False, soft_wrap=True)
    for line in corpus.warnings:
        warn(line)
    if not len(corpus):
        fail("no file could be simulated")
    corpus.save(out)
    seconds = len(corpus.imu) / fps_out
    console.print(f"wrote {out}: {len(corpus)} clips, {seconds / 60:.1f} min of IMU at {fps_out:g} Hz, "
                  f"{len(corpus.failures)} skipped, {len(corpus.trimmed)} trimmed, {len(corpus.warnings)} warned about",
                  highlight=False)


datasets_app = typer.Typer(help="Real activity data sets (registry, windows, splits).", no_args_is_help=True)
app.add_typer(datasets_app, name="datasets")
DATA_HELP = "data folder (default $MOTIONFM_DATA or ../shared/data)"


def _load(name: str, data: Path | None):
    from . import har

    try:
        return har.load_dataset(name, root=data)
    except (ValueError, FileNotFoundError) as err:
        fail(str(err))


@datasets_app.command("list")
def datasets_list(data: Path = typer.Option(None, "--data", help=DATA_HELP)) -> None:
    """One line per registered data set: classes, subjects, windows, placement, rate."""
    from rich.table import Table

    from . import har

    table = Table("name", "classes", "subjects", "windows", "placement", "rate (Hz)", "channels", "zero-shot")
    for name, spec in har.REGISTRY.items():
        ws = _load(name, data)
        table.add_row(name, str(len(spec.classes)), str(len(set(ws.subject.tolist()))), str(len(ws)),
                      ", ".join(spec.placements), f"{spec.rate_hz:g}", "acc+gyro" if spec.has_gyro else "acc",
                      "no (names unknown)" if spec.supervised_only else "yes")
    out.print(table)


@datasets_app.command("show")
def datasets_show(name: str = typer.Argument(..., help="registered data set, e.g. uci-har"),
                  data: Path = typer.Option(None, "--data", help=DATA_HELP)) -> None:
    """Class names, split sizes and per-class counts of one data set."""
    from rich.table import Table

    from . import har

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
        also = (f" (and the last {spec.val_share:.0%} of each class's windows of subject(s) "
                f"{', '.join(map(str, spec.val_within))})" if split == "val" and spec.val_within else "")
        out.print(f"{split} subjects: {', '.join(map(str, subjects))}{also}")
    table = Table("class", "synonyms", *har.SPLITS, "total")
    counts = {s: ws.class_counts(s) for s in har.SPLITS}
    for k, cls in enumerate(spec.classes):
        table.add_row(cls, "; ".join(spec.synonyms.get(cls, ())), *(str(counts[s][k]) for s in har.SPLITS),
                      str(sum(counts[s][k] for s in har.SPLITS)))
    table.add_row("[bold]all[/bold]", "", *(str(counts[s].sum()) for s in har.SPLITS), str(len(ws)))
    out.print(table)


@app.command()
def classify(
    recording: Path = typer.Argument(..., help="CSV (.csv, .csv.gz, .tsv) or Parquet recording: time, ax, ay, az"
                                               "[, gx, gy, gz]; common column names are recognised"),
    labels: str = typer.Option(DEFAULT_LABELS, "--labels", help="comma-separated activity names (any words)"),
    placement: list[str] = typer.Option(None, "--placement", help="where the sensor was worn (default left_wrist, "
                                        "with a warning), e.g. "
                                        "waist, left_wrist, right_pocket, chest; several sensors in one file: "
                                        "repeat as SITE=ax,ay,az[,gx,gy,gz] (its columns), e.g. --placement "
                                        "right_ankle=a1,a2,a3 --placement lower_back=b1,b2,b3"),
    acc_units: str = typer.Option(None, "--acc-units", help="g, m/s2 or mg (default: guessed from gravity)"),
    gyro_units: str = typer.Option("rad/s", "--gyro-units", help="rad/s or deg/s (checked against gravity)"),
    acc_gravity: str = typer.Option("included", "--acc-gravity", help="included (total acceleration), or removed "
                                    "(linear / user acceleration of phone and watch APIs; needs --acc-units)"),
    window: float = typer.Option(10.0, "--window", help="window length in seconds"),
    stride: float = typer.Option(None, "--stride", help="seconds between window starts (default: --window)"),
    out_csv: Path = typer.Option(None, "--out", help="write per-window predictions to this CSV"),
    plot: Path = typer.Option(None, "--plot", help="write a timeline PNG"),
    model: str = typer.Option("default", "--model", help="bundled model name or model folder"),
    time_col: str = typer.Option("time", "--time-col", help="time column: seconds, ms, us, ns or dates"),
    acc_cols: str = typer.Option(None, "--acc-cols", help="accelerometer x,y,z columns (default ax,ay,az or a "
                                                          "common spelling)"),
    gyro_cols: str = typer.Option(None, "--gyro-cols", help="gyroscope x,y,z columns (default gx,gy,gz or a "
                                                            "common spelling; 'none' to ignore the gyroscope)"),
    fps: float = typer.Option(None, "--fps", help="sampling rate in Hz, when the file has no time column"),
    time_unit: str = typer.Option("auto", "--time-unit", help="unit of a numeric time column: s, ms, us, ns "
                                                              "(default: from the step size)"),
    full_table: bool = typer.Option(False, "--full-table", help=f"one row per window even above "
                                                                 f"{FULL_TABLE_ROWS} windows"),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="no progress bar and no table; only warnings, "
                                                            "errors and the files written"),
) -> None:
    """Classify a recording window by window with label names only (zero-shot)."""
    with _imports_without_gc():
        from .classify import write_predictions  # torch, numpy, pandas: the model's modules
        from .io import RecordingError, check_window, describe, read_recording, unclassified_tail

    names = _label_names(labels)
    _positive(window, "--window", "seconds")
    _positive(stride, "--stride", "seconds")
    _positive(fps, "--fps", "Hz")
    _writable(out_csv, "--out")
    _plot_path(plot)
    fmt = _recording_format(time_col, acc_cols, gyro_cols, acc_units, gyro_units, fps)
    fmt.acc_gravity, fmt.time_unit = acc_gravity, time_unit
    if not placement:
        warn("no --placement given: reading the recording as a watch on the left wrist (left_wrist); say where the "
             "sensor was worn, e.g. --placement waist, as the labels depend on it")
        placement = ["left_wrist"]
    sensors = _sensors(placement, acc_cols, gyro_cols)
    try:
        check_window(window, stride)
        rec = read_recording(recording, sensors, fmt)
        result = _classify(model, rec, names, window, stride, quiet)
    except (RecordingError, FileNotFoundError) as err:
        fail(str(err))
    if not quiet:
        console.print(describe(rec))
    _warn_recording(rec, acc_cols, gyro_cols)
    if not quiet:
        _print_result(result, full_table)
    missed = unclassified_tail(rec, result.start_s, window)
    if missed >= 0.05 and not quiet:
        console.print(f"note: {missed:.1f} s of {sum(b - a for a, b in rec.segments) / rec.fps:.1f} s not "
                      f"classified (tails shorter than one {window:g} s window); a shorter --window covers more")
    if out_csv:
        write_predictions(result, out_csv)
        console.print(f"wrote {out_csv}")
    if plot:
        from .plots import timeline
        timeline(result.start_s, result.start_s + window, names, result.scores.argmax(1), result.scores, plot,
                 f"{recording.name} ({rec.placement})")
        console.print(f"wrote {plot}")


def _recording_format(time_col, acc_cols, gyro_cols, acc_units, gyro_units, fps):
    from .io import RecordingFormat

    fmt = RecordingFormat(time_col=time_col, acc_units=acc_units, gyro_units=gyro_units, fps=fps)
    if acc_cols:
        fmt.acc_cols = _triple(acc_cols, "--acc-cols")
    if gyro_cols:
        fmt.gyro_cols = None if gyro_cols.strip().lower() == "none" else _triple(gyro_cols, "--gyro-cols")
    return fmt


def _sensors(placements: list[str], acc_cols: str | None, gyro_cols: str | None):
    """One placement name, or one SensorColumns per SITE=ax,ay,az[,gx,gy,gz] option."""
    from .io import SensorColumns

    groups = [p for p in placements if "=" in p]
    if not groups:
        if len(placements) > 1:
            fail("one --placement per file, or one --placement SITE=ax,ay,az[,gx,gy,gz] per sensor in it")
        return placements[0]
    if len(groups) < len(placements):
        fail("either one plain --placement, or SITE=columns for every sensor (got both kinds)")
    if acc_cols or gyro_cols:
        fail("with --placement SITE=columns the columns are named there; drop --acc-cols/--gyro-cols")
    out = []
    for text in groups:
        site, _, cols = text.partition("=")
        names = tuple(c for c in _split(cols) or () if c)
        if not site.strip() or len(names) not in (3, 6):
            fail(f"--placement {text!r}: give SITE=ax,ay,az or SITE=ax,ay,az,gx,gy,gz (3 or 6 column names)")
        out.append(SensorColumns(site.strip(), names[:3], names[3:] or None))
    return out


def _triple(text: str, flag: str) -> tuple[str, str, str]:
    names = tuple(c for c in _split(text) or () if c)
    if len(names) != 3:
        fail(f"{flag} takes three comma-separated column names (x,y,z); got {text!r}")
    return names  # type: ignore[return-value]


def _warn_recording(rec, acc_cols: str | None, gyro_cols: str | None) -> None:
    for line in rec.warnings:
        warn(line)
    if acc_cols and not gyro_cols and not rec.has_gyro and not any("gyro" in w for w in rec.warnings):
        warn("--acc-cols given without --gyro-cols and no gx, gy, gz in the file: using the accelerometer only "
             "(name the gyroscope with --gyro-cols, or --gyro-cols none to silence this)")


def _classify(model: str, rec, names: list[str], window: float, stride: float | None, quiet: bool):
    from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn

    from .classify import classify_recording

    net = _model(model)  # a missing model is a one-line error before any work
    trained = getattr(net, "metadata", {}).get("pretrain_config", {}).get("gravity_removal", 0.0)
    if rec.acc_gravity == "removed" and not trained:
        warn(f"model {model} was pre-trained on acceleration with gravity only; gravity-free input costs accuracy "
             f"(README, 'Gravity-free acceleration')")
    total = sum(b - a for a, b in rec.segments) / rec.fps
    with Progress(TextColumn("classifying"), BarColumn(), TextColumn("{task.percentage:>3.0f}%"),
                  TimeRemainingColumn(), console=console, transient=True,
                  disable=quiet or not console.is_terminal) as bar:
        task = bar.add_task("classifying", total=total)
        return classify_recording(net, rec, names, window, stride, progress=lambda s: bar.advance(task, s))


def _print_result(result, full_table: bool) -> None:
    from rich.table import Table

    from .classify import runs, summary

    clock = result.start_time is not None
    if full_table or len(result.start_s) <= FULL_TABLE_ROWS:
        table = Table(*(["time"] if clock else []), "start (s)", "label", "score", "2nd", "score")
        for row in result.rows():
            table.add_row(*([row["start_time"][:19]] if clock else []), f"{row['start_s']:.0f}", row["label"],
                          f"{row['score']:.2f}", row["second"], f"{row['second_score']:.2f}")
    else:
        table = Table(*(["time"] if clock else []), "start (s)", "end (s)", "label", "windows", "mean score",
                      title=f"{len(result.start_s)} windows as runs of one label (--full-table for every window)")
        merged = runs(result)
        stamps = result.clock([r["start_s"] for r in merged])
        for row, stamp in zip(merged, stamps):
            table.add_row(*([stamp.isoformat()[:19]] if clock else []), f"{row['start_s']:.0f}",
                          f"{row['end_s']:.0f}", row["label"], str(row["windows"]), f"{row['score']:.2f}")
    out.print(table)
    out.print(SCORE_NOTE)
    for name, seconds in summary(result).items():
        out.print(f"{name:>24s}: {seconds:6.0f} s")


def _whole_numbers(text: str, flag: str, minimum: int = 1) -> tuple[int, ...]:
    """Comma-separated whole numbers >= minimum, or a one-line error."""
    try:
        values = tuple(int(k) for k in (_split(text) or ()))
    except ValueError:
        values = ()
    if not values or min(values) < minimum:
        fail(f"{flag} takes comma-separated whole numbers >= {minimum}, e.g. 1,2,5; got {text!r}")
    return values


def _label_names(text: str | None) -> list[str]:
    """--labels as a list: at least two, no two the same (case and spacing aside), or a one-line error."""
    names = [n for n in _split(text) or () if n]
    if len(names) < 2:
        fail("give at least two comma-separated --labels")
    try:
        check_distinct_labels(names)
    except ValueError as err:
        fail(f"--labels: {err}")
    return names


def _names_once(text: str | None, flag: str) -> tuple[str, ...]:
    """The comma-separated names of an option, blanks dropped; a one-line error for a name given twice."""
    names = tuple(v for v in (_split(text) or ()) if v)
    twice = sorted({n for n in names if names.count(n) > 1})
    if twice:
        fail(f"{flag} names {', '.join(twice)} more than once; give each once")
    return names


def _check_fine_tune_options(lr_head: float, lr_encoder: float, min_steps: int, fine_tune_seeds: int) -> None:
    """One-line errors for learning rates that are not positive finite numbers and negative step/seed counts."""
    import math

    for flag, value in (("--lr-head", lr_head), ("--lr-encoder", lr_encoder)):
        if not (math.isfinite(value) and 0 < value <= 1):
            fail(f"{flag} must be a learning rate above 0 and at most 1; got {value}")
    for flag, value in (("--min-steps", min_steps), ("--fine-tune-seeds", fine_tune_seeds)):
        if value < 0:
            fail(f"{flag} must be 0 or more; got {value}")


@app.command()
def evaluate(
    model: str = typer.Option("default", "--model", help="bundled model name or model folder"),
    datasets: str = typer.Option("uci-har,dsads,usc-had,utd-mhad,wharf", "--datasets",
                                 help="comma-separated registered data sets (motionfm datasets list)"),
    settings: str = typer.Option("zero-shot,few-shot,full-shot", "--settings",
                                 help="comma-separated: zero-shot, few-shot, full-shot"),
    adapt: str = typer.Option("probe,fine-tune", "--adapt", help="probe (on cached embeddings) and/or fine-tune (LP-FT)"),
    fine_tune_settings: str = typer.Option("few-shot,full-shot", "--fine-tune-settings",
                                           help="settings that get fine-tuning (e.g. full-shot alone on a CPU)"),
    features: str = typer.Option("motionfm", "--features", help="motionfm, and/or motionfm+minirocket (a fused row)"),
    shots: str = typer.Option("1,2,3,5,10", "--shots", help="k labelled windows per class for few-shot"),
    seeds: int = typer.Option(3, "--seeds", help="repetitions with different seeds (few/full-shot, probe)"),
    fine_tune_seeds: int = typer.Option(0, "--fine-tune-seeds", help="seeds of fine-tuned cells (0: --seeds)"),
    baselines: str = typer.Option("random-init,minirocket,majority", "--baselines", help="comma-separated, or 'none'"),
    epochs: int = typer.Option(30, "--epochs", help="fine-tuning epochs (early stopping on validation subjects)"),
    patience: int = typer.Option(5, "--patience", help="validations without improvement, after --min-steps"),
    min_steps: int = typer.Option(150, "--min-steps", help="fine-tuning updates before early stopping may stop"),
    max_steps: int = typer.Option(3000, "--max-steps", help="cap on fine-tuning updates"),
    validate_every: int = typer.Option(25, "--validate-every", help="fine-tuning steps between validations"),
    batch_size: int = typer.Option(64, "--batch-size", help="fine-tuning batch (class-balanced)"),
    lr_head: float = typer.Option(1e-3, "--lr-head", help="fine-tuning learning rate of the classifier head"),
    lr_encoder: float = typer.Option(1e-4, "--lr-encoder", help="fine-tuning learning rate of the encoder"),
    max_windows: int = typer.Option(0, "--max-windows", help="cap each split at this many windows, evenly spaced "
                                    "(0: all); with leave-one-dataset-out, each test split"),
    device: str = typer.Option("auto", "--device", help="auto, cpu, cuda, cuda:N or mps"),
    out_dir: Path = typer.Option(Path("eval"), "--out", help="folder for results.json, results.md and PNGs"),
    resume: bool = typer.Option(False, "--resume", help="keep the results already in OUT/results.json"),
    report_only: bool = typer.Option(False, "--report-only",
                                     help="run nothing: rewrite results.md and the few-shot PNGs from OUT/results.json"),
    protocol: str = typer.Option("standard", "--protocol",
                                 help="standard, or leave-one-dataset-out (zero-shot of a --family)"),
    family: Path = typer.Option(None, "--family", help="folder written by motionfm pretrain-family"),
    prompts: str = typer.Option("ensemble", "--prompts", help="leave-one-dataset-out label prompts: ensemble, "
                                "text-mean or name"),
    acc_gravity: str = typer.Option("included", "--acc-gravity", help="included, or removed: every data set's "
                                    "gravity taken out as a phone's linear acceleration is (a test of that input)"),
    probe_layers: str = typer.Option("blocks", "--probe-layers", help="features of the probe, fused rows and LP-FT "
                                     "head (model and random-init alike): blocks (every ST-GCN block pooled) or last"),
) -> None:
    """Score a model and its baselines with one protocol: results.json, results.md, confusion and few-shot PNGs."""
    from rich.progress import Progress

    from .labels import PROMPT_MODES

    if max_windows < 0:
        fail(f"--max-windows must be 0 (all windows) or more; got {max_windows}")
    if prompts not in PROMPT_MODES:
        fail(f"unknown --prompts {prompts!r}; use {', '.join(PROMPT_MODES)}")
    if protocol != "standard":
        return _evaluate_family(protocol, family, datasets, prompts, device, out_dir, max_windows)
    if prompts != "ensemble":
        fail("--prompts chooses the leave-one-dataset-out protocol's prompts; the standard protocol's zero-shot "
             "uses its own (drop --prompts, or add --protocol leave-one-dataset-out)")

    from . import har
    from .adapt import FineTuneConfig
    from .evaluate import ADAPTATIONS, BASELINES, FEATURES, PROBE_LAYERS, SETTINGS, EvalConfig, Evaluator, plan, run

    names = [d for d in _split(datasets) or () if d]
    if not names:
        fail("--datasets names no data set; see motionfm datasets list")
    try:
        har.registry_names(names)  # unknown names, or one data set twice in any spelling
    except ValueError as err:
        fail(str(err))
    extra = [] if baselines == "none" else list(_split(baselines) or ())
    lists = {}
    for option, text, allowed in (("setting", settings, SETTINGS), ("--adapt value", adapt, ADAPTATIONS),
                                  ("fine-tune setting", fine_tune_settings, SETTINGS),
                                  ("--features value", features, FEATURES), ("baseline", ",".join(extra), BASELINES)):
        lists[option] = list(_names_once(text, option))
        if set(lists[option]) - set(allowed):
            fail(f"unknown {option}(s) {', '.join(sorted(set(lists[option]) - set(allowed)))}; use {', '.join(allowed)}"
                 + (" or none" if option == "baseline" else ""))
    from .gravity import ACC_GRAVITY

    if acc_gravity not in ACC_GRAVITY:
        fail(f"unknown --acc-gravity {acc_gravity!r}; use {' or '.join(ACC_GRAVITY)}")
    if probe_layers not in PROBE_LAYERS:
        fail(f"unknown --probe-layers {probe_layers!r}; use {' or '.join(PROBE_LAYERS)}")
    if not lists["setting"]:
        fail(f"--settings names no setting; use {', '.join(SETTINGS)}")
    if not lists["--adapt value"] and set(lists["setting"]) - {"zero-shot"}:
        fail(f"--adapt names no adaptation for {', '.join(s for s in lists['setting'] if s != 'zero-shot')}; use "
             f"{', '.join(ADAPTATIONS)}")
    _check_fine_tune_options(lr_head, lr_encoder, min_steps, fine_tune_seeds)
    k_shots = _whole_numbers(shots, "--shots")
    for flag, value in (("--seeds", seeds), ("--epochs", epochs), ("--patience", patience), ("--max-steps", max_steps),
                        ("--validate-every", validate_every), ("--batch-size", batch_size)):
        if value < 1:
            fail(f"{flag} must be a whole number >= 1; got {value}")
    if ("minirocket" in extra or "motionfm+minirocket" in lists["--features value"]):
        try:
            import aeon  # noqa: F401
        except ImportError:
            fail("MiniRocket needs aeon: pip install 'motionfm[baselines]' (or leave out minirocket)")
    if report_only:
        return _report_only(out_dir, model)
    _writable(out_dir, "--out", folder=True)
    dev = _device(device)
    ft = FineTuneConfig(epochs=epochs, patience=patience, min_steps=min_steps, max_steps=max_steps,
                        validate_every=validate_every, batch_size=batch_size, lr_head=lr_head, lr_encoder=lr_encoder)
    config = EvalConfig(list(names), lists["setting"], k_shots, seeds, extra, ft, dev,
                        lists["--adapt value"], lists["fine-tune setting"], fine_tune_seeds or None,
                        lists["--features value"], max_windows=max_windows, acc_gravity=acc_gravity,
                        probe_layers=probe_layers)
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
        try:
            results = run(evaluator, tasks, out_dir, done, resume)
        except ValueError as err:
            fail(str(err))
    _write_report(out_dir, model, results, evaluator.config.describe(), evaluator.confusions)


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


MIN_TSNE = 3  # t-SNE needs more points than its perplexity (at least 2)


def _evaluate_family(protocol: str, family: Path | None, datasets: str, prompts: str, device: str,
                     out_dir: Path, max_windows: int = 0) -> None:
    """motionfm evaluate --protocol leave-one-dataset-out: the family's zero-shot table."""
    from .evaluate.leave_one_out import PROTOCOL, leave_one_out, markdown, write_report

    if protocol != PROTOCOL:
        fail(f"unknown protocol {protocol!r}; use standard or {PROTOCOL}")
    if family is None:
        fail(f"--protocol {PROTOCOL} needs --family DIR (a folder written by motionfm pretrain-family)")
    _writable(out_dir, "--out", folder=True)
    dev = _device(device)

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


def _report_only(out_dir: Path, model: str) -> None:
    import json

    path = out_dir / "results.json"
    if not path.exists():
        fail(f"{path} does not exist: run motionfm evaluate --out {out_dir} first")
    try:
        saved = json.loads(path.read_text())
    except (json.JSONDecodeError, UnicodeDecodeError) as err:
        fail(f"{path}: not valid JSON ({err})")
    records, settings = (saved.get("records"), saved.get("settings")) if isinstance(saved, dict) else (saved, None)
    if not isinstance(records, list) or not all(isinstance(r, dict) for r in records):
        fail(f"{path}: not a results.json written by motionfm evaluate (no list of results)")
    if records and all("column" in r and "setting" not in r for r in records):
        fail(f"{path}: a leave-one-dataset-out result (its results.md is written by evaluate --protocol "
             f"leave-one-dataset-out); --report-only rewrites standard-protocol results")
    if not all({"dataset", "setting"} <= set(r) for r in records):
        fail(f"{path}: not a results.json written by motionfm evaluate (a result without 'dataset' or 'setting')")
    _write_report(out_dir, model, records, settings or {}, {})


@app.command()
def embed(
    dataset: str = typer.Argument(..., help="registered data set"),
    model: str = typer.Option("default", "--model", help="bundled model name or model folder"),
    split: str = typer.Option("test", "--split", help="train, val or test"),
    plot: Path = typer.Option(Path("tsne.png"), "--plot", help="t-SNE PNG coloured by class"),
    out_npz: Path = typer.Option(None, "--out", help="also save embeddings and labels to .npz"),
    limit: int = typer.Option(2000, "--limit", help=f"at most this many windows (evenly spaced; >= {MIN_TSNE})"),
) -> None:
    """Embed a data set's windows with a model and plot them (t-SNE coloured by class)."""
    import numpy as np

    from . import har
    from .adapt import embed as embed_windows
    from .atomic import atomic_path
    from .plots import tsne_plot

    if split not in har.SPLITS:
        fail(f"unknown split {split!r}; use {', '.join(har.SPLITS)}")
    if limit < MIN_TSNE:
        fail(f"--limit must be at least {MIN_TSNE} (a t-SNE plot needs that many windows); got {limit}")
    _plot_path(plot)
    _writable(out_npz, "--out")
    ws = _load(dataset, None)
    idx = np.nonzero(ws.split == split)[0]
    if len(idx) < MIN_TSNE:
        fail(f"{dataset} has {len(idx)} {split} windows; t-SNE needs {MIN_TSNE}: choose another --split")
    idx = idx[np.linspace(0, len(idx) - 1, min(limit, len(idx))).astype(int)]
    net = _model(model)
    from .orientation import windows_for

    emb = embed_windows(net, windows_for(net, ws).canonical(idx)).numpy()
    if out_npz:
        with atomic_path(out_npz, suffix=".npz") as tmp:
            np.savez(tmp, embeddings=emb, y=ws.y[idx], class_names=np.array(ws.class_names))
    tsne_plot(emb, ws.y[idx], ws.class_names, plot, f"{dataset} ({split}, {len(idx)} windows) - {model}")
    console.print(f"wrote {plot}")


@app.command()
def export(
    onnx: Path = typer.Option(..., "--onnx", help="output .onnx file"),
    model: str = typer.Option("default", "--model", help="bundled model name or model folder"),
    opset: int = typer.Option(17, "--opset", help="ONNX opset version (14..20)"),
    labels: str = typer.Option(DEFAULT_LABELS, "--labels",
                               help="labels whose embedding matrix is stored in the file (zero-shot without "
                                    "Python); 'none' to leave it out"),
) -> None:
    """Export the IMU encoder to ONNX with its input contract and label embeddings; compare with PyTorch."""
    from .export import check_onnx, export_onnx

    if not 14 <= opset <= 20:
        fail(f"--opset must be between 14 and 20 (the exporter's range); got {opset}")
    names = [] if labels.strip().lower() == "none" else _label_names(labels)
    _writable(onnx, "--onnx")
    net = _model(model)
    try:
        export_onnx(net, onnx, opset=opset, labels=names)
    except (ValueError, FileNotFoundError) as err:  # e.g. the model's text encoder cannot be loaded here
        fail(str(err))
    try:
        diff = check_onnx(net, onnx)
    except ImportError:
        console.print(f"wrote {onnx} (not checked: pip install 'motionfm[onnx]' for onnxruntime)")
        return
    console.print(f"wrote {onnx}; max abs difference from PyTorch on random windows: {diff:.2e}")
    if not diff <= 1e-4:  # NaN too
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
    datasets: str = typer.Option("uci-har,dsads,usc-had,utd-mhad,wharf", "--datasets",
                                 help="data sets to leave out in turn"),
    sim_only: bool = typer.Option(True, "--sim-only/--no-sim-only", help="also train the simulation-only model"),
    only: str = typer.Option(None, "--only", help="comma-separated members to train (e.g. without-dsads,sim-only)"),
    steps: int = typer.Option(None, "--steps", help="override the number of steps (the same for every member)"),
    overwrite: bool = typer.Option(False, "--overwrite", help="train every member again from scratch"),
) -> None:
    """Train the leave-one-data-set-out family (one model per left-out data set, plus sim-only) with one
    schedule; members already trained are kept, interrupted ones continue from their checkpoint."""
    from .pretrain import PretrainConfig
    from .pretrain.family import train_family

    names = [d for d in _split(datasets) or () if d]  # twice (in any spelling): train_family says so
    if not names:
        fail("--datasets names no data set to leave out; see motionfm datasets list")
    members = _names_once(only, "--only")
    if only is not None and not members:
        fail("--only names no member (e.g. --only without-dsads,sim-only); leave it out to train them all")
    if out_dir.exists() and not out_dir.is_dir():
        fail(f"--out-dir {out_dir} is a file; give a folder for the family")
    try:
        cfg = PretrainConfig.from_file(config)
        cfg = cfg.replace(steps=steps) if steps is not None else cfg
        statuses = train_family(cfg, out_dir, list(names), sim_only, list(members),
                                overwrite, on_member=lambda name, status: console.print(f"{name}: {status}"))
    except (OSError, ValueError, TypeError) as err:
        fail(str(err))
    if "interrupted" in statuses.values():
        console.print(f"interrupted: run the same command again to continue ({out_dir})")
        raise typer.Exit(130)
    console.print(f"family in {out_dir}: {', '.join(f'{k} {v}' for k, v in statuses.items())}")


OPENMP_SPINCOUNT = "10000"  # GOMP_SPINCOUNT unless the user set one (benchmarks/bench_openmp_spin.py)


def limit_openmp_spinning(environ: dict | None = None) -> None:
    """Set GOMP_SPINCOUNT (libgomp, torch's OpenMP on Linux) to OPENMP_SPINCOUNT where it is unset; before
    torch is imported. Idle OpenMP threads then spin ~10k iterations instead of libgomp's default 300k before
    sleeping: on a 2-core CPU two motionfm jobs at once trained at 30 windows/s each by default, 126 with this
    (4.25x), while one job alone kept its speed (1.00x; benchmarks/bench_openmp_spin.py, benchmarks/README.md)."""
    import os

    env = os.environ if environ is None else environ
    env.setdefault("GOMP_SPINCOUNT", OPENMP_SPINCOUNT)


def main() -> None:
    """Console entry point (`motionfm`, `python -m motionfm`): the app, then, whatever the exit, the objects
    alive are frozen out of the collector so that interpreter shutdown skips its pass over torch's millions of
    objects (0.3-0.5 s of every command's wall time; memory is returned to the system at exit either way)."""
    limit_openmp_spinning()
    try:
        app()
    finally:
        gc.freeze()


if __name__ == "__main__":
    main()
