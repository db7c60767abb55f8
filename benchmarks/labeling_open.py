"How long `label_frames` takes to open a folder of 500 frames, against reading every frame first (an eager viewer)."

import shutil, statistics, sys, tempfile, time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
import cv2
from _machine import machine
from dlcnb.core import example_project, read_config
from dlcnb.labeling import label_frames, frame_keys

N = 500


def timed(f, repeats=5):
    times = []
    for _ in range(repeats):
        t = time.perf_counter()
        f()
        times.append(time.perf_counter() - t)
    return statistics.median(times)


with tempfile.TemporaryDirectory() as tmp:
    config = example_project(tmp, n_frames=1)
    cfg = read_config(config)
    folder = Path(cfg["project_path"]) / "labeled-data" / "big"
    folder.mkdir()
    frame = Path(cfg["project_path"]) / "labeled-data/m4s1/img0000.png"
    for i in range(N):
        shutil.copy(frame, folder / f"img{i:05d}.png")
    lazy = timed(lambda: label_frames(config, "big"))
    eager = timed(
        lambda: [cv2.imread(str(Path(cfg["project_path"]).joinpath(*k))) for k in frame_keys(cfg, "big")], repeats=2
    )
    w = label_frames(config, "big")
    sent, total = len(w.image), sum(f.stat().st_size for f in folder.glob("*.png"))
print(
    f"label_frames opens {N} frames (640x480 PNG) in {lazy * 1000:.0f} ms, sending {sent / 1e3:.0f} kB of "
    f"{total / 1e6:.0f} MB; "
    f"reading every frame first takes {eager * 1000:.0f} ms ({eager / lazy:.0f}x longer)"
)
print(machine())
