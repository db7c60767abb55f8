"""Dask distributed runs (videos, and triangulation of many recordings): same results as the sequential path,
resumable after a worker is killed mid-run or a file is repaired."""

import os
from pathlib import Path
import numpy as np, pandas as pd, xarray as xr, dask, pytest
from distributed import Client, LocalCluster
from dlcnb.core import example_data, example_project, atomic_path
from dlcnb.video import VideoReader, write_clip
from dlcnb.distributed import map_videos


def cut_clip(dest, start, n=40):
    return write_clip(example_data("openfield") / "videos" / "m3v1mp4.mp4", dest, start, start + n, fps=30)


def frame_stats(video, outdir, die_once_marker=None):
    "Per-frame mean and std of a clip, written atomically; optionally kills its own worker process the first time."
    with VideoReader(video) as r:
        values = np.array([[f.mean(), f.std()] for f in r])
    if die_once_marker and Path(video).stem == "clip1" and not Path(die_once_marker).exists():
        Path(die_once_marker).touch()
        os._exit(1)  # the worker dies mid-run, with the task in flight
    out = Path(outdir) / f"{Path(video).stem}.nc"
    with atomic_path(out) as t:
        xr.DataArray(values, dims=("frame", "stat")).to_netcdf(t, engine="h5netcdf")
    return str(out)


@pytest.fixture(scope="module")
def clips(tmp_path_factory):
    d = tmp_path_factory.mktemp("clips")
    return [cut_clip(d / f"clip{i}.avi", 400 * i) for i in range(4)]


def outputs(d):
    return {p.name: xr.load_dataarray(p, engine="h5netcdf") for p in sorted(Path(d).glob("*.nc"))}


def test_cluster_equals_sequential(clips, tmp_path):
    seq, par = tmp_path / "seq", tmp_path / "par"
    assert (map_videos(frame_stats, clips, client=False, outdir=seq).status == "done").all()
    with LocalCluster(n_workers=2, threads_per_worker=1, dashboard_address=":0") as cluster, Client(cluster) as client:
        report = map_videos(frame_stats, clips, client=client, outdir=par)
    assert (report.status == "done").all()
    assert len(set(report.worker)) == 2  # really spread over both workers
    a, b = outputs(seq), outputs(par)
    assert list(a) == list(b) == [f"clip{i}.nc" for i in range(4)]
    for k in a:
        xr.testing.assert_identical(a[k], b[k])


def test_killed_worker_then_rerun_completes_identically(clips, tmp_path):
    seq, par = tmp_path / "seq", tmp_path / "par"
    map_videos(frame_stats, clips, client=False, outdir=seq)
    done = lambda v: (par / f"{Path(v).stem}.nc").exists()
    with dask.config.set({"distributed.scheduler.allowed-failures": 0}):
        with (
            LocalCluster(n_workers=2, threads_per_worker=1, dashboard_address=":0") as cluster,
            Client(cluster) as client,
        ):
            first = map_videos(
                frame_stats, clips, done=done, client=client, outdir=par, die_once_marker=tmp_path / "died"
            )
    assert (tmp_path / "died").exists()
    statuses = dict(zip([Path(v).stem for v in first.video], first.status))
    assert statuses["clip1"] == "failed" and "KilledWorker" in first.set_index("video").error[str(clips[1])]
    assert not (par / "clip1.nc").exists()  # no half-written output
    second = map_videos(frame_stats, clips, done=done, client=False, outdir=par, die_once_marker=tmp_path / "died")
    assert second.set_index("video").status[str(clips[1])] == "done"
    assert (second.status == "skipped").sum() == sum(s == "done" for s in first.status)
    a, b = outputs(seq), outputs(par)
    assert list(a) == list(b)
    for k in a:
        xr.testing.assert_identical(a[k], b[k])


def test_analyze_videos_on_a_cluster_equals_sequential(clips, tmp_path):
    from dlcnb.inference import analyze_videos
    from dlcnb.training import example_snapshot

    config = example_project(tmp_path / "proj")
    example_snapshot(config)  # untrained: predictions need only be deterministic
    seq = analyze_videos(config, clips, destfolder=tmp_path / "seq", client=False, optimize="none")
    with LocalCluster(n_workers=2, threads_per_worker=1, dashboard_address=":0") as cluster, Client(cluster) as client:
        par = analyze_videos(config, clips, destfolder=tmp_path / "par", client=client, optimize="none")
    assert list(seq) == list(par) == [str(c) for c in clips]
    for v in seq:  # the same predictions; workers run other thread counts, so float32 sums may differ in the last bits
        np.testing.assert_allclose(seq[v].position.values, par[v].position.values, rtol=0, atol=1e-3)
        np.testing.assert_allclose(seq[v].confidence.values, par[v].confidence.values, rtol=0, atol=1e-5)


