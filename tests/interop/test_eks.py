"""dlcnb's ensemble Kalman smoother against Lightning Pose's (`ensemble-kalman-smoother` 4.6.2, jax), numerically.

Lightning Pose's package runs in its own environment (`tools/peer_env.py eks`, cached; it is 1.9 GB with jax, so
it is not a dependency). Both smoothers implement the same model; with the same smoothing parameter the tracks and
posterior variances must agree to rounding, and the parameters each chooses by maximum likelihood must be close."""

import numpy as np
import pytest
from eks_compare import synthetic_members, theirs, ours

pytestmark = pytest.mark.interop


@pytest.fixture(scope="module")
def members():
    return synthetic_members(n_frames=500)[0]


def test_same_smoothing_parameter_same_tracks(members, tmp_path):
    try:
        lp = theirs(members, tmp_path, smooth_param=2.0)
    except RuntimeError as e:  # an environment that cannot be made is a failure, never a skip
        pytest.fail(str(e))
    us = ours(members, smooth_param=2.0)
    np.testing.assert_allclose(us["x"], lp["x"], atol=1e-3)
    np.testing.assert_allclose(us["y"], lp["y"], atol=1e-3)
    np.testing.assert_allclose(us["postvar_x"], lp["postvar_x"], rtol=1e-3)
    np.testing.assert_allclose(us["postvar_y"], lp["postvar_y"], rtol=1e-3)


def test_chosen_smoothing_parameters_agree(members, tmp_path):
    try:
        lp = theirs(members, tmp_path)
    except RuntimeError as e:
        pytest.fail(str(e))
    us = ours(members)
    np.testing.assert_allclose(np.log(us["s"]), np.log(lp["s"]), atol=np.log(1.3))  # within 30 %
    assert np.sqrt(np.mean((us["x"] - lp["x"]) ** 2)) < 0.1
