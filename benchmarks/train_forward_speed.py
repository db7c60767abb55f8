"""Forward speed of the pose models on 640x480 frames (the openfield video's size): preprocess + network + decode,
batch 8, frames/s (wall) and CPU-ms per frame (what an idle machine would need), at full size and at the default
input scale 0.5. This is the model's share of `analyze_videos`' budget (>= 30 frames/s end to end on 2 cores).

Run from the repository root: `python benchmarks/train_forward_speed.py [seconds per case]`."""

import os

os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
import sys, time, resource, warnings

sys.path.insert(0, os.path.dirname(__file__))
warnings.simplefilter("ignore")
import torch
from _machine import machine
from dlcnb.models import build_model, preprocess, decode


def cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def measure(net: str, scale: float, seconds: float) -> tuple:
    model = build_model(net, 4, pretrained=False).eval()
    frames = torch.randint(0, 255, (8, 480, 640, 3), dtype=torch.uint8)
    run = lambda: decode(*model(preprocess(frames, scale)), model.stride)
    with torch.inference_mode():
        run()
        t, c, n = time.perf_counter(), cpu(), 0
        while time.perf_counter() - t < seconds:
            run()
            n += len(frames)
    wall, used = time.perf_counter() - t, cpu() - c
    return n / wall, 1000 * used / n


def main(seconds: float = 8):
    print(f"machine: {machine()}, torch threads {torch.get_num_threads()}\nload average before: {os.getloadavg()}")
    for net in ("efficientnet_lite0", "mobilenet_v3_large", "resnet_50"):
        for scale in (1.0, 0.5):
            fps, ms = measure(net, scale, seconds)
            print(
                f"{net:20s} 640x480 at scale {scale}: {fps:6.1f} frames/s wall, {ms:6.1f} CPU-ms/frame "
                f"(idle 2 cores: ~{2000 / ms:.0f} frames/s)",
                flush=True,
            )
    print(f"load average after: {os.getloadavg()}")


if __name__ == "__main__":
    main(*[float(a) for a in sys.argv[1:]])
