"""dlcnb's ensemble Kalman smoother (numpy) against Lightning Pose's `ensemble-kalman-smoother` (jax): install
weight, speed and fit, on synthetic ensembles whose true tracks are known (5 members; each member is 20 px off on
10 % of the frames, 2 px otherwise).

    python benchmarks/eks_vs_lightning_pose.py [--frames 2330] [--keypoints 4]

Prints a table and the machine. Lightning Pose's package runs in its own environment (`tools/peer_env.py eks`)."""

import argparse, subprocess, sys, tempfile
from pathlib import Path
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "interop"))
from eks_compare import eks_python, synthetic_members, theirs, ours  # noqa: E402
from _machine import machine  # noqa: E402


def env_size(python: str) -> tuple:
    "(GiB, number of packages) of the environment of `python`."
    root = Path(python).parents[1]
    size = sum(p.stat().st_size for p in root.rglob("*") if p.is_file() and not p.is_symlink()) / 2**30
    listing = subprocess.run([python, "-m", "pip", "list", "--format=freeze"], capture_output=True, text=True)
    return size, len(listing.stdout.split())


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--frames", type=int, default=2330)  # the openfield video's length
    ap.add_argument("--keypoints", type=int, default=4)
    args = ap.parse_args()
    members, truth = synthetic_members(args.frames, 5, args.keypoints)
    rmse = lambda r: float(np.sqrt(np.mean((np.stack([r["x"], r["y"]], -1) - truth) ** 2)))
    median = np.median(members[..., :2], 0)
    rows = [("ensemble median", float(np.sqrt(np.mean((median - truth) ** 2))), np.nan, "")]
    with tempfile.TemporaryDirectory() as tmp:
        lp = theirs(members, Path(tmp))
    us = ours(members)
    rows += [("Lightning Pose EKS 4.6.2 (jax)", rmse(lp), float(lp["seconds"]), np.round(lp["s"], 2))]
    rows += [("dlcnb EKS (numpy)", rmse(us), us["seconds"], np.round(us["s"], 2))]
    gib, n = env_size(eks_python())
    print(f"{args.frames} frames, {args.keypoints} keypoints, 5 members; true smoothing parameter 2.25 px²/frame")
    print(f"{'smoother':32s} {'RMSE to truth (px)':>18s} {'seconds':>8s}  chosen s")
    for name, err, sec, s in rows:
        print(f"{name:32s} {err:18.3f} {sec:8.2f}  {s}")
    print(f"max |ours - theirs| on x: {np.abs(us['x'] - lp['x']).max():.4f} px")
    print(f"install: ensemble-kalman-smoother's environment {gib:.2f} GiB, {n} packages (jax, dynamax, optax, ...);")
    print("         dlcnb's EKS needs only numpy and xarray, already dependencies")
    print("machine:", machine())


if __name__ == "__main__":
    main()
