"""Median, Savitzky-Golay and Kalman filtering of 1,000,000 frames x 12 keypoints x 2 individuals: dlcnb vs movement.

Run from the repo root: `python benchmarks/filter_speed.py [n_frames]`. dlcnb runs in this interpreter; movement runs in
movement 0.15's environment (made from the registry by `tools/peer_env.py movement015`, cached; or $MOVEMENT_PYTHON),
as a subprocess on the same data (saved to a temporary .npy file), so both are timed in the same run on the same
machine.
Same settings on both sides: median window 5 with min_periods 3; Savitzky-Golay window 7, polyorder 2. movement has
no Kalman filter, so that line has no ratio. The track is a random walk with 1% of frames missing in short runs.
"""

import json, subprocess, sys, tempfile, time
from pathlib import Path
import numpy as np

sys.path.insert(0, str(Path(__file__).parent))
sys.path.insert(0, str(Path(__file__).parent.parent))
from _machine import machine
from _peers import peer_python
from dlcnb.poses import make_poses
from dlcnb.filtering import median_filter, savgol_filter, kalman_smooth

MOVEMENT_PYTHON = peer_python("movement015", "MOVEMENT_PYTHON")  # movement 0.15: plural dims, like the parts
MOVEMENT_PART = Path(__file__).with_name("filter_movement_part.py")


def make_data(n_frames, seed=0):
    "Random-walk tracks, float32, (time, space, 12 keypoints, 2 individuals), 1% of frames missing in runs of 1-5."
    rng = np.random.default_rng(seed)
    pos = (rng.normal(0, 1, (n_frames, 2, 12, 2)).cumsum(0) + 300).astype(np.float32)
    for _ in range(n_frames * 24 // 300):
        t, k, i, n = rng.integers(n_frames), rng.integers(12), rng.integers(2), rng.integers(1, 6)
        pos[t : t + n, :, k, i] = np.nan
    return pos, rng.uniform(0.3, 1, (n_frames, 12, 2)).astype(np.float32)


def timed(f):
    t0 = time.perf_counter()
    out = f()
    return out, time.perf_counter() - t0


def main(n_frames=1_000_000):
    pos, conf = make_data(n_frames)
    ds = make_poses(pos, conf)
    kalman_smooth(ds.isel(time=slice(0, 100)))  # compile the numba kernel before timing
    med, t_med = timed(lambda: median_filter(ds, 5, min_periods=3))
    sg, t_sg = timed(lambda: savgol_filter(ds, 7, 2))
    _, t_kal = timed(lambda: kalman_smooth(ds))
    with tempfile.TemporaryDirectory() as tmp:
        np.save(f"{tmp}/pos.npy", pos)
        res = subprocess.run([MOVEMENT_PYTHON, str(MOVEMENT_PART), tmp], capture_output=True, text=True)
        if res.returncode:
            sys.exit(f"movement's part failed:\n{res.stderr[-3000:]}")
        mv = json.loads(res.stdout.strip().splitlines()[-1])
        mv_med, mv_sg = np.load(f"{tmp}/median.npy"), np.load(f"{tmp}/savgol.npy")
    ours_med, ours_sg = med.position.values, sg.position.values
    same_med = np.allclose(ours_med[2:-2], mv_med[2:-2], equal_nan=True)
    differ_med = int((~np.isclose(ours_med, mv_med, equal_nan=True)).sum())
    both = np.isfinite(mv_sg[3:-3]) & np.isfinite(ours_sg[3:-3])
    sg_diff = float(np.abs(ours_sg[3:-3][both] - mv_sg[3:-3][both]).max())
    print(f"machine: {machine()}")
    print(
        f"movement {mv['version']} in {MOVEMENT_PYTHON}; data: {n_frames:,} frames x 12 keypoints x 2 individuals x "
        "2 coords, float32, "
        f"{np.isnan(pos).mean():.2%} NaN"
    )
    rows = [
        ("median (window 5)", t_med, mv["median_s"]),
        ("Savitzky-Golay (window 7, order 2)", t_sg, mv["savgol_s"]),
        ("Kalman RTS smoother (numba)", t_kal, None),
    ]
    for name, ours, theirs in rows:
        line = f"{name:36s} dlcnb {n_frames / ours:12,.0f} frames/s ({ours:6.2f} s)"
        if theirs:
            line += f" | movement {n_frames / theirs:12,.0f} frames/s ({theirs:6.2f} s)"
            line += f" | dlcnb/movement speed ratio {theirs / ours:5.2f}x"
        else:
            line += " | movement: no Kalman filter"
        print(line)
    print(
        f"median: same as movement's rolling_filter(median, min_periods=3) on frames 2..n-3: {same_med}; values that "
        "differ "
        f"anywhere: {differ_med:,} (frames 1 and n-2, 4 frames in the window: dlcnb takes the mean of the two middle "
        "values, "
        f"numpy's median)"
    )
    print(
        f"Savitzky-Golay: max |dlcnb - movement| where movement is defined (inside): {sg_diff:.2e} px; "
        f"values movement leaves NaN that dlcnb fills: {int((np.isnan(mv_sg) & np.isfinite(ours_sg)).sum()):,}"
    )


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000)