def rig_recordings(dest, n=6):
    "A 3-camera synthetic 3D project and `n` recordings' 2D predictions (trial1..n), with their true 3D points."
    from dlcnb.calibration import create_project_3d, save_calibration
    from dlcnb.poses import make_poses, write_dlc_file
    from dlcnb.triangulation import synthetic_rig, synthetic_scene

    rig = synthetic_rig(3)
    config = create_project_3d("rig", "me", camera_names=rig.names, working_directory=dest)
    save_calibration(rig, config.parent / "camera_matrix" / "calibration.toml")
    folder, truths = Path(dest) / "recordings", {}
    for k in range(1, n + 1):
        truths[f"trial{k}"] = synthetic_scene(30 * 5, seed=k).reshape(30, 5, 1, 3)
        pix = rig.project(truths[f"trial{k}"])
        for j, cam in enumerate(rig.names):
            ds = make_poses(pix[j].transpose(0, 3, 1, 2), np.full((30, 5, 1), 0.9), None, fps=30)
            write_dlc_file(ds, folder / f"trial{k}-{cam}DLC_resnet50_rigshuffle1.h5", scorer="DLC_resnet50_rigshuffle1")
    return config, folder, truths


def test_triangulate_sessions_on_a_cluster_equals_sequential_and_resumes(tmp_path):
    from dlcnb.triangulation import find_sessions, triangulate_sessions

    config, folder, truths = rig_recordings(tmp_path)
    sessions = {Path(k).name: v for k, v in find_sessions(folder, ["cam0", "cam1", "cam2"]).items()}
    sessions["trial5"]["cam1"] = folder / "trial5-cam1-not-there.h5"  # a camera's file is missing
    corrupt = sessions["trial6"]["cam2"]
    good = corrupt.read_bytes()
    corrupt.write_bytes(b"\x00" * 100)  # and one is corrupt
    seq = triangulate_sessions(config, sessions, destfolder=tmp_path / "seq", client=False)
    with (
        LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0") as cluster,
        Client(cluster) as client,
    ):
        par = triangulate_sessions(config, sessions, destfolder=tmp_path / "par", client=client)
        again = triangulate_sessions(config, sessions, destfolder=tmp_path / "par", client=client)
        cached = client.run(
            lambda: [
                k for k in __import__("dlcnb.distributed").distributed._WORKER_CACHE if k.startswith("calibration-")
            ]
        )
    expected = ["done"] * 4 + ["failed"] * 2
    assert seq.session.tolist() == par.session.tolist() == [f"trial{k}" for k in range(1, 7)]
    assert seq.status.tolist() == par.status.tolist() == expected
    pids = {w.split(":")[1] for w in par.worker if w}
    assert len(pids) == 2 and str(os.getpid()) not in pids  # real worker processes, both used
    assert all(len(keys) == 1 for keys in cached.values())  # the calibration, loaded once per worker
    for rep in (seq, par):
        assert (
            "trial5-cam1-not-there.h5" in rep.error[4]
            and "trial6-cam2" in rep.error[5]
            and "Cannot read" in rep.error[5]
        )
    for k in range(1, 5):
        a, b = (pd.read_hdf(tmp_path / d / f"trial{k}_DLC_3D.h5") for d in ("seq", "par"))
        pd.testing.assert_frame_equal(a, b, check_exact=True)
        np.testing.assert_allclose(a.to_numpy().reshape(30, 5, 3), truths[f"trial{k}"][:, :, 0], atol=1e-6)
    assert again.status.tolist() == ["skipped"] * 4 + ["failed"] * 2 and (again.seconds[:4] == 0).all()
    assert sorted(p.name for p in (tmp_path / "par").glob("*.h5")) == [f"trial{k}_DLC_3D.h5" for k in range(1, 5)]
    corrupt.write_bytes(good)  # repaired: a rerun triangulates only that recording
    fixed = triangulate_sessions(config, sessions, destfolder=tmp_path / "par", client=False)
    assert fixed.status.tolist() == ["skipped"] * 4 + ["failed", "done"]
    np.testing.assert_allclose(
        pd.read_hdf(tmp_path / "par" / "trial6_DLC_3D.h5").to_numpy().reshape(30, 5, 3),
        truths["trial6"][:, :, 0],
        atol=1e-6,
    )


def test_save_pose_collection_from_the_package(tmp_path):
    "save_pose_collection (the installed module, not a notebook's namespace) writes and then replaces a zarr store."
    from dlcnb.poses import make_poses, save_poses
    from dlcnb.distributed import open_pose_collection, save_pose_collection

    rng = np.random.default_rng(0)
    files = [
        save_poses(
            make_poses(
                rng.normal(size=(30, 2, 3, 1)).astype(np.float32),
                rng.uniform(size=(30, 3, 1)).astype(np.float32),
                keypoints=["a", "b", "c"],
            ),
            tmp_path / f"v{i}.nc",
        )
        for i in range(2)
    ]
    ds = open_pose_collection(files)
    store = save_pose_collection(ds, tmp_path / "all.zarr", time_chunk=10)
    save_pose_collection(ds, store, time_chunk=10)  # replacing an existing store
    back = open_pose_collection(store)
    np.testing.assert_allclose(back.position.values, ds.position.values)
    assert not list(tmp_path.glob(".all.zarr*"))
