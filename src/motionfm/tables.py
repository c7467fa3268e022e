"""Read a sensor table from CSV (any common dialect, optionally gzipped) or Parquet, and find its columns.

CSV dialects seen in phone, watch and logger exports: ',' ';' or tab delimiters, decimal commas (with ';'
or tab), metadata lines above the header (ActiGraph), and many spellings of the same column (acc_x,
Accelerometer X, AccX, userAcceleration.x, ...). Column names match case-, space- and punctuation-insensitively.
Every failure is a TableError with one line that says what to change.
"""

from __future__ import annotations

import csv
import gzip
import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

CSV_CHUNK_ROWS = 1_000_000
HEAD_BYTES = 64 * 1024  # how much of a CSV is looked at to find its dialect and header
CSV_SUFFIXES = (".csv", ".txt", ".tsv", ".csv.gz", ".txt.gz", ".tsv.gz")
PARQUET_SUFFIXES = (".parquet", ".pq")
AXES = ("x", "y", "z")
# Normalised column names (see key()) per quantity; {a} is the axis letter.
ACC_NAMES = ("a{a}", "acc{a}", "accel{a}", "acceleration{a}", "accelerometer{a}", "accelerometer{a}axis",
             "acc{a}axis", "total{a}", "totalacceleration{a}", "rawacc{a}", "accelerometerraw{a}")
USER_ACC_NAMES = ("useracceleration{a}", "linearacceleration{a}", "useracc{a}")  # gravity removed
GRAVITY_NAMES = ("gravity{a}", "grav{a}")
GYRO_NAMES = ("g{a}", "gyr{a}", "gyro{a}", "gyroscope{a}", "rotationrate{a}", "angularvelocity{a}", "w{a}",
              "omega{a}", "gyro{a}axis", "gyroscope{a}axis")
TIME_NAMES = ("time", "timestamp", "timestamps", "t", "ts", "datetime", "date", "loggingtime", "unixtime",
              "epoch", "timems", "timestampms", "times", "timeseconds", "seconds")


class TableError(ValueError):
    """The file cannot be read as a sensor table; the message says what to change."""


@dataclass
class Table:
    """A read table with what was learnt about its file: header line (0-based), metadata lines, rate hint."""

    frame: pd.DataFrame
    header_line: int = 0
    metadata: list[str] = field(default_factory=list)
    fps_hint: float | None = None  # a rate stated in the metadata (ActiGraph: "... at 30 Hz ...")

    def file_line(self, row: int) -> int:
        """1-based line of the file holding data row ``row`` (0-based) of a CSV."""
        return self.header_line + 2 + row


def key(name: object) -> str:
    """Normalised column name: lower case, a trailing '(unit)' or '[unit]' dropped, only letters and digits."""
    text = re.sub(r"[\(\[][^\)\]]*[\)\]]\s*$", "", str(name).strip().lower())
    return re.sub(r"[^0-9a-z]", "", text)


def _is_gzip(path: Path) -> bool:
    return path.name.lower().endswith(".gz")


def _head(path: Path) -> bytes:
    opener = gzip.open if _is_gzip(path) else open
    try:
        with opener(path, "rb") as f:
            return f.read(HEAD_BYTES)
    except (OSError, EOFError) as err:
        raise TableError(f"{path}: cannot be read ({err}); is it a complete .gz file?") from None


def _check_text(path: Path, head: bytes) -> str:
    if not head.strip():
        raise TableError(f"{path}: the file is empty; export the recording again")
    if head[:2] == b"\x1f\x8b":
        raise TableError(f"{path}: the file is gzip-compressed but named {path.suffix}; rename it to "
                         f"{path.name}.gz")
    if head[:4] == b"PAR1":
        raise TableError(f"{path}: the file is Parquet but named {path.suffix}; rename it to {path.stem}.parquet")
    if b"\x00" in head or head[:2] in (b"PK", b"\xff\xfe", b"\xfe\xff"):
        raise TableError(f"{path}: the file is binary (not CSV text); export it as CSV or Parquet")
    try:
        return head.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        if err.start < len(head) - 4:  # not merely a character cut at the end of the head
            return head.decode("latin-1")
        return head[:err.start].decode("utf-8-sig")


def _fields(line: str, sep: str) -> int:
    return len(next(csv.reader([line], delimiter=sep))) if line.strip() else 0


_NUMBER_COMMA = re.compile(r"^\s*[-+]?\d+,\d+([eE][-+]?\d+)?\s*$")


