"""Issue 19, bottom-up against top-down multi-animal models on real data, side by side: the protocol of
`multianimal_flies.py` (the bundled two-fly video labelled from SLEAP's predictions, `n_frames` frames; train through
`train_network`; evaluate on the held-out frames; analyse the whole 1,100-frame video; track and stitch into 2
identities; score against SLEAP's own tracks), once with a bottom-up model (heatmaps + part affinity fields,
`efficientnet_lite0`) and once with a top-down one (`top_down_efficientnet_lite0`: a centroid model on the
downscaled frame, then a pose model on full-resolution crops around each fly). Each method gets its own copy of the
project, so both have the same labels and the same train/test split (shuffle 1).

SLEAP's predictions are the labels here (no human labelled this video), so errors are distances to SLEAP's model.

Run from the repository root: `python benchmarks/multianimal_methods.py [n_frames] [epochs] [scale]` (defaults 100
40 0.5; `epochs` is each stage's for top-down)."""

import os

os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
import sys, tempfile
from pathlib import Path

sys.path[:0] = [str(Path(__file__).parent), str(Path(__file__).parents[1])]
import pandas as pd
from _machine import machine, timed
from dlcnb.core import DLCNBError, example_data
from dlcnb.label_imports import example_multianimal_project
from dlcnb.data import create_training_dataset
from dlcnb.training import train_network
from dlcnb.evaluation import evaluate_network
from dlcnb.inference import analyze_videos
from dlcnb.poses import read_sleap_predictions
from dlcnb.tracking import convert_detections2tracklets, stitch_tracklets, mot_metrics

METHODS = {"bottom-up": "efficientnet_lite0", "top-down": "top_down_efficientnet_lite0"}


def sleap_tracks(fps):
    "SLEAP's two whole tracks of the video."
    sleap = read_sleap_predictions(example_data("flies") / "centered_pair_predictions.slp", fps=fps, by_track=True)
    return sleap.isel(individual=(-(sleap.sleap_track >= 0).sum("time")).argsort().values[:2])


def run(method: str, n_frames: int, epochs: int, scale: float) -> dict:
    "Train, evaluate, analyse, track and score one method on its own copy of the project."
    config = example_multianimal_project(tempfile.mkdtemp(), n_frames=n_frames)
    create_training_dataset(config, net_type=METHODS[method])
    _, wall, cpu = timed(
        lambda: train_network(config, epochs=epochs, batch_size=8, scale=scale, crop=None, progress=False)
    )
    print(f"{method}: training {wall / 60:.1f} min wall, {cpu / 60:.1f} CPU-min", flush=True)
    s = evaluate_network(config, snapshot=-1, show_errors=False).iloc[0]
    video = Path(config).parent / "videos" / "centered_pair_low_quality.mp4"
    dets, wall, cpu = timed(lambda: analyze_videos(config, video, snapshot=-1, client=False))
    found = int(dets.position.isel(space=0).notnull().any("keypoint").sum())
    try:
        tracks = stitch_tracklets(convert_detections2tracklets(dets), n_tracks=2)
        m = mot_metrics(tracks, sleap_tracks(dets.attrs.get("fps")), name=method).iloc[0]
    except DLCNBError as e:  # an undertrained model may find no whole animal to track
        print(f"{method}: tracking failed: {e}")
        m = pd.Series({"num_switches": -1, "idf1": float("nan"), "mota": float("nan")})
    row = {
        "train rmse (px)": s["train rmse"],
        "test rmse (px)": s["test rmse"],
        "test rmse p-cutoff (px)": s["test rmse_pcutoff"],
        "test mAP": s["test mAP"],
        "test mAR": s["test mAR"],
        "analysis frames/s": dets.sizes["time"] / wall,
        "analysis CPU-ms/frame": 1000 * cpu / dets.sizes["time"],
        "animals per frame": found / dets.sizes["time"],
        "identity switches": int(m.num_switches),
        "IDF1": m.idf1,
        "MOTA": m.mota,
    }
    print(f"{method}: {row}", flush=True)
    return row


def main(n_frames: int, epochs: int, scale: float):
    print(f"machine: {machine()}\nload average before: {os.getloadavg()}", flush=True)
    print(f"{n_frames} labelled frames (0.95 split), {epochs} epochs (each stage for top-down), scale {scale}")
    table = pd.DataFrame({m: run(m, n_frames, epochs, scale) for m in METHODS})
    print(f"load average after: {os.getloadavg()}")
    print(table.round(3).to_string())


if __name__ == "__main__":
    args = [float(a) for a in sys.argv[1:]]
    main(int(args[0]) if args else 100, int(args[1]) if len(args) > 1 else 40, args[2] if len(args) > 2 else 0.5)
