"""Label vocabulary in Chinese and English: one place for every word a figure, map or report shows.

Keys are dotted, grouped by idea:

``lisa.*``
    LISA cluster classes: ``HH`` 高-高, ``LL`` 低-低, ``LH`` 低-高, ``HL`` 高-低, ``ns`` 不显著,
    ``neighborless`` 无邻居 (a unit without neighbours has no local statistic).
``sig.*``
    Significance-map classes (GeoDa's): ``ns``, ``p0.05``, ``p0.01``, ``p0.001``, ``p0.0001``,
    ``neighborless``.
``gi.*``
    Getis-Ord Gi* hot/cold spots at 90/95/99 % confidence: ``hot99`` ... ``cold90``, ``ns``.
``zone6.*``, ``region3.*``, ``region4.*``
    Region groupings of :mod:`spatialhealth.regions` (``zone6.south_central`` 中南 ...).
``title.*``, ``axis.*``, ``legend.*``, ``map.*``, ``tooltip.*``, ``report.*``, ``measure.*``
    Figure titles, axis labels, map furniture, tooltip field names, report headings and
    measure names.

Use :func:`label` for one word, :func:`labels` for a whole group (e.g. a legend).
"""

from __future__ import annotations

from .errors import InputError

__all__ = ["LANGS", "VOCABULARY", "check_lang", "label", "labels"]

LANGS = ("zh", "en")

