"Shared set-up of the analysis benchmarks: an openfield project with an (untrained) snapshot, clips, the load."

import os, time
from pathlib import Path
import cv2
from dlcnb.core import example_project, read_config
from dlcnb.training import example_snapshot
from dlcnb.video import VideoReader

DEFAULT_SCALE = 0.5  # input scale of the published analysis figures, fixed so reruns compare (training picks its own)


def load() -> str:
    "The 1-minute load average against the usable cores (other agents share this machine)."
    return f"load average {os.getloadavg()[0]:.2f} on {len(os.sched_getaffinity(0))} cores"


def project_with_snapshot(dest, net_type: str, scale: float):
    """An openfield project in `dest` with shuffle 1's snapshot: a `net_type` model with random weights
    (`training.example_snapshot`; speed does not depend on them)."""
    config = example_project(dest)
    example_snapshot(config, net_type, scale)
    return config, Path(read_config(config)["project_path"]) / "videos" / "m3v1mp4.mp4"


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
