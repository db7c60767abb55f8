"""Our EKS (`dlcnb.eks`) and Lightning Pose's (`ensemble-kalman-smoother`, in its own environment) on one ensemble.

Shared by `tests/interop/test_eks.py` and `benchmarks/eks_vs_lightning_pose.py`."""

import json, subprocess, sys, time
from pathlib import Path
import numpy as np

REPO = Path(__file__).resolve().parents[2]


def eks_python() -> str:
    "The `eks` environment's python (made by `tools/peer_env.py` if needed); RuntimeError if it cannot be made."
    run = subprocess.run([sys.executable, str(REPO / "tools" / "peer_env.py"), "eks"], capture_output=True, text=True)
    if run.returncode:
        raise RuntimeError(f"tools/peer_env.py eks failed:\n{run.stdout[-2000:]}\n{run.stderr[-2000:]}")
    return run.stdout.strip().splitlines()[-1]


def synthetic_members(n_frames: int = 1000, n_models: int = 5, n_keypoints: int = 3, seed: int = 0) -> np.ndarray:
    "`(models, frames, keypoints, 3)`: members seeing random walks with errors that are sometimes large."
    rng = np.random.default_rng(seed)
    walk = np.cumsum(rng.normal(0, 1.5, (n_frames, n_keypoints, 2)), 0) + rng.uniform(100, 400, (n_keypoints, 2))
    spread = np.where(rng.random((n_models, n_frames, n_keypoints, 1)) < 0.1, 20.0, 2.0)
    xy = walk[None] + rng.normal(0, spread, (n_models, n_frames, n_keypoints, 2))
    return np.concatenate([xy, np.full((n_models, n_frames, n_keypoints, 1), 0.9)], -1), walk


def theirs(members: np.ndarray, tmp: Path, smooth_param: float | None = None) -> dict:
    "Lightning Pose's EKS on `members`, run in its environment."
    np.save(tmp / "members.npy", members)
    args = [str(tmp / "members.npy"), str(tmp / "out.npz")] + ([str(smooth_param)] if smooth_param else [])
    run = subprocess.run(
        [eks_python(), str(Path(__file__).with_name("eks_side.py")), *args], capture_output=True, text=True
    )
    if run.returncode:
        raise RuntimeError(f"eks_side.py failed:\n{run.stderr[-3000:]}")
    return dict(np.load(tmp / "out.npz"))


def ours(members: np.ndarray, smooth_param: float | None = None) -> dict:
    "dlcnb's EKS on `members` (no variance floor, as Lightning Pose's)."
    from dlcnb.ensembles import ensemble_poses
    from dlcnb.eks import ensemble_kalman_smooth

    names = [f"kp{k}" for k in range(members.shape[2])]
    ds = ensemble_poses(members.transpose(1, 0, 2, 3), {"bodyparts": names}, "DLC_members")
    start = time.perf_counter()
    out = ensemble_kalman_smooth(ds, smooth_param=smooth_param, var_floor=0.0)
    seconds = time.perf_counter() - start
    pos, var = out.position.values[..., 0], out.position_variance.values[..., 0]  # (frames, space, keypoints)
    s = np.array(list(json.loads(out.attrs["eks_smooth_param"]).values()))
    return dict(x=pos[:, 0], y=pos[:, 1], postvar_x=var[:, 0], postvar_y=var[:, 1], s=s, seconds=seconds)
