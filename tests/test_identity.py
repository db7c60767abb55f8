"""The identity head (DeepLabCut's `identity: true`) end to end on the installed package: a tiny model trained on a
synthetic project of marked animals, its identity accuracy on held-out frames, detections with identities, and
stitching that uses them."""

import numpy as np, pytest, torch
import fastcore.test as ft
from dlcnb.core import read_config, write_config
from dlcnb.synthetic import synthetic_project, marked_video
from dlcnb.io import load_labels
from dlcnb.data import create_training_dataset, read_split, load_keypoints, load_images
from dlcnb.assembly import identity_scores
from dlcnb.models import build_model, preprocess
from dlcnb.training import train_network, load_model
from dlcnb.evaluation import evaluate_network
from dlcnb.inference import analyze_videos
from dlcnb.poses import make_poses, read_dlc_file, load_poses
from dlcnb.tracking import synthetic_crossings, convert_detections2tracklets, stitch_tracklets

FRAME, ANIMAL = (96, 128), 32.0


@pytest.fixture(scope="module")
def marked(tmp_path_factory):
    "A project of 24 frames of two marked animals (`identity: true`), 30 % held out, and a 2-epoch model."
    root = tmp_path_factory.mktemp("marked")
    config = synthetic_project(root, 24, FRAME, ANIMAL, n_animals=2, marks=True, task="marked", seed=0)
    write_config(config, {**read_config(config), "TrainingFraction": [0.7]})
    create_training_dataset(config)
    train_network(config, epochs=2, batch_size=4, scale=1.0, crop=None, save_epochs=2, progress=False)
    return config


def test_snapshot_records_the_identities(marked):
    model, meta = load_model(marked, snapshot=-1)
    ft.test_eq(meta["identity"], ["animal1", "animal2"])
    ft.test_eq(model.n_identities, 2)
    with torch.no_grad():
        ft.test_eq(
            [o.shape[1] for o in model(torch.zeros(1, 3, *FRAME))], [4, 8, 6, 2]
        )  # heatmaps, locref, PAFs, ids  # heatmaps, locref, PAFs, identity maps


def test_identity_accuracy_above_chance_on_held_out_frames(marked):
    """The identity head read at the labelled keypoints of the test frames, which the model never saw, names the
    right animal far above chance (0.5); `evaluate_network` reports DeepLabCut 3's identity accuracy (on the
    keypoints the briefly trained detector finds, NaN if none)."""
    cfg = read_config(marked)
    model, meta = load_model(marked, snapshot=-1)
    labels_df = load_labels(cfg)
    _, test_idx, _ = read_split(cfg, 1, 0, labels_df)
    labels = load_keypoints(labels_df).numpy()[test_idx]
    frames = load_images(cfg, labels_df.index)[test_idx]
    with torch.no_grad():
        maps = model(preprocess(frames, meta["scale"]))[3]
    scores = identity_scores(maps, labels, meta["stride"], meta["scale"])  # (N, I, K, 2)
    seen = np.isfinite(scores).all(-1)
    truth = np.broadcast_to(np.arange(2)[None, :, None], seen.shape)
    accuracy = (scores.argmax(-1) == truth)[seen].mean()
    assert seen.sum() >= 40 and accuracy >= 0.8, (seen.sum(), accuracy)
    reported = evaluate_network(marked, show_errors=False).iloc[0]["test identity accuracy"]
    assert np.isnan(reported) or 0 <= reported <= 1, reported


def test_detections_carry_identity_and_files_stay_readable(marked, tmp_path):
    video = tmp_path / "held_out.avi"
    marked_video(video, n_frames=30, frame_size=FRAME, animal_size=ANIMAL, cut_every=15, cut_length=5, seed=7)
    dets = analyze_videos(marked, video, snapshot=-1)
    ft.test_eq(dets.identity.dims, ("time", "individual", "identity_name"))
    ft.test_eq(dets.identity.identity_name.values.tolist(), ["animal1", "animal2"])
    found = np.isfinite(dets.identity.values).all(-1)
    ft.test_close(dets.identity.values[found].sum(-1), 1.0, eps=1e-4)
    h5 = next(tmp_path.glob("held_out*DLC*.h5"))
    np.testing.assert_allclose(read_dlc_file(h5).position.values, dets.position.values, atol=1e-3)
    from movement.io import load_poses as movement_load

    ft.test_eq(movement_load.from_dlc_file(h5).position.shape[0], 30)  # movement reads the .h5 as ever
    back = load_poses(h5.with_suffix(".nc"))
    np.testing.assert_allclose(back.identity.values, dets.identity.values)


def _swap_case(n_frames=60, body=40.0):
    "Four tracklets: A and B for 20 frames, a 20-frame gap, then A on B's side and B on A's, with identities."
    t = np.arange(n_frames, dtype=float)
    pos = np.full((n_frames, 2, 2, 4), np.nan)
    ident = np.full((n_frames, 4, 2), np.nan)
    for j, (start, x, who) in enumerate([(0, 10 + t, 0), (0, 200 - t, 1), (40, 150 + t, 0), (40, 60 - t, 1)]):
        s = slice(start, start + 20)
        pos[s, 0, 0, j], pos[s, 0, 1, j], pos[s, 1, :, j] = x[s], x[s] + (body if who == 0 else -body), 50.0
        ident[s, j] = [0.8, 0.2] if who == 0 else [0.2, 0.8]
    ds = make_poses(pos, np.ones((n_frames, 2, 4)), ["head", "tail"], [f"tracklet_{j}" for j in range(4)])
    ds["identity"] = (("time", "individual", "identity_name"), ident)
    return ds.assign_coords(identity_name=["animal1", "animal2"])


def _after_gap(tracks, first=0, at=50) -> int:
    k = int(np.argmax(tracks.tracklet.isel(time=0).values == first))
    return int(tracks.tracklet.isel(time=at, individual=k))


def test_identity_cost_fixes_a_swap_motion_gets_wrong():
    case = _swap_case()
    plain = case.drop_vars(["identity", "identity_name"])
    ft.test_eq(_after_gap(stitch_tracklets(plain, 2)), 3)  # motion continues A into B
    ft.test_eq(_after_gap(stitch_tracklets(case, 2)), 2)  # identity keeps A
    named = stitch_tracklets(case, 2, assign_identity=True)
    ft.test_eq(int(named.tracklet.sel(individual="animal1").isel(time=50)), 2)
    ft.test_eq(int(named.tracklet.sel(individual="animal2").isel(time=5)), 1)


def test_without_identity_nothing_changes():
    "No `identity` variable: the identity settings have no effect; a model without `identity: true` has no head."
    _, dets = synthetic_crossings(n_animals=3, n_frames=300, seed=4)
    tl = convert_detections2tracklets(dets)
    a, b = stitch_tracklets(tl, 3), stitch_tracklets(tl, 3, identity_weight=100.0)
    np.testing.assert_array_equal(a.tracklet.values, b.tracklet.values)
    ft.test_eq("identity" in a, False)
    with torch.no_grad():
        ft.test_eq(len(build_model(n_keypoints=4, n_edges=3, pretrained=False).eval()(torch.zeros(1, 3, *FRAME))), 3)
