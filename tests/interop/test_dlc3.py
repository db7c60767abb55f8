"""DeepLabCut 3 and dlcnb on each other's projects and files (issue 16 part 1, issue 15 item 5).

Runs DeepLabCut 3.0.2 from the registry in its own environment (`tools/peer_env.py dlc3`, cached): without it these
tests fail with pip's message, they are never skipped. Run alone with `pytest tests/interop -m interop`."""
import pytest
from dlc3_scenario import run, WE_TO_PEER, PEER_TO_US

pytestmark = pytest.mark.interop


@pytest.fixture(scope="module")
def checks(tmp_path_factory):
    "Every check of the scenario, by row name."
    try: found = run(tmp_path_factory.mktemp("dlc3"))
    except RuntimeError as e: pytest.fail(f"The DeepLabCut 3 interop scenario could not run: {e}")
    return {c.row: c for c in found}


def check(checks, row, direction):
    c = checks[row]
    assert c.direction == direction
    assert c.ok, f"{row} ({direction}): {c.detail}"


@pytest.mark.parametrize("row", ["pytorch_config.yaml (PoseConfig.from_yaml)", "get_scorer_name (best snapshot)",
                                 "get_scorer_name (numbered snapshot)", "analyzed predictions named by get_scorer_name"])
def test_deeplabcut_reads_our_shuffle(checks, row):
    "DLC 3 validates our pytorch_config.yaml and names our snapshots (best and numbered) as dlcnb does."
    check(checks, row, WE_TO_PEER)


@pytest.mark.parametrize("row", ["Documentation_data-*.pickle (auxiliaryfunctions.read_pickle)", "metadata.yaml (TrainingDatasetMetadata.load)"])
def test_deeplabcut_reads_our_split(checks, row):
    "DLC 3 reads our split pickle and metadata.yaml: the same training and test images."
    check(checks, row, WE_TO_PEER)


def test_we_read_deeplabcuts_split(checks):
    "safe_load_pickle reads the pickle DLC 3 writes; read_split gives DLC's images."
    check(checks, "Documentation_data-*.pickle (safe_load_pickle, read_split)", PEER_TO_US)


def test_deeplabcut_project_not_damaged(checks):
    "On a project DLC 3 made, create_training_dataset and train_network change none of DLC's files."
    check(checks, "DLC 3 project left intact (create_training_dataset, train_network)", PEER_TO_US)
    check(checks, "DLC 3's own shuffle still valid after dlcnb trained on its project", PEER_TO_US)
    check(checks, "dlcnb's new shuffle in DLC 3's project (PoseConfig, get_scorer_name)", WE_TO_PEER)


def test_check_labels_sees_every_folder(checks):
    "video_sets lists the example's labelled folder, so DLC's check_labels draws its frames."
    check(checks, "check_labels (video_sets of the example)", WE_TO_PEER)


@pytest.mark.parametrize("row", ["filterpredictions", "analyze_videos_converth5_to_csv", "create_labeled_video", "extract_outlier_frames"])
def test_deeplabcut_postprocesses_our_predictions(checks, row):
    "DLC 3's post-processing finds and uses the predictions dlcnb's analyze_videos wrote."
    check(checks, row, WE_TO_PEER)


def test_deeplabcut_snapshot_runs_in_dlcnb(checks):
    "A snapshot-*.pt of DLC 3's resnet_50 loads in dlcnb (load_snapshot) and predicts what DLC 3 predicts."
    check(checks, "DLC 3 snapshot-*.pt (load_snapshot, predict_images)", PEER_TO_US)


def test_dlcnb_snapshot_of_deeplabcut_model_runs_in_deeplabcut(checks):
    "dlcnb's save_snapshot of that model loads into DLC 3's own PoseModel and predicts the same."
    check(checks, "snapshot-*.pt of DLC 3's resnet_50 saved by dlcnb (PoseModel.load_state_dict)", WE_TO_PEER)
