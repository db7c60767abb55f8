"""Issue 8, the multi-animal model end to end on real data: a bottom-up (heatmaps + part affinity fields) model trained
through `train_network` on the two-fly video, labelled from the bundled SLEAP predictions; evaluated on held-out frames
(DeepLabCut's errors after matching individuals); then the whole 1,100-frame video analysed, assembled, tracked and
stitched into 2 identities, scored against SLEAP's own tracks (identity switches, IDF1, MOTA).

SLEAP's predictions are the labels here (no human labelled this video), so errors are distances to SLEAP's model, and
the labelled frames (spread over the whole video) are also frames the analysis covers.

Run from the repository root: `python benchmarks/multianimal_flies.py [n_frames] [epochs] [scale]` (defaults 100 40
0.5)."""

import os

os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
import sys, tempfile
from pathlib import Path

sys.path[:0] = [str(Path(__file__).parent), str(Path(__file__).parents[1])]
from _machine import machine, timed
from dlcnb.core import example_data
from dlcnb.label_imports import example_multianimal_project
from dlcnb.data import create_training_dataset
from dlcnb.training import train_network
from dlcnb.evaluation import evaluate_network
from dlcnb.inference import analyze_videos
from dlcnb.poses import read_sleap_predictions
from dlcnb.tracking import convert_detections2tracklets, stitch_tracklets, mot_metrics


def main(n_frames: int, epochs: int, scale: float):
    print(f"machine: {machine()}\nload average before: {os.getloadavg()}", flush=True)
    config = example_multianimal_project(tempfile.mkdtemp(), n_frames=n_frames)
    create_training_dataset(config)
    _, wall, cpu = timed(lambda: train_network(config, epochs=epochs, batch_size=8, scale=scale, crop=None))
    print(
        f"training: {n_frames} labelled frames (0.95 split), {epochs} epochs at scale {scale}: {wall / 60:.1f} min "
        f"wall, {cpu / 60:.1f} CPU-min",
        flush=True,
    )
    s = evaluate_network(config, snapshot=-1, show_errors=False).iloc[0]
    print(
        f"evaluation (px, vs SLEAP's predictions, individuals matched): train {s['train rmse']:.2f}, test "
        f"{s['test rmse']:.2f}, "
        f"test with p-cutoff {s['test rmse_pcutoff']:.2f}; test mAP {s['test mAP']:.1f}, mAR {s['test mAR']:.1f}",
        flush=True,
    )
    video = Path(config).parent / "videos" / "centered_pair_low_quality.mp4"
    dets, wall, cpu = timed(lambda: analyze_videos(config, video, snapshot=-1, client=False))
    found = int(dets.position.isel(space=0).notnull().any("keypoint").sum())
    print(
        f"analysis: {dets.sizes['time']} frames in {wall:.1f} s ({dets.sizes['time'] / wall:.1f} frames/s, {cpu:.1f} "
        "CPU-s), "
        f"{found} individuals assembled ({found / dets.sizes['time']:.2f} per frame)",
        flush=True,
    )
    (tracks, wall, _) = timed(lambda: stitch_tracklets(convert_detections2tracklets(dets), n_tracks=2))
    sleap = read_sleap_predictions(
        example_data("flies") / "centered_pair_predictions.slp", fps=dets.attrs.get("fps"), by_track=True
    )
    long = sleap.isel(
        individual=(-(sleap.sleap_track >= 0).sum("time")).argsort().values[:2]
    )  # SLEAP's two whole tracks
    m = mot_metrics(tracks, long, name="ours vs SLEAP").iloc[0]
    print(
        f"tracking + stitching: {dets.sizes['time'] / wall:.0f} frames/s; {tracks.sizes['individual']} identities; "
        "vs SLEAP's two tracks: "
        f"{int(m.num_switches)} identity switches, IDF1 {m.idf1:.3f}, MOTA {m.mota:.3f}, recall {m.recall:.3f}"
    )


if __name__ == "__main__":
    args = [float(a) for a in sys.argv[1:]]
    main(int(args[0]) if args else 100, int(args[1]) if len(args) > 1 else 40, args[2] if len(args) > 2 else 0.5)
