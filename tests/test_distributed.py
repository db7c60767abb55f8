"Dask distributed runs: same results as the sequential path, and resumable after a worker is killed mid-run."
import os
from pathlib import Path
import cv2, numpy as np, xarray as xr, dask, pytest
from distributed import Client, LocalCluster
from dlcnb.core import example_data, atomic_path
from dlcnb.video import VideoReader
from dlcnb.distributed import map_videos


def cut_clip(dest, start, n=40):
    with VideoReader(example_data("openfield") / "videos" / "m3v1mp4.mp4") as r:
        w = cv2.VideoWriter(str(dest), cv2.VideoWriter_fourcc(*"MJPG"), 30, r.size)
        for f in r.iter_frames(start, start + n): w.write(cv2.cvtColor(f, cv2.COLOR_RGB2BGR))
        w.release()
    return dest


def frame_stats(video, outdir, die_once_marker=None):
    "Per-frame mean and std of a clip, written atomically; optionally kills its own worker process the first time."
    with VideoReader(video) as r: values = np.array([[f.mean(), f.std()] for f in r])
    if die_once_marker and Path(video).stem == "clip1" and not Path(die_once_marker).exists():
        Path(die_once_marker).touch()
        os._exit(1)  # the worker dies mid-run, with the task in flight
    out = Path(outdir) / f"{Path(video).stem}.nc"
    with atomic_path(out) as t: xr.DataArray(values, dims=("frame", "stat")).to_netcdf(t, engine="h5netcdf")
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
    for k in a: xr.testing.assert_identical(a[k], b[k])


def test_killed_worker_then_rerun_completes_identically(clips, tmp_path):
    seq, par = tmp_path / "seq", tmp_path / "par"
    map_videos(frame_stats, clips, client=False, outdir=seq)
    done = lambda v: (par / f"{Path(v).stem}.nc").exists()
    with dask.config.set({"distributed.scheduler.allowed-failures": 0}):
        with LocalCluster(n_workers=2, threads_per_worker=1, dashboard_address=":0") as cluster, Client(cluster) as client:
            first = map_videos(frame_stats, clips, done=done, client=client, outdir=par, die_once_marker=tmp_path / "died")
    assert (tmp_path / "died").exists()
    statuses = dict(zip([Path(v).stem for v in first.video], first.status))
    assert statuses["clip1"] == "failed" and "KilledWorker" in first.set_index("video").error[str(clips[1])]
    assert not (par / "clip1.nc").exists()  # no half-written output
    second = map_videos(frame_stats, clips, done=done, client=False, outdir=par, die_once_marker=tmp_path / "died")
    assert second.set_index("video").status[str(clips[1])] == "done"
    assert (second.status == "skipped").sum() == sum(s == "done" for s in first.status)
    a, b = outputs(seq), outputs(par)
    assert list(a) == list(b)
    for k in a: xr.testing.assert_identical(a[k], b[k])


def snapshot_project(dest):
    "An openfield project with shuffle 1's snapshot: an untrained default model (predictions need only be deterministic)."
    import torch
    from dlcnb.core import example_project, read_config, bodyparts
    from dlcnb.models import build_model, save_snapshot, DEFAULT_NET_TYPE
    from dlcnb.training import snapshot_dir
    config = example_project(dest); cfg = read_config(config)
    folder = snapshot_dir(cfg); folder.mkdir(parents=True, exist_ok=True)
    meta = dict(net_type=DEFAULT_NET_TYPE, bodyparts=bodyparts(cfg), stride=8, scale=0.5, Task=str(cfg["Task"]), date=str(cfg["date"]),
                project_path=str(cfg["project_path"]), shuffle=1, train_fraction=float(cfg["TrainingFraction"][0]), epoch=1)
    torch.manual_seed(0)
    save_snapshot(build_model(DEFAULT_NET_TYPE, len(meta["bodyparts"]), pretrained=False), folder / "snapshot-001.pt", meta)
    return config


def test_analyze_videos_on_a_cluster_equals_sequential(clips, tmp_path):
    from dlcnb.inference import analyze_videos
    config = snapshot_project(tmp_path / "proj")
    seq = analyze_videos(config, clips, destfolder=tmp_path / "seq", client=False, optimize="none")
    with LocalCluster(n_workers=2, threads_per_worker=1, dashboard_address=":0") as cluster, Client(cluster) as client:
        par = analyze_videos(config, clips, destfolder=tmp_path / "par", client=client, optimize="none")
    assert list(seq) == list(par) == [str(c) for c in clips]
    for v in seq:  # the same predictions; workers run other thread counts, so float32 sums may differ in the last bits
        np.testing.assert_allclose(seq[v].position.values, par[v].position.values, rtol=0, atol=1e-3)
        np.testing.assert_allclose(seq[v].confidence.values, par[v].confidence.values, rtol=0, atol=1e-5)
