"""Live inference latency (issue 21): `dlcnb.live.DLCLive.get_pose` on 640x480 frames of the openfield video,
one frame at a time as from a camera, with the default model (EfficientNet-Lite0 at scale 0.5) exported to ONNX
(onnxruntime) and as a `.pt` file (torch); p50 and p99 per frame, the load average beside them.
DeepLabCut-Live's goal is < 15 ms.

Run from the repo root: `python benchmarks/live_latency.py [n_frames] [--dynamic]`. `--dynamic` also measures dynamic
cropping (a box around the previous pose), which only means something with a trained model: with the random weights
used here the box follows meaningless keypoints. Speed does not depend on the weights."""

import os

os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
import argparse, sys, tempfile, time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
import numpy as np
from _machine import machine
from _infer_setup import DEFAULT_SCALE, load, project_with_snapshot
from dlcnb.models import DEFAULT_NET_TYPE
from dlcnb.inference import export_model
from dlcnb.live import DLCLive
from dlcnb.video import VideoReader


def latencies(live: DLCLive, frames) -> np.ndarray:
    "Seconds per `get_pose` call, after `init_inference` on the first frame."
    live.init_inference(frames[0])
    out = []
    for f in frames[1:]:
        start = time.perf_counter()
        live.get_pose(f)
        out.append(time.perf_counter() - start)
    return np.array(out)


def main(n_frames: int, dynamic: bool):
    print(machine())
    tmp = Path(tempfile.mkdtemp())
    config, video = project_with_snapshot(tmp, DEFAULT_NET_TYPE, DEFAULT_SCALE)
    with VideoReader(video) as r:
        frames = list(r.iter_frames(0, n_frames + 1))
    models = {"onnxruntime": export_model(config, format="onnx"), "torch": export_model(config)}
    runs = [(name, DLCLive(path)) for name, path in models.items()]
    if dynamic:
        runs.append(("onnxruntime, dynamic cropping", DLCLive(models["onnxruntime"], dynamic=(True, 0.5, 40))))
    for name, live in runs:
        ms = latencies(live, frames) * 1e3
        print(
            f"DLCLive.get_pose, {DEFAULT_NET_TYPE} at scale {DEFAULT_SCALE}, 640x480, {name}: p50 "
            f"{np.percentile(ms, 50):.1f} ms, "
            f"p99 {np.percentile(ms, 99):.1f} ms over {len(ms)} frames (goal p50 <= 15 ms) [{load()}]",
            flush=True,
        )


if __name__ == "__main__":
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("n_frames", type=int, nargs="?", default=300)
    p.add_argument("--dynamic", action="store_true")
    a = p.parse_args()
    main(a.n_frames, a.dynamic)
