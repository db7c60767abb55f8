"""Ensembles, EKS and the ensemble outlier criterion on the installed package: file round trips, invariances of the
smoother, and the set-aside/restore of a shuffle's own files while a member trains (no network is trained here)."""

import json
import numpy as np
import pytest
import fastcore.test as ft
from dlcnb.core import DLCNBError
from dlcnb.data import SETTINGS_FILE
from dlcnb.poses import save_poses, load_poses, write_dlc_file, read_dlc_file
from dlcnb.ensembles import ensemble_poses, _train_member
from dlcnb.eks import ensemble_kalman_smooth, random_walk_smoother
from dlcnb.outliers import find_outliers, ensemble_spread


def members(n_frames=200, n_models=4, seed=0):
    "(frames, members, keypoints, 3) around a random walk of two keypoints."
    rng = np.random.default_rng(seed)
    walk = np.cumsum(rng.normal(0, 1, (n_frames, 2, 2)), 0) + 100
    xy = walk[:, None] + rng.normal(0, rng.uniform(0.5, 6, (n_frames, n_models, 2, 1)), (n_frames, n_models, 2, 2))
    return np.concatenate([xy, np.full((n_frames, n_models, 2, 1), 0.8)], -1)


META = {"bodyparts": ["nose", "tail"]}


@pytest.mark.parametrize("legacy", [True, False])
def test_ensemble_dataset_round_trip(tmp_path, legacy):
    ds = ensemble_poses(members(), META, "DLC_x_ensemble4", fps=30.0, members=True)
    back = load_poses(save_poses(ds, tmp_path / "e.nc", legacy=legacy))
    ft.test_eq(set(back.data_vars), {"position", "confidence", "ensemble_var", "member_position", "member_confidence"})
    ft.test_close(back.ensemble_var.values, ds.ensemble_var.values)
    ft.test_eq(back.member_position.sizes["member"], 4)


def test_h5_holds_the_median_and_the_nc_the_variance(tmp_path):
    kps = members()
    kps[10, 0, 0, :2] = np.nan  # one member lost the nose on frame 10
    ds = ensemble_poses(kps, META, "DLC_x_ensemble4", source=tmp_path / "vDLC_x_ensemble4.h5")
    h5 = write_dlc_file(ds, tmp_path / "vDLC_x_ensemble4.h5", "DLC_x_ensemble4")
    save_poses(ds, h5.with_suffix(".nc"))
    ft.test_close(read_dlc_file(h5).position.values[10, :, 0, 0], np.median(kps[10, 1:, 0, :2], 0))
    ft.test_close(ensemble_spread(read_dlc_file(h5)), ensemble_spread(ds))
    save_poses(ds.isel(time=slice(0, 50)), h5.with_suffix(".nc"))  # a stale .nc of another length
    ft.test_fail(lambda: find_outliers(read_dlc_file(h5), "ensemble"), contains="analyze_ensemble")


def test_eks_is_translation_equivariant():
    kps = members()
    ds = ensemble_poses(kps, META, "DLC_x")
    moved = kps.copy()
    moved[..., :2] += [37.0, -12.0]
    a, b = ensemble_kalman_smooth(ds), ensemble_kalman_smooth(ensemble_poses(moved, META, "DLC_x"))
    ft.test_close(b.position.values - a.position.values, np.array([37.0, -12.0])[None, :, None, None], eps=1e-6)
    ft.test_close(b.position_variance.values, a.position_variance.values, eps=1e-6)
    ft.test_eq(json.loads(a.attrs["eks_smooth_param"]), json.loads(b.attrs["eks_smooth_param"]))


def test_eks_bridges_gaps_and_handles_individuals():
    kps = members()
    kps[80:90, :, 1, :2] = np.nan  # every member lost the tail for 10 frames
    ds = ensemble_poses(kps, META, "DLC_x")
    two = ds.assign_coords(individual=["a"]).combine_first(ds.assign_coords(individual=["b"]))
    out = ensemble_kalman_smooth(two)
    ft.test_eq(out.position.sizes, two.position.sizes)
    assert np.isfinite(out.position.values).all()
    tail_var = out.position_variance.sel(keypoint="tail", individual="a", space="x").values
    assert tail_var[85] > 2 * np.median(tail_var)
    ft.test_close(out.sel(individual="a").position.values, out.sel(individual="b").position.values)


def test_smoother_matches_a_dense_solve():
    "The RTS means are the exact posterior means: compare with solving the random walk's normal equations."
    rng = np.random.default_rng(3)
    T, q, v0 = 60, 2.0, 50.0
    z, r = rng.normal(0, 5, T), rng.uniform(1, 9, T)
    ms, vs, _ = random_walk_smoother(z[None], r[None], q, v0)
    D = np.eye(T) - np.eye(T, k=-1)  # x[t] - x[t-1] ~ N(0, q); x[0] ~ N(0, v0)
    prior = D.T @ np.diag(np.r_[1 / v0, np.full(T - 1, 1 / q)]) @ D
    precision = prior + np.diag(1 / r)
    ft.test_close(ms[0], np.linalg.solve(precision, z / r), eps=1e-8)
    ft.test_close(vs[0], np.diag(np.linalg.inv(precision)), eps=1e-8)


def test_a_member_trains_with_the_shuffles_files_set_aside(tmp_path):
    folder, member = tmp_path / "train", tmp_path / "train" / "member-0"
    folder.mkdir()
    (folder / "snapshot-050.pt").write_bytes(b"the shuffle's own model")
    (folder / SETTINGS_FILE).write_text("seed: 1\n")

    def train():
        ft.test_eq(sorted(p.name for p in folder.glob("snapshot-*.pt")), [])
        (folder / "snapshot-003.pt").write_bytes(b"member")
        (folder / SETTINGS_FILE).write_text("seed: 42\n")

    _train_member(folder, member, train)
    ft.test_eq((folder / "snapshot-050.pt").read_bytes(), b"the shuffle's own model")
    ft.test_eq((folder / SETTINGS_FILE).read_text(), "seed: 1\n")
    ft.test_eq(sorted(p.name for p in member.iterdir()), ["dlcnb.yaml", "snapshot-003.pt"])
    ft.test_eq((member / SETTINGS_FILE).read_text(), "seed: 42\n")
    ft.test_eq((folder / ".ensemble-aside").exists(), False)


def test_a_crashed_member_leaves_the_shuffle_as_it_was(tmp_path):
    folder = tmp_path / "train"
    folder.mkdir()
    (folder / "snapshot-050.pt").write_bytes(b"own")

    def crash():
        (folder / "snapshot-001.pt").write_bytes(b"partial")
        raise DLCNBError("out of memory")

    ft.test_fail(lambda: _train_member(folder, folder / "member-1", crash), contains="out of memory")
    ft.test_eq(sorted(p.name for p in folder.iterdir()), ["snapshot-050.pt"])
