"""The zh/en label vocabulary (issue 16 point 2)."""

from __future__ import annotations

import pytest

from spatialhealth._i18n import VOCABULARY, check_lang, label, labels
from spatialhealth.errors import InputError
from spatialhealth.regions import SCHEMES, provinces


def test_lisa_classes_in_chinese_and_english():
    assert labels("lisa", "zh") == {"HH": "高-高", "LL": "低-低", "LH": "低-高", "HL": "高-低",
                                    "ns": "不显著", "neighborless": "无邻居", "no_data": "无数据"}
    assert label("lisa.HL", "en") == "High-Low"


def test_zone_names():
    assert [labels("zone6", "zh")[k] for k in
            ["north", "northeast", "east", "south_central", "southwest", "northwest"]] == \
        ["华北", "东北", "华东", "中南", "西南", "西北"]


def test_every_group_of_every_scheme_has_both_labels():
    table = provinces()
    for scheme in SCHEMES:
        for group in table[scheme].dropna().unique():
            zh, en = label(f"{scheme}.{group}", "zh"), label(f"{scheme}.{group}", "en")
            assert zh and en and zh != en


def test_hot_cold_spots_and_significance():
    gi = labels("gi", "zh")
    assert list(gi)[:3] == ["hot99", "hot95", "hot90"]
    assert "99%" in gi["hot99"] and gi["cold90"].startswith("冷点")
    assert list(labels("sig", "en"))[:5] == ["ns", "p0.05", "p0.01", "p0.001", "p0.0001"]


@pytest.mark.parametrize("bad", ["fr", "", None, 1, "english please"])
def test_lang_validated_with_clear_error(bad):
    with pytest.raises(InputError, match='`lang` must be "zh"'):
        label("lisa.HH", bad)


def test_lang_spellings():
    assert check_lang(" ZH_cn ") == "zh" and check_lang("EN") == "en"


def test_unknown_key_names_close_keys():
    with pytest.raises(InputError, match="lisa.HH"):
        label("lisa.hh", "zh")
    with pytest.raises(InputError, match="known groups"):
        labels("nope")


def test_every_entry_has_two_non_empty_strings():
    for key, pair in VOCABULARY.items():
        assert len(pair) == 2 and all(isinstance(s, str) and s for s in pair), key
