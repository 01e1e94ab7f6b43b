import logging

from spatialhealth.efficiency.synthetic import synthetic_panel
from spatialhealth.policy import twfe_did


def test_using_pyfixest_leaves_root_logging_alone():
    root = logging.getLogger()
    before = (list(root.handlers), root.level)
    twfe_did(synthetic_panel(seed=3), "outpatient_visits", "treated", "code", "year")
    assert (list(root.handlers), root.level) == before
