"""movement 0.15 and 0.17, each in its own environment, on the files dlcnb writes, and dlcnb on the files they write.

The checks are the interop matrix's rows (`benchmarks/_formats_matrix.py`): movement's `load_poses` readers,
`ValidPosesInputs.validate`, `compute_pairwise_distances`, `compute_forward_vector` and `save_poses` writers run on our
DeepLabCut, netCDF, SLEAP, NWB, Lightning Pose and Anipose files, values compared with ours; and our `read_poses`
on what movement writes. sleap-io's rows (SLEAP, COCO, NWB) run here too. The environments come from
`tools/peer_env.py` (cached); a check whose environment cannot be made fails, saying why.
"""

import sys
from pathlib import Path
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks"))
from _formats_matrix import ROWS  # noqa: E402

pytestmark = pytest.mark.interop

CASES = [
    pytest.param(check, id=f"{name} [{direction}]")
    for name, *checks in ROWS
    for direction, check in zip(("we-to-peer", "peer-to-us"), checks)
    if check is not None
]


@pytest.mark.parametrize("check", CASES)
def test_interop(check):
    try:
        check()
    except RuntimeError as e:  # a peer environment that cannot be made is a failure, never a skip
        pytest.fail(str(e))


def test_both_movement_versions_are_checked():
    names = [name for name, *_ in ROWS]
    for version in ("0.15", "0.17"):
        for function in (
            "from_dlc_file",
            "compute_pairwise_distances",
            "compute_forward_vector",
            "to_dlc_file",
            "ValidPosesInputs",
            "NWB",
            "SLEAP",
            "Lightning Pose",
            "Anipose",
        ):
            assert any(version in n and function in n for n in names), (version, function)
