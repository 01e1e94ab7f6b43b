"""Property-based checks of the region harmonisation and the table reader."""

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from spatialhealth import regions
from spatialhealth.errors import RegionError
from spatialhealth.io import read_table

SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                           HealthCheck.function_scoped_fixture])
PROV = regions.provinces()
SPELLINGS = list(PROV.name_zh) + list(PROV.short_zh) + list(PROV.name_en) + list(PROV.pinyin)


def noisy(name: str, draw) -> str:
    if draw(st.booleans()):
        name = name.translate({ord(c): ord(c) + 0xFEE0 for c in name if "!" <= c <= "~"})  # full width
    return draw(st.sampled_from(["", " ", "\u3000"])) + name + draw(st.sampled_from(["", " ", "  "]))


@SETTINGS
@given(st.data())
def test_any_known_spelling_with_noise_maps_to_its_code(data):
    idx = data.draw(st.lists(st.integers(0, len(SPELLINGS) - 1), min_size=1, max_size=20))
    given_names = [noisy(SPELLINGS[i], data.draw) for i in idx]
    expected = [PROV.code.iloc[i % 31] for i in idx]
    assert regions.harmonise_names(given_names).tolist() == expected


@SETTINGS
@given(st.lists(st.text(min_size=1, max_size=12), min_size=1, max_size=5))
def test_arbitrary_text_either_matches_or_raises_region_error(values):
    try:
        out = regions.harmonise_names(values)
    except RegionError as exc:
        assert "could not be matched" in str(exc)
    else:
        assert out.str.fullmatch(r"\d{6}").all()


@SETTINGS
@given(st.lists(st.tuples(st.sampled_from(list(PROV.name_zh)), st.floats(-1e6, 1e6, allow_nan=False)),
                min_size=1, max_size=30), st.sampled_from(["utf-8", "utf-8-sig", "gbk"]))
def test_csv_round_trip_in_every_encoding(tmp_path_factory, rows, encoding):
    df = pd.DataFrame(rows, columns=["省份", "值"])
    path = tmp_path_factory.mktemp("enc") / "t.csv"
    df.to_csv(path, index=False, encoding=encoding)
    back = read_table(path)
    assert back["省份"].tolist() == df["省份"].tolist()
    assert back["值"].to_numpy() == pytest.approx(df["值"].to_numpy())
