"""Small simulated staggered-adoption panels for the policy tests."""

from pathlib import Path

import pandas as pd
import pytest
from policy_sim import simulate_panel

DATA = Path(__file__).resolve().parents[1] / "data" / "policy"


@pytest.fixture
def panel_df():
    return simulate_panel()


@pytest.fixture
def unbalanced_df():
    return simulate_panel(seed=1, drop_rows=15)


@pytest.fixture(scope="session")
def df_het():
    return pd.read_csv(DATA / "df_het.csv.gz")


@pytest.fixture(scope="session")
def m09():
    import json

    return {v["id"]: v for v in json.loads((DATA / "m09_did.json").read_text())["vectors"]}
