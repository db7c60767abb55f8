"""Bar 2: ResNet-50 at full 640x480 resolution, dlcnb's `analyze_videos` against DeepLabCut 3's, in one run on the same
clip; prints both rates and the ratio.

Run from the repo root: `python benchmarks/analyze_resnet50_vs_dlc3.py [--frames 48] [--device cuda]`. DeepLabCut runs
in its own environment (`tools/peer_env.py dlc3`, or `$DLC3_PYTHON`; see `_dlc3_analyze.py`). Both models have random
weights (ImageNet weights cannot
be downloaded here; speed does not depend on weights). Both timings cover the whole `analyze_videos` call: loading the
snapshot, decoding, inference and writing the .h5. The two ResNet-50s are not identical: DeepLabCut 3's `resnet_50` is
timm's `resnet50_gn` (group norm, output stride 16, deconvolution head to stride 8); dlcnb's is timm's `resnet50`
(batch norm, feature pyramid head at stride 8). The parameter counts are printed. Optional GPU path: `--device cuda`
(dlcnb runs float16, channels-last); no GPU figure is claimed from this machine."""

import argparse, json, subprocess, sys, tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
import torch
from _machine import machine
from _peers import peer_python
from _infer_setup import load, project_with_snapshot, make_clip, timed, cpu_note
from dlcnb.core import example_project
from dlcnb.inference import analyze_videos, load_predictor


def main(n_frames, batch_size, device):
    print(machine())
    if device == "cuda" and not torch.cuda.is_available():
        sys.exit("No GPU here: run without --device cuda.")
    tmp = Path(tempfile.mkdtemp())
    config, video = project_with_snapshot(tmp / "ours", "resnet_50", 1.0)
    clip = make_clip(video, tmp / "clip.mp4", n_frames)
    params = sum(p.numel() for p in load_predictor(config, device="cpu").model.parameters())
    print(f"[{load()}]")
    ds, ours, cpu = timed(
        analyze_videos, config, clip, batch_size=batch_size, device=device, destfolder=tmp / "ours-out"
    )
    print(
        f"dlcnb analyze_videos, resnet_50 ({params / 1e6:.1f} M parameters), {ds.sizes['time']} frames of 640x480, "
        f"batch {batch_size}, {device}: {ours:.1f} s = {ds.sizes['time'] / ours:.2f} frames/s; "
        f"{cpu_note(ds.sizes['time'], cpu)}"
    )
    print(f"[{load()}]")
    dlc_config = example_project(tmp / "dlc")
    run = subprocess.run(
        [
            peer_python("dlc3", "DLC3_PYTHON"),
            str(Path(__file__).parent / "_dlc3_analyze.py"),
            str(dlc_config),
            str(clip),
            str(batch_size),
            device,
        ],
        capture_output=True,
        text=True,
    )
    if run.returncode:
        sys.exit(f"DeepLabCut failed:\n{run.stderr[-3000:]}")
    dlc = json.loads(run.stdout.strip().splitlines()[-1])
    print(
        f"DeepLabCut 3 analyze_videos, resnet_50 ({dlc['params'] / 1e6:.1f} M parameters), {dlc['frames']} frames, "
        f"batch {batch_size}, {device}: {dlc['seconds']:.1f} s = {dlc['frames'] / dlc['seconds']:.2f} frames/s; "
        f"{cpu_note(dlc['frames'], dlc['cpu_seconds'])}"
    )
    print(f"[{load()}]")
    print(
        f"speed-up dlcnb / DeepLabCut 3: {dlc['seconds'] / ours:.2f}x in wall time (bar: >= 1.5x), "
        f"{dlc['cpu_seconds'] / cpu:.2f}x in CPU time"
    )


if __name__ == "__main__":
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--frames", type=int, default=48)
    p.add_argument("--batch-size", type=int, default=8)
    p.add_argument("--device", default="cpu")
    a = p.parse_args()
    main(a.frames, a.batch_size, a.device)