def sniff(path: Path, text: str) -> tuple[str, str, int, list[str]]:
    """(delimiter, decimal mark, header line, metadata lines above it) from the start of a CSV text."""
    lines = text.splitlines()[:-1] if len(text) >= HEAD_BYTES else text.splitlines()
    body = [ln for ln in lines if ln.strip()][-20:]
    best, best_n = ",", 0
    for sep in ("\t", ";", ",", "|"):  # ',' last but one: decimal commas split a ';' or tab file evenly too
        counts = {_fields(ln, sep) for ln in body}
        if len(counts) == 1 and min(counts) >= 2:
            best, best_n = sep, min(counts)
            break
    if best_n < 2:
        raise TableError(f"{path}: no delimiter (',', ';', tab) splits the lines into columns; is it a CSV?")
    header = next(k for k, ln in enumerate(lines) if _fields(ln, best) == best_n)
    while header + 1 < len(lines) and _fields(lines[header + 1], best) == best_n and \
            not _looks_like_header(lines[header], best) and _looks_like_header(lines[header + 1], best):
        header += 1
    if not _looks_like_header(lines[header], best):
        raise TableError(f"{path}: no header line naming the columns (line {header + 1} is data); add one, "
                         f"e.g. time,ax,ay,az,gx,gy,gz")
    sample = [c for ln in lines[header + 1:header + 50] for c in next(csv.reader([ln], delimiter=best), [])]
    decimal = "," if best != "," and any(_NUMBER_COMMA.match(c) for c in sample) else "."
    return best, decimal, header, [ln for ln in lines[:header] if ln.strip()]


def _looks_like_header(line: str, sep: str) -> bool:
    cells = next(csv.reader([line], delimiter=sep), [])
    return any(re.search(r"[A-Za-z]", c) for c in cells) and not all(_is_number(c) for c in cells if c.strip())


def _is_number(text: str) -> bool:
    try:
        float(text.replace(",", "."))
        return True
    except ValueError:
        return False


def _fps_hint(metadata: list[str]) -> float | None:
    for line in metadata:
        m = re.search(r"(\d+(?:\.\d+)?)\s*hz", line, re.IGNORECASE)
        if m:
            return float(m.group(1))
    return None


def read_table(path: str | Path, usecols: list[str] | None = None, nrows: int | None = None,
               float32: tuple[str, ...] = ()) -> Table:
    """Read a CSV (optionally .gz) or Parquet sensor table, or raise TableError naming the fix.

    ``usecols`` reads only those columns, ``nrows`` only the first rows (a peek at names and types), and
    columns in ``float32`` are stored as float32 (half the memory of a long recording; empty cells become NaN,
    and a cell that is neither empty nor a number is a TableError naming its row).
    """
    path = Path(path)
    if not path.exists():
        raise TableError(f"{path}: no such file")
    if path.is_dir():
        raise TableError(f"{path}: is a folder; give one CSV or Parquet recording file")
    name = path.name.lower()
    if name.endswith(PARQUET_SUFFIXES):
        return Table(_float32(_read_parquet(path, usecols, nrows, float32), float32, None, "."))
    if not name.endswith(CSV_SUFFIXES):
        raise TableError(f"{path}: unsupported file type {path.suffix!r}; use .csv, .csv.gz, .tsv or .parquet")
    sep, decimal, header, metadata = sniff(path, _check_text(path, _head(path)))
    options = dict(sep=sep, decimal=decimal, skiprows=header, skipinitialspace=True, nrows=nrows,
                   compression="gzip" if _is_gzip(path) else None, low_memory=False)
    try:
        columns = None
        if usecols is not None:  # names as the file spells them (headers may carry spaces)
            head = pd.read_csv(path, **{**options, "nrows": 0})
            columns = [c for c in head.columns if str(c).strip() in usecols]
        dtype = {c: np.float32 for c in columns or () if str(c).strip() in float32}
        try:
            frame = _read_csv_columns(path, options, columns, dtype)
        except ValueError:  # a cell that is not a number: read as text, checked below
            frame = _read_csv_columns(path, options, columns, {})
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError, OSError, EOFError) as err:
        raise TableError(f"{path}: not a readable CSV ({str(err).splitlines()[0]}); check the file") from None
    frame.columns = [str(c).strip() for c in frame.columns]
    return Table(_float32(frame, float32, header, decimal), header, metadata, _fps_hint(metadata))


def _read_csv_columns(path: Path, options: dict, columns: list[str] | None, dtype: dict) -> pd.DataFrame:
    """pd.read_csv a million rows at a time, each column joined once (memory: the result plus one column)."""
    if options.get("nrows") is not None or columns is None:
        return pd.read_csv(path, usecols=columns, dtype=dtype, **options)
    parts: dict[str, list[np.ndarray]] = {}
    with pd.read_csv(path, usecols=columns, dtype=dtype, chunksize=CSV_CHUNK_ROWS, **options) as reader:
        for chunk in reader:
            for c in chunk.columns:
                parts.setdefault(c, []).append(chunk[c].to_numpy())
    if not parts:
        return pd.read_csv(path, usecols=columns, dtype=dtype, **{**options, "nrows": 0})
    out = {}
    for c in list(parts):
        out[c] = np.concatenate(parts.pop(c))
    return pd.DataFrame(out, copy=False)


