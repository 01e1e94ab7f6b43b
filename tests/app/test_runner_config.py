import textwrap

import pytest

from spatialhealth.app.runner.config import ConfigError, load_config


def write(tmp_path, text, name="analysis.toml"):
    p = tmp_path / name
    p.write_text(textwrap.dedent(text), encoding="utf-8")
    return p


def test_every_problem_is_listed_at_once_with_its_location(tmp_path):
    path = write(tmp_path, """
        [run]
        seed = "seven"
        colour = "red"

        [inputs.indicators]
        dataset = "province_health"

        [inputs.extra]
        path = "missing.csv"

        [[equity]]
        measure = "gini"
        resource = "bedz"
        population = "population"

        [[equity]]
        measure = "theill"

        [moran_global]
        variable = "x"

        [[lisa]]
        variable = "beds_10k"
        alpha = "small"
        """)
    with pytest.raises(ConfigError) as err:
        load_config(path)
    msg = str(err.value)
    expected = [
        "[run]: seed must be an integer; 'seven' was given",
        "[run]: unknown key 'colour'",
        "[inputs.extra]: path 'missing.csv': no such file",
        "[equity #1]: resource: column 'bedz' is not in input 'indicators' (did you mean 'beds_10k'?)",
        "[equity #2]: measure must be one of",
        "[moran_global]: unknown section (did you mean [moran]?)",
        "[lisa #1]: alpha must be a number; 'small' was given",
        "[weights]: Moran/LISA need a [weights] section",
    ]
    for line in expected:
        assert line in msg, line
    assert f"has {len(expected)} problem(s)" in msg


def test_invalid_toml_names_the_line(tmp_path):
    path = write(tmp_path, "[run]\nseed = = 3\n")
    with pytest.raises(ConfigError, match="line 2"):
        load_config(path)


def test_inputs_are_read_harmonised_and_checksummed(tmp_path):
    (tmp_path / "beds.csv").write_bytes("省份,床位,人口\n广东省,55.0,12601\n内蒙古,15.9,2405\n".encode("gbk"))
    path = write(tmp_path, """
        [inputs.indicators]
        path = "beds.csv"
        key = "省份"
        names = true
        scheme = "region3"
        derive = { per_capita = "床位 / 人口" }

        [[equity]]
        measure = "gini"
        resource = "床位"
        population = "人口"
        """)
    cfg = load_config(path)
    df = cfg.tables["indicators"]
    assert df.code.tolist() == ["440000", "150000"] and df.group.tolist() == ["east", "west"]
    assert df.per_capita.iloc[0] == pytest.approx(55.0 / 12601)
    assert len(cfg.files) == 1 and len(cfg.files[0].sha256) == 64
    assert cfg.settings["run"]["seed"] == 20201101


def test_unmatched_region_names_are_a_config_problem(tmp_path):
    (tmp_path / "t.csv").write_text("province,v\nAtlantis,1\n", encoding="utf-8")
    path = write(tmp_path, """
        [inputs.indicators]
        path = "t.csv"
        key = "province"
        """)
    with pytest.raises(ConfigError, match=r"(?s)\[inputs.indicators\]: key column 'province'.*Atlantis"):
        load_config(path)
