"""Unique bodyparts end to end (issue 19, item 3): `single` through labels, training, analysis, evaluation, tracking.

A two-animal synthetic project with a landmark (a white disc at a fixed place, DeepLabCut's `uniquebodyparts`) is
trained for a few epochs; the predictions `.h5` must hold the landmark under `single`, near its true place, with
DeepLabCut 3's columns, and evaluation must score it beside the animals."""

import cv2, numpy as np, pandas as pd, pytest
import fastcore.test as ft
from dlcnb.core import read_config, write_config
from dlcnb.data import create_training_dataset
from dlcnb.evaluation import evaluate_network, evaluation_dir
from dlcnb.inference import analyze_videos, load_predictor, output_paths, _write_video
from dlcnb.evaluation import dlc_scorer
from dlcnb.io import load_labels
from dlcnb.synthetic import synthetic_project
from dlcnb.training import train_network
from dlcnb.tracking import convert_detections2tracklets, stitch_tracklets, tracks_path

LANDMARK = (70.5, 20.5)
SIZE = (64, 96)  # frame height, width
STRIDE = 8  # the model's heatmap cell, pixels


@pytest.fixture(scope="module")
def project(tmp_path_factory):
    "The trained project, its analysed video's dataset and `.h5` table."
    tmp = tmp_path_factory.mktemp("unique")
    config = synthetic_project(
        tmp, n_frames=16, frame_size=SIZE, animal_size=30, n_animals=2, landmark=LANDMARK, seed=1
    )
    create_training_dataset(config)
    train_network(config, epochs=8, batch_size=2, scale=1.0, crop=None, sigma=6.0, progress=False, device="cpu")
    frames = [cv2.imread(str(p)) for p in sorted(tmp.glob("*/labeled-data/synth/*.png"))]
    video = tmp / "arena.mp4"
    _write_video(video, frames, 30, SIZE[::-1])
    ds = analyze_videos(config, video, device="cpu")
    h5 = output_paths(video, dlc_scorer(load_predictor(config, device="cpu").meta))["h5"]
    return config, ds, pd.read_hdf(h5), h5


def test_predictions_h5_has_single_with_dlc3_columns(project):
    "The animals' columns (every detection slot, every animal bodypart), then `single`'s landmark, as DeepLabCut 3."
    _, _, df, _ = project
    scorer = df.columns.unique("scorer")[0]
    animals = [
        (scorer, f"det_{i}", f"bp{k}", c) for i in range(2) for k in range(1, 5) for c in ("x", "y", "likelihood")
    ]
    ft.test_eq(list(df.columns), animals + [(scorer, "single", "landmark", c) for c in ("x", "y", "likelihood")])
    ft.test_eq(df[(scorer, "single", "landmark")].notna().all().all(), True)  # one detection in every frame


def test_landmark_found_near_its_place(project):
    "The tiny model finds the fixed disc in every frame: within a heatmap cell of its place, half a cell typically."
    _, ds, df, _ = project
    xy = df.droplevel("scorer", axis=1)[("single", "landmark")][["x", "y"]].to_numpy()
    err = np.linalg.norm(xy - LANDMARK, axis=1)
    assert err.max() < STRIDE and np.median(err) < STRIDE / 2, f"landmark errors (px): {err.round(1)}"
    np.testing.assert_allclose(
        ds.position.sel(individual="single", keypoint="landmark").transpose("time", "space").values, xy, rtol=1e-6
    )
    ft.test_eq(np.isnan(ds.position.sel(individual=["det_0", "det_1"], keypoint="landmark")).all().item(), True)


def test_evaluation_scores_the_landmark_beside_the_animals(project):
    "`evaluate_network`: the per-bodypart table has the landmark after the animals' bodyparts, its train error small."
    config, _, _, _ = project
    evaluate_network(config, show_errors=False, device="cpu")
    folder = evaluation_dir(read_config(config), 0.95, 1)
    per_bp = pd.read_csv(next(folder.glob("*-keypoint-results.csv")), index_col=0)
    ft.test_eq(list(per_bp.columns), ["bp1", "bp2", "bp3", "bp4", "landmark"])
    assert per_bp.loc["Train error (px)", "landmark"] < STRIDE / 2, per_bp
    pred = pd.read_hdf(next(folder.glob("DLC_*.h5")))
    ft.test_eq(list(pred.columns[-3:].droplevel(0)), [("single", "landmark", c) for c in ("x", "y", "likelihood")])


def test_tracking_keeps_the_landmark_as_single(project):
    """The predictions `.h5` -> tracklets -> `_el.h5` with 2 identities: `single` is its own track, unchanged (never
    stitched into an animal), in DeepLabCut's columns: the animals' bodyparts per animal, the landmark under `single`
    only."""
    _, _, df, h5 = project
    tracks = stitch_tracklets(convert_detections2tracklets(h5), n_tracks=2, dest=tracks_path(h5))
    ft.test_eq(list(tracks.individual.values), ["individual1", "individual2", "single"])
    el = pd.read_hdf(tracks_path(h5))
    scorer = df.columns.unique("scorer")[0]
    animals = [
        (scorer, f"individual{i}", f"bp{k}", c) for i in (1, 2) for k in range(1, 5) for c in ("x", "y", "likelihood")
    ]
    ft.test_eq(list(el.columns), animals + [(scorer, "single", "landmark", c) for c in ("x", "y", "likelihood")])
    np.testing.assert_allclose(el[(scorer, "single")].to_numpy(), df[(scorer, "single")].to_numpy(), rtol=1e-6)


def test_labels_naming_other_unique_bodyparts_are_refused(tmp_path):
    "A label file whose `single` columns do not match the config's `uniquebodyparts` (either way) names the file."
    config = synthetic_project(tmp_path, n_frames=3, n_animals=2, landmark=LANDMARK)
    cfg = read_config(config)
    write_config(config, {**cfg, "uniquebodyparts": ["lever"]})
    ft.test_fail(lambda: load_labels(config), contains="CollectedData_synth.h5 has bodyparts")
    write_config(config, {**cfg, "uniquebodyparts": []})
    ft.test_fail(lambda: load_labels(config), contains="CollectedData_synth.h5 has individuals")