MISSING_TEXT = ("", "nan", "na", "n/a", "null", "none", "-")  # cells read as missing values


def _float32(frame: pd.DataFrame, names: tuple[str, ...], header: int | None, decimal: str) -> pd.DataFrame:
    """The ``names`` columns of ``frame`` as float32: empty cells NaN, a cell that is not a number a TableError
    naming it (row from 0 and, for a CSV whose header is on 0-based line ``header``, the file line). Text
    cells are read with the file's ``decimal`` mark."""
    for c in names:
        if c not in frame.columns or frame[c].dtype == np.float32:
            continue
        if pd.api.types.is_numeric_dtype(frame[c]):
            frame[c] = frame[c].astype(np.float32)
        else:
            text = frame[c].astype(str).str.strip()
            values = pd.to_numeric(text.str.replace(decimal, ".", regex=False) if decimal != "." else text,
                                   errors="coerce")
            bad = values.isna().to_numpy() & frame[c].notna().to_numpy() & \
                ~text.str.lower().isin(MISSING_TEXT).to_numpy()
            if bad.any():
                row = int(np.argmax(bad))
                line = f" (file line {header + 2 + row})" if header is not None else ""
                raise TableError(f"column {c} holds {frame[c].iloc[row]!r} at row {row}{line}, which is not a "
                                 f"number; fix or drop such rows ({int(bad.sum())} of {len(frame)})")
            frame[c] = values.astype(np.float32)
    return frame


def _read_parquet(path: Path, usecols: list[str] | None = None, nrows: int | None = None,
                  float32: tuple[str, ...] = ()) -> pd.DataFrame:
    if path.stat().st_size == 0:
        raise TableError(f"{path}: the file is empty; export the recording again")
    try:
        if nrows is not None:
            import pyarrow.parquet as pq

            batch = next(pq.ParquetFile(path).iter_batches(batch_size=nrows, columns=usecols), None)
            return batch.to_pandas() if batch is not None else pd.DataFrame()
        if usecols is None:
            return pd.read_parquet(path)
        import pyarrow.parquet as pq

        import pyarrow as pa

        file = pq.ParquetFile(path)  # numbers filled row group by row group into one array per column
        n, schema, columns = file.metadata.num_rows, file.schema_arrow, {}
        for c in usecols:
            kind = schema.field(c).type
            if not (pa.types.is_floating(kind) or pa.types.is_integer(kind)):
                columns[c] = file.read(columns=[c]).column(0).to_pandas()
                continue
            values, pos = np.empty(n, dtype=np.float32 if c in float32 else np.float64), 0
            for g in range(file.num_row_groups):
                part = file.read_row_group(g, columns=[c]).column(0).to_numpy(zero_copy_only=False)
                values[pos:pos + len(part)] = part
                pos += len(part)
            columns[c] = values
        pa.default_memory_pool().release_unused()
        return pd.DataFrame(columns, copy=False)
    except ImportError as err:
        raise TableError(f"{path}: reading Parquet needs pyarrow ({err}); pip install pyarrow") from None
    except Exception as err:  # pyarrow raises its own types (ArrowInvalid, OSError) for damaged files
        message = str(err).splitlines()[0] if str(err) else type(err).__name__
        raise TableError(f"{path}: not a readable Parquet file ({message}); export it again") from None


def find(columns: list[str], wanted: tuple[str, ...]) -> tuple[str, ...] | None:
    """The file's columns named ``wanted`` (exactly, else case/space/punctuation-insensitively), or None."""
    if all(c in columns for c in wanted):
        return wanted
    keys = {}
    for c in columns:
        keys.setdefault(key(c), c)
    found = tuple(keys.get(key(w)) for w in wanted)
    return found if all(found) else None  # type: ignore[return-value]


def find_triplet(columns: list[str], patterns: tuple[str, ...]) -> tuple[str, str, str] | None:
    """The first x/y/z column triple matching one of ``patterns`` (normalised names with {a} for the axis)."""
    for pattern in patterns:
        found = find(columns, tuple(pattern.format(a=a) for a in AXES))
        if found:
            return found  # type: ignore[return-value]
    return None


def find_time(columns: list[str]) -> str | None:
    """The file's time column under a common name, or None."""
    for name in TIME_NAMES:
        found = find(columns, (name,))
        if found:
            return found[0]
    return None
