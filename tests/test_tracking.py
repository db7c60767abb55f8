"Multi-animal tracking on the installed package: file round trips, ground-truth recovery, property tests."

import numpy as np, pandas as pd, pytest
import fastcore.test as ft
from hypothesis import given, settings, strategies as st
from dlcnb.core import example_data
from dlcnb.poses import make_poses, load_poses, read_dlc_file
from dlcnb.poses import read_sleap_predictions
from dlcnb.assembly import Assembler, pool_candidates
from dlcnb.tracking import (
    convert_detections2tracklets,
    stitch_tracklets,
    tracks_path,
    mot_metrics,
    synthetic_crossings,
    swap_identities,
    find_identity_swaps,
    plot_identity_swaps,
    load_detections,
    keypoint_distance,
)

SLP = example_data("flies") / "centered_pair_predictions.slp"


@pytest.fixture(scope="module")
def flies():
    return read_sleap_predictions(SLP, fps=30)


def test_flies_end_to_end_files(flies, tmp_path):
    """Detections file -> tracklets .nc -> `_el.h5` with 2 identities, no switch inside SLEAP's tracks, read back
    exactly."""
    tl = convert_detections2tracklets(SLP, dest=tmp_path / "tracklets.nc")
    ft.test_eq(load_poses(tmp_path / "tracklets.nc").sizes, tl.sizes)
    el = tracks_path(tmp_path / SLP.name)
    tracks = stitch_tracklets(tmp_path / "tracklets.nc", n_tracks=2, dest=el)
    back = read_dlc_file(el)
    ft.test_eq(back.individual.values.tolist(), ["individual1", "individual2"])
    np.testing.assert_allclose(back.position.values, tracks.position.values, atol=1e-4)
    m = mot_metrics(tracks, read_sleap_predictions(SLP, fps=30, by_track=True))
    ft.test_eq(int(m.num_switches.iloc[0]), 0)
    assert m.idf1.iloc[0] > 0.95


def test_sleap_fragments_stitch_to_two(flies):
    by_track = read_sleap_predictions(SLP, by_track=True)
    tracks = stitch_tracklets(by_track, n_tracks=2)
    ft.test_eq(tracks.sizes["individual"], 2)
    ids = [set(np.unique(r[r >= 0])) for r in tracks.sleap_track.transpose("individual", "time").values]
    ft.test_eq(ids[0] & ids[1], set())


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_synthetic_stitching_recovers_identities(seed):
    gt, dets = synthetic_crossings(n_animals=3, n_frames=300, seed=seed)
    tracks = stitch_tracklets(convert_detections2tracklets(dets), n_tracks=3)
    m = mot_metrics(tracks, gt.where(gt.visible))
    assert m.idf1.iloc[0] > 0.9 and m.mota.iloc[0] > 0.95, m
    # the carried ground-truth ids agree: each identity is mostly one animal
    for r in tracks.true_id.transpose("individual", "time").values:
        r = r[r >= 0]
        assert np.bincount(r).max() / len(r) > 0.9


def test_tracker_follows_separated_animals_exactly():
    "Well separated animals, shuffled slots: one tracklet per animal, each holding only that animal."
    gt, dets = synthetic_crossings(n_animals=3, n_frames=120, size=300, period=2000, p_occlusion=0, p_missing=0, seed=3)
    tl = convert_detections2tracklets(dets)
    ft.test_eq(tl.sizes["individual"], 3)
    for r in tl.true_id.transpose("individual", "time").values:
        ft.test_eq(len(set(r)), 1)


@settings(max_examples=20, deadline=None)
@given(frame=st.integers(0, 299), seed=st.integers(0, 5))
def test_swap_twice_is_identity(frame, seed):
    _, dets = synthetic_crossings(n_animals=3, n_frames=300, seed=seed)
    tracks = stitch_tracklets(convert_detections2tracklets(dets), n_tracks=3)
    once = swap_identities(tracks, "individual1", "individual3", frame)
    twice = swap_identities(once, "individual3", "individual1", frame)
    assert twice.drop_attrs().equals(tracks.drop_attrs())
    assert (
        once.position.sel(individual="individual1")
        .isel(time=slice(frame, None))
        .drop_vars("individual")
        .equals(tracks.position.sel(individual="individual3").isel(time=slice(frame, None)).drop_vars("individual"))
    )


