"""Bar 3 of issue 3: dlcnb's evaluation metrics reproduce DeepLabCut 3's on the same predictions.

Random single-animal labels and predictions (NaN labels, scattered errors and likelihoods, a few wild predictions)
are scored by `dlcnb.evaluation` and by DeepLabCut 3's `deeplabcut.core.metrics.compute_metrics` (in its own venv,
made by `tools/peer_env.py dlc3`, or `$DLC3_PYTHON`); the script prints both and the largest difference, and fails if
they differ.
Then the same for random multi-animal sets (issue 8): 1-4 labelled individuals per image, some missing, and 0-5
predicted individuals per image (shuffled, with duplicates and spurious ones), scored with `single_animal=False`.
Then random multi-animal sets with one or two unique bodyparts (issue 19: DeepLabCut's `single`), scored by DeepLabCut
3 with `unique_bodypart_gt`/`unique_bodypart_poses` (`tests/interop/unique_metrics.py`).

Run from the repository root: `python benchmarks/train_eval_vs_dlc3.py [n_datasets]`."""

import os, sys, json, subprocess, tempfile

sys.path.insert(0, os.path.dirname(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "tests", "interop"))
import numpy as np
from _machine import machine
from _peers import peer_python
from dlcnb.evaluation import split_scores
from unique_metrics import DLC3_SCORES, metric_cases, our_scores, save_cases

DLC = r'''
import sys, json, numpy as np
from deeplabcut.core.metrics import compute_metrics
d = np.load(sys.argv[1]); out = []
for i in range(int(d["n"])):
    labels, preds, pcutoff = d[f"labels{i}"], d[f"preds{i}"], float(d[f"pcutoff{i}"])
    vis = np.where(np.isnan(labels).any(-1, keepdims=True), 0., 2.)
    gt = {f"img{j}": np.concatenate([labels[j], vis[j]], -1)[None] for j in range(len(labels))}
    pr = {f"img{j}": preds[j][None] for j in range(len(preds))}
    multi = labels.ndim == 4
    if multi:
        gt = {f"img{j}": np.concatenate([labels[j], vis[j]], -1) for j in range(len(labels))}
        pr = {f"img{j}": preds[j][~np.isnan(preds[j]).all(-1).all(-1)] for j in range(len(preds))}
    r = compute_metrics(gt, pr, single_animal=not multi, pcutoff=pcutoff)
    out.append({k: r[k] for k in ("rmse", "rmse_pcutoff", "mAP", "mAR")})
print(json.dumps(out))
'''


def dataset(rng, n_images: int, n_kp: int):
    labels = rng.uniform(50, 400, (n_images, n_kp, 2))
    labels[rng.random((n_images, n_kp)) < 0.15] = np.nan
    err = rng.normal(0, rng.uniform(1, 15), (n_images, n_kp, 2))
    err[rng.random((n_images, n_kp)) < 0.05] *= 20
    xy = np.nan_to_num(labels, nan=200.0) + err
    return (
        labels,
        np.concatenate([xy, rng.uniform(0, 1, (n_images, n_kp, 1))], -1),
        float(rng.choice([0.1, 0.4, 0.6, 0.9])),
    )


def multi_dataset(rng, n_images: int, n_kp: int):
    """Labelled individuals (N, I, K, 2) and predicted ones (N, M, K, 3): noisy copies in random order, duplicates,
    spurious poses, gaps."""
    I, M = int(rng.integers(1, 5)), int(rng.integers(1, 6))
    labels = rng.uniform(50, 400, (n_images, I, n_kp, 2))
    labels[rng.random((n_images, I, n_kp)) < 0.15] = np.nan
    labels[rng.random((n_images, I)) < 0.15] = np.nan  # an animal not labelled
    src = rng.integers(0, I, (n_images, M))
    xy = np.nan_to_num(np.take_along_axis(labels, src[..., None, None], 1), nan=200.0) + rng.normal(
        0, rng.uniform(1, 15), (n_images, M, n_kp, 2)
    )
    xy[rng.random((n_images, M)) < 0.2] = rng.uniform(50, 400, (n_kp, 2))  # spurious individuals
    preds = np.concatenate([xy, rng.uniform(0, 1, (n_images, M, n_kp, 1))], -1)
    preds[rng.random((n_images, M, n_kp)) < 0.1] = np.nan  # keypoints not found
    preds[rng.random((n_images, M)) < 0.15] = np.nan  # empty detection slots
    return labels, preds, float(rng.choice([0.1, 0.4, 0.6, 0.9]))


def main(n: int = 20):
    dlc3 = peer_python("dlc3", "DLC3_PYTHON")
    rng = np.random.default_rng(0)
    data = [dataset(rng, int(rng.integers(3, 60)), int(rng.integers(2, 12))) for _ in range(n)]
    data += [multi_dataset(rng, int(rng.integers(3, 40)), int(rng.integers(2, 10))) for _ in range(n)]
    path = tempfile.mktemp(suffix=".npz")
    np.savez(
        path,
        n=len(data),
        **{f"{k}{i}": v for i, d in enumerate(data) for k, v in zip(("labels", "preds", "pcutoff"), d)},
    )
    out = subprocess.run([dlc3, "-c", DLC, path], capture_output=True, text=True)
    if out.returncode:
        sys.exit(out.stderr[-2000:])
    theirs = json.loads(out.stdout.strip().splitlines()[-1])
    ours = [split_scores(l, p, c) for l, p, c in data]
    gap = lambda a, b: (
        0.0 if np.isnan(a) and np.isnan(b) else abs(a - b) if not (np.isnan(a) or np.isnan(b)) else np.inf
    )
    if len(theirs) != len(ours):
        sys.exit(f"DeepLabCut 3 scored {len(theirs)} of {len(ours)} datasets")
    diff = max(gap(o[k], t[k]) for o, t in zip(ours, theirs) for k in o)
    print(f"machine: {machine()}")
    for i, (o, t) in enumerate(zip(ours, theirs)):
        if i < 3 or n <= i < n + 3:
            print(
                f"dataset {i}: dlcnb {json.dumps({k: round(v, 4) for k, v in o.items()})}\n           DLC3  "
                f"{json.dumps({k: round(v, 4) for k, v in t.items()})}"
            )
    print(
        f"{n} single-animal and {n} multi-animal random datasets: largest |dlcnb - DeepLabCut 3| over rmse, "
        f"rmse_pcutoff, mAP, mAR = {diff:.2e}"
    )
    if not diff < 1e-6:
        sys.exit("MISMATCH")
    unique = metric_cases(rng, n)
    save_cases(path, unique)
    script = DLC3_SCORES + "import sys, json\nprint(json.dumps(unique_scores(sys.argv[1])))"
    out = subprocess.run([dlc3, "-c", script, path], capture_output=True, text=True)
    if out.returncode:
        sys.exit(out.stderr[-2000:])
    pairs = zip(our_scores(unique), json.loads(out.stdout.strip().splitlines()[-1]), strict=True)
    diff = max(gap(o[k], t[k]) for o, t in pairs for k in o)
    print(f"{n} multi-animal random datasets with unique bodyparts: largest |dlcnb - DeepLabCut 3| = {diff:.2e}")
    if not diff < 1e-6:
        sys.exit("MISMATCH")


if __name__ == "__main__":
    main(*[int(a) for a in sys.argv[1:]])
