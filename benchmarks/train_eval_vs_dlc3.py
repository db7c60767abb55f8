"""Bar 3 of issue 3: dlcnb's evaluation metrics reproduce DeepLabCut 3's on the same predictions.

Random single-animal labels and predictions (NaN labels, scattered errors and likelihoods, a few wild predictions)
are scored by `dlcnb.evaluation` and by DeepLabCut 3's `deeplabcut.core.metrics.compute_metrics` (in its own venv,
`/work/venvs/dlc3` or `$DLC3_PYTHON`); the script prints both and the largest difference, and fails if they differ.

Run from the repository root: `python benchmarks/train_eval_vs_dlc3.py [n_datasets]`."""
import os, sys, json, subprocess, tempfile
sys.path.insert(0, os.path.dirname(__file__))
import numpy as np
from _machine import machine
from dlcnb.evaluation import rmse, map_mar

DLC = r'''
import sys, json, numpy as np
from deeplabcut.core.metrics import compute_metrics
d = np.load(sys.argv[1]); out = []
for i in range(int(d["n"])):
    labels, preds, pcutoff = d[f"labels{i}"], d[f"preds{i}"], float(d[f"pcutoff{i}"])
    vis = np.where(np.isnan(labels).any(-1, keepdims=True), 0., 2.)
    gt = {f"img{j}": np.concatenate([labels[j], vis[j]], -1)[None] for j in range(len(labels))}
    pr = {f"img{j}": preds[j][None] for j in range(len(preds))}
    r = compute_metrics(gt, pr, single_animal=True, pcutoff=pcutoff)
    out.append({k: r[k] for k in ("rmse", "rmse_pcutoff", "mAP", "mAR")})
print(json.dumps(out))
'''

def dataset(rng, n_images:int, n_kp:int):
    labels = rng.uniform(50, 400, (n_images, n_kp, 2))
    labels[rng.random((n_images, n_kp)) < 0.15] = np.nan
    err = rng.normal(0, rng.uniform(1, 15), (n_images, n_kp, 2))
    err[rng.random((n_images, n_kp)) < 0.05] *= 20
    xy = np.nan_to_num(labels, nan=200.) + err
    return labels, np.concatenate([xy, rng.uniform(0, 1, (n_images, n_kp, 1))], -1), float(rng.choice([0.1, 0.4, 0.6, 0.9]))

def main(n:int=20):
    dlc3 = os.environ.get("DLC3_PYTHON", "/work/venvs/dlc3/bin/python")
    if not os.path.exists(dlc3): sys.exit(f"DeepLabCut 3 venv not found at {dlc3}: cannot compare (set DLC3_PYTHON).")
    rng = np.random.default_rng(0)
    data = [dataset(rng, int(rng.integers(3, 60)), int(rng.integers(2, 12))) for _ in range(n)]
    path = tempfile.mktemp(suffix=".npz")
    np.savez(path, n=n, **{f"{k}{i}": v for i, d in enumerate(data) for k, v in zip(("labels", "preds", "pcutoff"), d)})
    out = subprocess.run([dlc3, "-c", DLC, path], capture_output=True, text=True)
    if out.returncode: sys.exit(out.stderr[-2000:])
    theirs = json.loads(out.stdout.strip().splitlines()[-1])
    ours = [{**rmse(l, p, c), **map_mar(l, p)} for l, p, c in data]
    diff = max(abs(o[k] - t[k]) for o, t in zip(ours, theirs) for k in o)
    print(f"machine: {machine()}")
    for i, (o, t) in enumerate(zip(ours, theirs)):
        if i < 5: print(f"dataset {i}: dlcnb {json.dumps({k: round(v, 4) for k, v in o.items()})}\n           DLC3  {json.dumps({k: round(v, 4) for k, v in t.items()})}")
    print(f"{n} random datasets: largest |dlcnb - DeepLabCut 3| over rmse, rmse_pcutoff, mAP, mAR = {diff:.2e}")
    if not diff < 1e-6: sys.exit("MISMATCH")

if __name__ == "__main__":
    main(*[int(a) for a in sys.argv[1:]])
