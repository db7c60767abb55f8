"Shared set-up of the analysis benchmarks: an openfield project with an (untrained) snapshot, clips, the load."

import os, time
from pathlib import Path
import cv2, torch
from dlcnb.core import example_project, read_config, bodyparts
from dlcnb.models import build_model, save_snapshot
from dlcnb.training import snapshot_dir
from dlcnb.video import VideoReader

DEFAULT_SCALE = 0.5  # the input scale dlcnb trains at by default (`pose_dataloaders(scale=0.5)`)


def load() -> str:
    "The 1-minute load average against the usable cores (other agents share this machine)."
    return f"load average {os.getloadavg()[0]:.2f} on {len(os.sched_getaffinity(0))} cores"


def project_with_snapshot(dest, net_type: str, scale: float):
    """An openfield project in `dest` with shuffle 1's snapshot: a `net_type` model with random weights (speed does
    not depend on them)."""
    config = example_project(dest)
    cfg = read_config(config)
    folder = snapshot_dir(cfg)
    folder.mkdir(parents=True, exist_ok=True)
    meta = dict(
        net_type=net_type,
        bodyparts=[str(b) for b in bodyparts(cfg)],
        stride=8,
        scale=scale,
        Task=str(cfg["Task"]),
        date=str(cfg["date"]),
        project_path=str(cfg["project_path"]),
        shuffle=1,
        train_fraction=float(cfg["TrainingFraction"][0]),
        epoch=1,
    )
    torch.manual_seed(0)
    save_snapshot(build_model(net_type, len(meta["bodyparts"]), pretrained=False), folder / "snapshot-001.pt", meta)
    return config, Path(cfg["project_path"]) / "videos" / "m3v1mp4.mp4"


def make_clip(video, path, n_frames: int) -> Path:
    "The first `n_frames` of `video` as an mp4 at `path`."
    with VideoReader(video) as r:
        w = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"mp4v"), r.fps, r.size)
        for f in r.iter_frames(0, n_frames):
            w.write(cv2.cvtColor(f, cv2.COLOR_RGB2BGR))
        w.release()
    return Path(path)


def timed(f, *args, **kwargs):
    "`(result, wall seconds, CPU seconds of this process)` of `f(*args, **kwargs)`."
    start, cpu = time.perf_counter(), time.process_time()
    out = f(*args, **kwargs)
    return out, time.perf_counter() - start, time.process_time() - cpu


def cpu_note(frames: int, cpu: float) -> str:
    "CPU time used, and the rate it implies if the process had both cores to itself (load-independent estimate)."
    cores = len(os.sched_getaffinity(0))
    return f"CPU time {cpu:.1f} s, i.e. {frames / cpu * cores:.1f} frames/s if it had all {cores} cores"
