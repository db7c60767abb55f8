"""Issue 21 bar 2: one ResNet-50 snapshot analysed by dlcnb's `analyze_videos` and by DeepLabCut 3's, on the same clip.

The snapshot is DeepLabCut 3's own `resnet_50` (timm's resnet50_gn, output stride 16, deconvolution heads), built by
dlcnb's `build_model("resnet_50")` with random weights (ImageNet weights cannot be had here; speed does not depend on
them) and saved in a dlcnb shuffle with the files DeepLabCut reads (`write_dlc3_architecture`), so both tools run the
very same network and weights. DeepLabCut 3.0.2 runs in its own environment (`tools/peer_env.py dlc3`). Both timings
cover the whole `analyze_videos` call (loading the snapshot, decoding, inference, writing the .h5), at full 640x480,
scale 1, same batch size. Prints the machine and load, frames/s of each, the ratio and the largest pose difference.

Run from the repo root: `nice -n 10 python benchmarks/dlc3_ratio.py [--frames 200] [--batch-size 8]`."""

import argparse, sys, tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
sys.path.insert(0, str(Path(__file__).parents[1] / "tests" / "interop"))
from _machine import machine
from _infer_setup import load, project_with_snapshot, make_clip, timed, cpu_note
import dlc3_scenario as scenario
from dlcnb.core import read_config
from dlcnb.data import create_training_dataset, write_pytorch_config
from dlcnb.inference import analyze_videos
from dlcnb.models import load_snapshot, write_dlc3_architecture
from dlcnb.training import find_snapshot, snapshot_dir


def shared_snapshot(dest: Path) -> tuple:
    "An openfield project whose shuffle 1 holds one DeepLabCut-architecture resnet_50 snapshot both tools can run."
    config, video = project_with_snapshot(dest, "resnet_50", 1.0)
    cfg = read_config(config)
    create_training_dataset(config, net_type="resnet_50")
    write_pytorch_config(cfg, cfg["TrainingFraction"][0], 1, net_type="resnet_50", scale=1.0)
    folder = snapshot_dir(cfg)
    write_dlc3_architecture(folder, load_snapshot(find_snapshot(folder, -1))[0])
    return config, video


def main(n_frames: int, batch_size: int):
    print(machine())
    tmp = Path(tempfile.mkdtemp())
    config, video = shared_snapshot(tmp / "project")
    clip = make_clip(video, tmp / "clip.mp4", n_frames)
    for side in ("ours", "dlc"):
        (tmp / side).mkdir()
    print(f"[{load()}]")
    ds, ours, cpu = timed(
        analyze_videos, config, clip, batch_size=batch_size, device="cpu", destfolder=tmp / "ours", optimize="none"
    )
    n = ds.sizes["time"]
    print(f"dlcnb analyze_videos: {n} frames in {ours:.1f} s = {n / ours:.2f} frames/s; {cpu_note(n, cpu)}")
    print(f"[{load()}]")
    (dlc,) = scenario.dlc3(
        scenario.dlc3_python(),
        (
            "analyze",
            {
                "config": str(config),
                "video": str(clip),
                "shuffle": 1,
                "snapshotindex": -1,
                "dest": str(tmp / "dlc"),
                "batch_size": batch_size,
            },
        ),
    )
    if not dlc["ok"]:
        sys.exit(f"DeepLabCut 3's analyze_videos failed: {dlc['error']}")
    print(
        f"DeepLabCut 3 analyze_videos: {n} frames in {dlc['seconds']:.1f} s = {n / dlc['seconds']:.2f} frames/s; "
        f"{cpu_note(n, dlc['cpu_seconds'])}"
    )
    print(f"[{load()}]")
    same = scenario._same_poses("poses", "", scenario._h5_poses(tmp / "dlc"), scenario._h5_poses(tmp / "ours"), None)
    print(f"same snapshot, same poses: {same.ok} ({same.detail})")
    print(
        f"ratio dlcnb / DeepLabCut 3: {dlc['seconds'] / ours:.2f}x in wall time (bar: >= 2x), "
        f"{dlc['cpu_seconds'] / cpu:.2f}x in CPU time"
    )


if __name__ == "__main__":
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--frames", type=int, default=200)
    p.add_argument("--batch-size", type=int, default=8)
    a = p.parse_args()
    main(a.frames, a.batch_size)
