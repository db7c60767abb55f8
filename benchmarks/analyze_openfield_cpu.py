"""Bar 1: the default model on the whole 2,330-frame 640x480 openfield video, end to end (decode + inference + writing
the .h5, _meta.pickle and .nc), with the decode-only rate as the ceiling.

Run from the repo root: `python benchmarks/analyze_openfield_cpu.py [--device cuda]`. The model has random weights:
speed does not depend on them. Optional GPU path: `--device cuda` runs the same pipeline in float16, channels-last
(`Predictor(optimize="auto")`); no GPU figure is claimed from this machine."""
import argparse, sys, tempfile
from pathlib import Path
sys.path.insert(0, str(Path(__file__).parent))
import torch
from _machine import machine
from _infer_setup import DEFAULT_SCALE, load, project_with_snapshot, timed, cpu_note
from dlcnb.models import DEFAULT_NET_TYPE
from dlcnb.inference import analyze_videos
from dlcnb.video import VideoReader, iter_batches


def decode_only(video, batch_size):
    with VideoReader(video) as r: return sum(len(idx) for idx, _ in iter_batches(r, batch_size))


def main(device, batch_size):
    print(machine())
    if device == "cuda" and not torch.cuda.is_available(): sys.exit("No GPU here: run without --device cuda.")
    tmp = Path(tempfile.mkdtemp())
    config, video = project_with_snapshot(tmp, DEFAULT_NET_TYPE, DEFAULT_SCALE)
    print(f"[{load()}]")
    n, s, cpu = timed(decode_only, video, batch_size)
    print(f"decode only (threaded OpenCV, the ceiling): {n} frames in {s:.1f} s = {n / s:.1f} frames/s; {cpu_note(n, cpu)}")
    print(f"[{load()}]")
    ds, s, cpu = timed(analyze_videos, config, video, batch_size=batch_size, device=device, destfolder=tmp / "out")
    n = ds.sizes["time"]
    print(f"analyze_videos, {DEFAULT_NET_TYPE} at scale {DEFAULT_SCALE} on {device}, batch {batch_size}: {n} frames in "
          f"{s:.1f} s = {n / s:.1f} frames/s end to end (bar: >= 30 frames/s on the 2-core CPU); {cpu_note(n, cpu)}")
    print(f"outputs: {sorted(p.name for p in (tmp / 'out').iterdir())}")
    print(f"[{load()}]")


if __name__ == "__main__":
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--device", default="cpu"); p.add_argument("--batch-size", type=int, default=16)
    a = p.parse_args(); main(a.device, a.batch_size)