# key: (zh, en)
VOCABULARY: dict[str, tuple[str, str]] = {
    # LISA clusters (GeoDa order: HH, LL, LH, HL)
    "lisa.HH": ("高-高", "High-High"),
    "lisa.LL": ("低-低", "Low-Low"),
    "lisa.LH": ("低-高", "Low-High"),
    "lisa.HL": ("高-低", "High-Low"),
    "lisa.ns": ("不显著", "Not significant"),
    "lisa.neighborless": ("无邻居", "Neighborless"),
    "lisa.no_data": ("无数据", "No data"),
    # significance map
    "sig.ns": ("不显著", "Not significant"),
    "sig.p0.05": ("p = 0.05", "p = 0.05"),
    "sig.p0.01": ("p = 0.01", "p = 0.01"),
    "sig.p0.001": ("p = 0.001", "p = 0.001"),
    "sig.p0.0001": ("p = 0.0001", "p = 0.0001"),
    "sig.neighborless": ("无邻居", "Neighborless"),
    "sig.no_data": ("无数据", "No data"),
    # Getis-Ord Gi*
    "gi.hot99": ("热点 (99% 置信度)", "Hot spot (99% confidence)"),
    "gi.hot95": ("热点 (95% 置信度)", "Hot spot (95% confidence)"),
    "gi.hot90": ("热点 (90% 置信度)", "Hot spot (90% confidence)"),
    "gi.ns": ("不显著", "Not significant"),
    "gi.cold90": ("冷点 (90% 置信度)", "Cold spot (90% confidence)"),
    "gi.cold95": ("冷点 (95% 置信度)", "Cold spot (95% confidence)"),
    "gi.cold99": ("冷点 (99% 置信度)", "Cold spot (99% confidence)"),
    "gi.neighborless": ("无邻居", "Neighborless"),
    "gi.no_data": ("无数据", "No data"),
    # region groupings (keys as in spatialhealth.regions)
    "zone6.north": ("华北", "North China"),
    "zone6.northeast": ("东北", "Northeast"),
    "zone6.east": ("华东", "East China"),
    "zone6.south_central": ("中南", "South Central"),
    "zone6.southwest": ("西南", "Southwest"),
    "zone6.northwest": ("西北", "Northwest"),
    "region3.east": ("东部", "East"),
    "region3.central": ("中部", "Central"),
    "region3.west": ("西部", "West"),
    "region4.east": ("东部", "East"),
    "region4.central": ("中部", "Central"),
    "region4.west": ("西部", "West"),
    "region4.northeast": ("东北", "Northeast"),
    "region.hmt": ("港澳台", "Hong Kong, Macao and Taiwan"),
    # figure titles
    "title.moran_scatter": ("Moran 散点图", "Moran scatter plot"),
    "title.moran_bv_scatter": ("双变量 Moran 散点图", "Bivariate Moran scatter plot"),
    "title.lisa_cluster": ("LISA 聚类图", "LISA cluster map"),
    "title.lisa_significance": ("LISA 显著性图", "LISA significance map"),
    "title.hotspot": ("Getis-Ord Gi* 热点图", "Getis-Ord Gi* hot spots"),
    "title.choropleth": ("分级设色图", "Choropleth map"),
    "title.centrality": ("城市网络中心性", "City network centrality"),
    "title.flows": ("流动网络", "Flow network"),
    "title.lorenz": ("洛伦兹曲线", "Lorenz curve"),
    "title.reference_distribution": ("置换检验参考分布", "Permutation reference distribution"),
    "title.event_study": ("事件研究图", "Event study"),
    # axis labels
    "axis.value": ("标准化值", "Standardised value"),
    "axis.lag": ("空间滞后", "Spatial lag"),
    "axis.frequency": ("频数", "Frequency"),
    "axis.cum_population": ("人口累计比例", "Cumulative share of population"),
    "axis.cum_resource": ("资源累计比例", "Cumulative share of resource"),
    "axis.year": ("年份", "Year"),
    "axis.period": ("相对处理时期", "Periods relative to treatment"),
    "axis.estimate": ("估计值", "Estimate"),
    "axis.longitude": ("经度", "Longitude"),
    "axis.latitude": ("纬度", "Latitude"),
    # legends and map furniture
    "legend.title": ("图例", "Legend"),
    "legend.no_data": ("无数据", "No data"),
    "legend.flow": ("流量", "Flow"),
    "legend.centrality": ("中心性", "Centrality"),
    "legend.equality_line": ("绝对公平线", "Line of equality"),
    "map.north": ("北", "N"),
    "map.scale_km": ("千米", "km"),
    "map.inset_scs": ("南海诸岛", "South China Sea Islands"),
    "map.source": ("数据来源", "Source"),
    # tooltip field names
    "tooltip.region": ("地区", "Region"),
    "tooltip.code": ("代码", "Code"),
    "tooltip.city": ("城市", "City"),
    "tooltip.value": ("数值", "Value"),
    "tooltip.cluster": ("聚类", "Cluster"),
    "tooltip.p_value": ("p 值", "p-value"),
    "tooltip.origin": ("出发地", "Origin"),
    "tooltip.destination": ("目的地", "Destination"),
    "tooltip.flow": ("流量", "Flow"),
    # report headings
    "report.title": ("分析报告", "Analysis report"),
    "report.summary": ("摘要", "Summary"),
    "report.data": ("数据", "Data"),
    "report.methods": ("方法", "Methods"),
    "report.equity": ("公平性", "Equity"),
    "report.spatial": ("空间分析", "Spatial analysis"),
    "report.networks": ("网络分析", "Network analysis"),
    "report.efficiency": ("效率", "Efficiency"),
    "report.policy": ("政策评估", "Policy evaluation"),
    "report.maps": ("地图", "Maps"),
    "report.figures": ("图", "Figures"),
    "report.tables": ("表", "Tables"),
    "report.notes": ("说明", "Notes"),
    "report.reproducibility": ("可重复性", "Reproducibility"),
    # measures
    "measure.gini": ("基尼系数", "Gini coefficient"),
    "measure.theil": ("泰尔指数", "Theil index"),
    "measure.hhi": ("赫芬达尔指数", "Herfindahl index"),
    "measure.entropy": ("熵权综合得分", "Entropy-weight composite score"),
    "measure.moran_i": ("Moran's I", "Moran's I"),
    "measure.pagerank": ("PageRank", "PageRank"),
    "measure.degree": ("度中心性", "Degree centrality"),
    "measure.in_strength": ("流入强度", "In-strength"),
    "measure.out_strength": ("流出强度", "Out-strength"),
    "measure.betweenness": ("中介中心性", "Betweenness centrality"),
    "measure.eigenvector": ("特征向量中心性", "Eigenvector centrality"),
}

