"""Bar 2 of issue 3: training images/s of dlcnb's ResNet-50 pose model vs DeepLabCut 3's `resnet_50` at the same input
size, measured in one run on this machine, as a ratio. Since issue 16, dlcnb's single-animal `resnet_50` is
DeepLabCut 3's own network (`build_model("resnet_50")`), so the ratio compares the two training steps on one
architecture; figures in benchmarks/README.md dated before 2026-12-01 compared dlcnb's former feature-pyramid model.

Both models take the same batch (8 images, 3x256x256 by default) and do the same training step: forward, a scalar
loss on their outputs, backward and an AdamW step; images/s is the median over rounds, alternating the two libraries
so that the machine's load hits both alike. DeepLabCut 3 runs in its own venv (made by `tools/peer_env.py dlc3`, or
`$DLC3_PYTHON`),
with `PoseModel.build(..., pretrained_backbone=False)` since weights cannot be downloaded here (ours also starts
from random weights, so both compute the same thing). The data pipelines are not part of the measurement.

Run from the repository root: `python benchmarks/train_speed_vs_dlc3.py [size] [rounds]`."""

import os

os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
import sys, json, subprocess, statistics

sys.path.insert(0, os.path.dirname(__file__))
from _machine import machine
from _peers import peer_python

HEADER = r'''
import os, sys, time, json, warnings
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
warnings.simplefilter("ignore")
import torch
'''

STEP = r'''
torch.manual_seed(0)
size, batch, steps = int(sys.argv[1]), 8, int(sys.argv[2])
model = build().train()
opt = torch.optim.AdamW(model.parameters(), lr=1e-4)
x = torch.randn(batch, 3, size, size)
def step():
    out = model(x)
    loss = sum(t.float().mean() for t in leaves(out))
    loss.backward(); opt.step(); opt.zero_grad()
step()
t = time.perf_counter()
for _ in range(steps): step()
print(json.dumps({"images_per_s": batch * steps / (time.perf_counter() - t)}))
'''

OURS = r'''
sys.path.insert(0, os.getcwd())
from dlcnb.models import build_model
def build(): return build_model("resnet_50", 4, pretrained=False)
def leaves(out): return list(out)
'''

DLC3 = r'''
from deeplabcut.pose_estimation_pytorch.config.make_pose_config import make_pytorch_pose_config
from deeplabcut.pose_estimation_pytorch.models import PoseModel
import tempfile, yaml
def build():
    d = tempfile.mkdtemp()
    project = {"Task": "openfield", "scorer": "Pranav", "date": "Oct30", "multianimalproject": False, "identity": None,
               "project_path": d, "bodyparts": ["snout", "leftear", "rightear", "tailbase"], "iteration": 0,
               "TrainingFraction": [0.95], "default_net_type": "resnet_50", "uniquebodyparts": [], "individuals":
               ["animal"]}
    cfg = make_pytorch_pose_config(project, f"{d}/pytorch_config.yaml", net_type="resnet_50")
    return PoseModel.build(cfg["model"], pretrained_backbone=False)
def leaves(out): return [t for head in out.values() for t in head.values()]
'''


def measure(python: str, prelude: str, size: int, steps: int) -> float:
    out = subprocess.run([python, "-c", HEADER + prelude + STEP, str(size), str(steps)], capture_output=True, text=True)
    if out.returncode:
        raise RuntimeError(out.stderr[-2000:])
    return json.loads(out.stdout.strip().splitlines()[-1])["images_per_s"]


def main(size: int = 256, rounds: int = 3, steps: int = 4):
    dlc3 = peer_python("dlc3", "DLC3_PYTHON")
    print(f"machine: {machine()}\nload average before: {os.getloadavg()}")
    ours, theirs = [], []
    for r in range(rounds):
        ours.append(measure(sys.executable, OURS, size, steps))
        theirs.append(measure(dlc3, DLC3, size, steps))
        print(f"round {r + 1}: dlcnb {ours[-1]:.2f} img/s, DeepLabCut 3 {theirs[-1]:.2f} img/s", flush=True)
    o, t = statistics.median(ours), statistics.median(theirs)
    print(
        f"\nResNet-50 training step, batch 8 at {size}x{size}, CPU: dlcnb {o:.2f} img/s, DeepLabCut 3 {t:.2f} img/s, "
        f"ratio dlcnb/DLC3 = {o / t:.2f}  (load average after: {os.getloadavg()[0]:.1f})"
    )


if __name__ == "__main__":
    args = [int(a) for a in sys.argv[1:]]
    main(*args)