def test_swap_saves_atomically_with_backup(tmp_path):
    _, dets = synthetic_crossings(n_frames=100, seed=4)
    tracks = stitch_tracklets(convert_detections2tracklets(dets), n_tracks=3, dest=tmp_path / "v_el.h5")
    swap_identities(tracks, "individual1", "individual2", 50, dest=tmp_path / "v_el.h5")
    ft.test_eq((tmp_path / "v_el.h5.bak").exists(), True)
    before, after = pd.read_hdf(tmp_path / "v_el.h5.bak"), pd.read_hdf(tmp_path / "v_el.h5")
    pd.testing.assert_frame_equal(
        after.loc[50:, (slice(None), "individual1")].droplevel(1, axis=1),
        before.loc[50:, (slice(None), "individual2")].droplevel(1, axis=1),
    )
    ft.test_eq([p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp")], [])


@settings(max_examples=60, deadline=None)
@given(n=st.integers(1, 4), seed=st.integers(0, 1000))
def test_assembler_regroups_shuffled_animals(n, seed):
    "Animals far apart with ideal limb lengths: the limb-length assembly regroups shuffled keypoints exactly."
    rng = np.random.default_rng(seed)
    pos = np.stack(
        [np.array([[0, 0], [10, 0], [20, 5]]) + [200 * a, rng.uniform(0, 100)] for a in range(n)], -1
    )  # (k, 2, n)
    truth = make_poses(pos.transpose(1, 0, 2)[None].astype(np.float32), np.ones((1, 3, n), np.float32), ["a", "b", "c"])
    asm = Assembler(["a", "b", "c"], [("a", "b"), ("b", "c")], max_n_individuals=n).calibrate(
        make_poses(truth.position.values + rng.normal(0, 0.5, (5, 2, 3, n)), keypoints=["a", "b", "c"])
    )
    found = asm.assemble_frame(pool_candidates(truth, seed=seed)[0])
    ft.test_eq(found.shape, (n, 3, 3))
    np.testing.assert_allclose(found[np.argsort(found[:, 0, 0]), :, :2], pos.transpose(2, 0, 1), atol=1e-4)


def test_review_finds_real_encounters_and_plots():
    gt, dets = synthetic_crossings(seed=1)
    tracks = stitch_tracklets(convert_detections2tracklets(dets), n_tracks=3)
    ev = find_identity_swaps(tracks)
    assert {"near-collision", "join"} <= set(ev.kind)
    fig = plot_identity_swaps(tracks, ev)
    ft.test_eq(sum(len(t.x) for t in fig.data if t.mode == "markers"), len(ev))


def test_bad_inputs(tmp_path):
    ft.test_fail(lambda: load_detections(tmp_path / "x.txt"), contains="pass a pose dataset or a .slp")
    ft.test_fail(lambda: read_sleap_predictions(tmp_path / "x.slp"), contains="No SLEAP file")
    (tmp_path / "bad.slp").write_text("not hdf5")
    ft.test_fail(lambda: read_sleap_predictions(tmp_path / "bad.slp"), contains="Cannot read")
    _, dets = synthetic_crossings(n_frames=20)
    ft.test_fail(lambda: convert_detections2tracklets(dets, cost="iou"), contains="Unknown tracking cost")
    ft.test_fail(
        lambda: stitch_tracklets(convert_detections2tracklets(dets), n_tracks=2, names=["a"]), contains="1 names given"
    )
    ft.test_fail(lambda: stitch_tracklets(convert_detections2tracklets(dets), n_tracks=0), contains="number of animals")


def test_oks_cost_tracks_too():
    gt, dets = synthetic_crossings(seed=5)
    tracks = stitch_tracklets(convert_detections2tracklets(dets, cost="oks"), n_tracks=3)
    assert mot_metrics(tracks, gt.where(gt.visible)).idf1.iloc[0] > 0.9


def test_keypoint_distance_ignores_missing():
    a = np.array([[[0.0, 0.0], [np.nan, np.nan]]])
    b = np.array([[[3.0, 4.0], [1.0, 1.0]]])
    ft.test_close(keypoint_distance(a, b), [[5.0]])


def test_refine_tracklets_widget_swaps_and_saves(tmp_path):
    from dlcnb.tracking import refine_tracklets

    _, dets = synthetic_crossings(n_frames=100, seed=6)
    tracks = stitch_tracklets(convert_detections2tracklets(dets), n_tracks=3)
    w = refine_tracklets(tracks, dest=tmp_path / "t.nc")
    a, b, frame, button = w.children[1].children
    a.value, b.value, frame.value = "individual2", "individual3", 40
    button.click()
    assert w.tracks.drop_attrs().equals(swap_identities(tracks, "individual2", "individual3", 40).drop_attrs())
    assert load_poses(tmp_path / "t.nc").position.equals(w.tracks.position)
    assert "swap_identities('individual2', 'individual3', frame=40)" in w.tracks.attrs["log"]