_GROUP_ORDER = {
    "lisa": ["HH", "LL", "LH", "HL", "ns", "neighborless"],
    "sig": ["ns", "p0.05", "p0.01", "p0.001", "p0.0001", "neighborless"],
    "gi": ["hot99", "hot95", "hot90", "ns", "cold90", "cold95", "cold99"],
}


def check_lang(lang) -> str:
    """Validate a language code: ``"zh"`` or ``"en"``.

    Parameters
    ----------
    lang : str
        ``"zh"`` (Simplified Chinese) or ``"en"``. Case and surrounding spaces are ignored;
        ``"zh-CN"``, ``"zh_CN"`` and ``"cn"`` are read as ``"zh"``.

    Returns
    -------
    str
        ``"zh"`` or ``"en"``.

    Raises
    ------
    InputError
        For anything else, naming the value given.

    Examples
    --------
    >>> check_lang("zh-CN")
    'zh'
    """
    if isinstance(lang, str):
        norm = lang.strip().lower().replace("_", "-")
        if norm in ("zh", "zh-cn", "zh-hans", "cn", "chinese", "中文"):
            return "zh"
        if norm in ("en", "en-us", "en-gb", "english"):
            return "en"
    raise InputError(f'`lang` must be "zh" (Chinese) or "en" (English); {lang!r} was given.')


def label(key: str, lang: str = "zh", **fields) -> str:
    """The label for ``key`` in ``lang``.

    Parameters
    ----------
    key : str
        A dotted vocabulary key, e.g. ``"lisa.HH"``, ``"zone6.south_central"``,
        ``"title.moran_scatter"``. For the grouping schemes a bare group name is also
        accepted with its scheme prefix (``"region3.east"``).
    lang : {"zh", "en"}
        Language of the label.
    **fields
        Values for ``{name}`` placeholders, if the label has any.

    Returns
    -------
    str

    Raises
    ------
    InputError
        Unknown ``lang``, or a key not in the vocabulary (the error lists close keys).

    Examples
    --------
    >>> label("lisa.HH"), label("lisa.HH", "en")
    ('高-高', 'High-High')
    >>> label("zone6.south_central", "zh")
    '中南'
    """
    idx = LANGS.index(check_lang(lang))
    try:
        text = VOCABULARY[key][idx]
    except (KeyError, TypeError):
        import difflib

        lower = {k.lower(): k for k in VOCABULARY}
        close = [lower[k] for k in difflib.get_close_matches(str(key).lower(), lower, n=3)]
        hint = f" Closest: {', '.join(close)}." if close else ""
        raise InputError(f"No label for key {key!r}.{hint}") from None
    return text.format(**fields) if fields else text


def labels(group: str, lang: str = "zh") -> dict[str, str]:
    """All labels of a group, in legend order, keyed by the part after the dot.

    Parameters
    ----------
    group : str
        ``"lisa"``, ``"sig"``, ``"gi"``, ``"zone6"``, ``"region3"``, ``"region4"``, ...
    lang : {"zh", "en"}

    Returns
    -------
    dict
        e.g. ``{"HH": "高-高", "LL": "低-低", ...}`` for ``labels("lisa")``.

    Examples
    --------
    >>> list(labels("lisa", "en").values())[:2]
    ['High-High', 'Low-Low']
    """
    idx = LANGS.index(check_lang(lang))
    prefix = group + "."
    keys = [k[len(prefix):] for k in VOCABULARY if k.startswith(prefix)]
    if not keys:
        groups = sorted({k.split(".", 1)[0] for k in VOCABULARY})
        raise InputError(f"No label group {group!r}; known groups: {', '.join(groups)}.")
    order = _GROUP_ORDER.get(group)
    if order:
        keys = [k for k in order if k in keys] + [k for k in keys if k not in order]
    return {k: VOCABULARY[prefix + k][idx] for k in keys}
