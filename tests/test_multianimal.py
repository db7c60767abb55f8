"""Multi-animal projects end to end on the installed package: SLEAP import, training a bottom-up model, evaluation,
video analysis, tracking."""

import numpy as np, pandas as pd, pytest
import fastcore.test as ft
from dlcnb.core import DLCNBError, example_data, read_config, create_project
from dlcnb.io import labels_path, read_labels, write_labels
from dlcnb.label_imports import example_multianimal_project, import_sleap_labels
from dlcnb.data import create_training_dataset
from dlcnb.training import train_network
from dlcnb.evaluation import evaluate_network, evaluation_dir
from dlcnb.inference import analyze_videos
from dlcnb.video import write_clip
from dlcnb.poses import read_dlc_file

FLIES = example_data("flies")
SLP, VIDEO = FLIES / "centered_pair_predictions.slp", FLIES / "centered_pair_low_quality.mp4"


def fly_clip(path, start: int, stop: int):
    "Frames `start:stop` of the fly video as an MJPG .avi at `path`."
    return write_clip(VIDEO, path, start, stop)


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    "A two-fly project (16 frames from SLEAP's predictions) with a 2-epoch bottom-up model."
    config = example_multianimal_project(tmp_path_factory.mktemp("ma"), n_frames=16)
    create_training_dataset(config)
    train_network(config, epochs=2, batch_size=4, scale=0.5, crop=(96, 96), save_epochs=1)
    return config


def test_import_keeps_earlier_labels_and_backs_up(tmp_path):
    """A second import only adds frames: frames labelled before (here corrected by hand) keep their labels; the
    previous file is kept as .bak."""
    config = create_project("flies", "me", working_directory=tmp_path, multianimal=True, individuals=["a", "b"])
    first = import_sleap_labels(config, SLP, VIDEO, n_frames=3, set_bodyparts=True)  # frames 0, 550, 1099
    ft.test_eq(len(first), 3)
    path = labels_path(read_config(config), VIDEO.stem)
    hand = read_labels(path, read_config(config))
    hand.iloc[0, :2] = [1.5, 2.5]
    hand.iloc[1, 2:4] = np.nan  # a correction and a deletion by hand
    write_labels(hand, path)
    added = import_sleap_labels(config, SLP, VIDEO, n_frames=5)  # frames 0, 275, 550, 824, 1099
    ft.test_eq(len(added), 2)
    merged = read_labels(path, read_config(config))
    ft.test_eq(len(merged), 5)
    pd.testing.assert_frame_equal(merged.loc[hand.index], hand, check_names=False)
    ft.test_eq(read_labels(path.with_name(path.name + ".bak"), read_config(config)).shape, hand.shape)


def test_import_rejects_other_bodyparts(tmp_path):
    config = create_project("flies", "me", working_directory=tmp_path, multianimal=True, individuals=["a", "b"])
    with pytest.raises(DLCNBError, match="centered_pair_predictions.slp has the nodes"):
        import_sleap_labels(config, SLP, VIDEO, n_frames=2)


def test_unique_bodyparts_the_labels_lack_are_refused_clearly(trained):
    "Unique bodyparts train (tests/test_unique_bodyparts.py), but a config listing some its labels lack is refused."
    cfg = read_config(trained)
    with pytest.raises(
        DLCNBError, match=r"CollectedData_.*\.h5 has individuals .* Make the config's individuals match"
    ):
        create_training_dataset({**cfg, "uniquebodyparts": ["arena"]})


def test_multianimal_model_through_analysis_and_tracking(trained, tmp_path):
    """Snapshot with PAFs -> evaluation in DLC's layout -> detections of a clip in DLC's multi-animal .h5, read back
    exactly."""
    scores = evaluate_network(trained, show_errors=False)
    ft.test_eq(scores.index[0][:3], (0.95, 1, 2))
    h5 = next(evaluation_dir(read_config(trained), 0.95, 1).glob("*.h5"))
    ft.test_eq(pd.read_hdf(h5).columns.names, ["scorer", "individuals", "bodyparts", "coords"])
    clip = fly_clip(tmp_path / "clip.avi", 300, 330)
    dets = analyze_videos(trained, clip, snapshot=-1)
    ft.test_eq(dict(dets.sizes), {"time": 30, "space": 2, "keypoint": 24, "individual": 2})
    back = read_dlc_file(next(tmp_path.glob("clip*DLC*.h5")))
    ft.test_eq(back.individual.values.tolist(), ["det_0", "det_1"])
    np.testing.assert_allclose(back.position.values, dets.position.values, atol=1e-3)


@pytest.fixture(scope="module")
def trained_well(tmp_path_factory):
    """A two-fly project (40 frames from SLEAP's predictions) with a bottom-up model trained long enough to use (800
    steps)."""
    config = example_multianimal_project(tmp_path_factory.mktemp("ma_well"), n_frames=40)
    create_training_dataset(config)
    train_network(config, epochs=80, batch_size=4, scale=0.5, crop=None, save_epochs=80)
    return config


def test_own_model_tracks_the_two_flies(trained_well, tmp_path):
    """Real data end to end: our model finds both flies in every frame of a 200-frame stretch, and tracking keeps
    their identities (vs SLEAP)."""
    from dlcnb.tracking import convert_detections2tracklets, stitch_tracklets, mot_metrics
    from dlcnb.poses import read_sleap_predictions

    scores = evaluate_network(trained_well, show_errors=False).iloc[0]
    assert scores["test rmse"] < 8 and scores["test mAP"] > 60, scores
    clip = fly_clip(tmp_path / "clip.avi", 300, 500)
    dets = analyze_videos(trained_well, clip)
    per_frame = dets.position.isel(space=0).notnull().any("keypoint").sum("individual")
    assert float((per_frame == 2).mean()) > 0.95
    tracks = stitch_tracklets(convert_detections2tracklets(dets), n_tracks=2)
    sleap = read_sleap_predictions(SLP, by_track=True).isel(time=slice(300, 500))
    sleap = sleap.assign_coords(time=np.arange(200)).isel(
        individual=(-(sleap.sleap_track >= 0).sum("time")).argsort().values[:2]
    )
    m = mot_metrics(tracks, sleap).iloc[0]
    assert m.num_switches == 0 and m.idf1 > 0.95, m
