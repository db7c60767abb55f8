"""DeepLabCut 3 and dlcnb on each other's projects and files (issue 16 part 1, issue 15 item 5).

Runs DeepLabCut 3.0.2 from the registry in its own environment (`tools/peer_env.py dlc3`, cached): without it these
tests fail with pip's message, they are never skipped. Run alone with `pytest tests/interop -m interop`."""

import pytest
from dlc3_scenario import run, WE_TO_PEER, PEER_TO_US

pytestmark = pytest.mark.interop

ROWS = [  # (row of the scenario, direction): what DeepLabCut 3 does with dlcnb's files, or dlcnb with DeepLabCut's
    ("pytorch_config.yaml (PoseConfig.from_yaml)", WE_TO_PEER),  # DLC 3 validates our shuffle's config
    ("get_scorer_name (best snapshot)", WE_TO_PEER),  # ... and names our snapshots as we do
    ("get_scorer_name (numbered snapshot)", WE_TO_PEER),
    ("analyzed predictions named by get_scorer_name", WE_TO_PEER),  # so it finds our predictions
    ("Documentation_data-*.pickle (auxiliaryfunctions.read_pickle)", WE_TO_PEER),  # our split, the same images
    ("metadata.yaml (TrainingDatasetMetadata.load)", WE_TO_PEER),
    ("Documentation_data-*.pickle (safe_load_pickle, read_split)", PEER_TO_US),  # DLC's pickle, safely, by path
    ("DLC 3 project left intact (create_training_dataset, train_network)", PEER_TO_US),
    ("DLC 3's own shuffle still valid after dlcnb trained on its project", PEER_TO_US),
    ("dlcnb's new shuffle in DLC 3's project (PoseConfig, get_scorer_name)", WE_TO_PEER),
    ("DLC 3 snapshot-*.pt (load_snapshot, predict_images)", PEER_TO_US),  # DLC's resnet_50 predicts the same here
    ("snapshot-*.pt of DLC 3's resnet_50 saved by dlcnb (PoseModel.load_state_dict)", WE_TO_PEER),
    ("check_labels (video_sets of the example)", WE_TO_PEER),  # every labelled folder has its video
    ("filterpredictions", WE_TO_PEER),  # DLC's post-processing on our predictions
    ("analyze_videos_converth5_to_csv", WE_TO_PEER),
    ("create_labeled_video", WE_TO_PEER),
    ("extract_outlier_frames", WE_TO_PEER),
    ("analyze_videos (resnet_50 dlcnb trained: same poses)", WE_TO_PEER),  # DLC 3 runs the resnet_50 we train
    ("evaluate_network (resnet_50 dlcnb trained: same RMSE)", WE_TO_PEER),
]


@pytest.fixture(scope="module")
def checks(tmp_path_factory):
    "Every check of the scenario, by row name."
    try:
        found = run(tmp_path_factory.mktemp("dlc3"))
    except RuntimeError as e:
        pytest.fail(f"The DeepLabCut 3 interop scenario could not run: {e}")
    return {c.row: c for c in found}


@pytest.mark.parametrize("row, direction", ROWS)
def test_interop(checks, row, direction):
    "One row of the interop matrix passes in its direction."
    c = checks[row]
    assert c.direction == direction
    assert c.ok, f"{row} ({direction}): {c.detail}"


def test_every_row_is_tested(checks):
    "The scenario has no row this file does not assert."
    assert sorted(checks) == sorted(r for r, _ in ROWS)
