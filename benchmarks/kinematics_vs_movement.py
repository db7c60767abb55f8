"""Check dlcnb.kinematics against movement.kinematics on the bundled fly predictions (same numbers, same conventions).

Run from the repo root: `python benchmarks/kinematics_vs_movement.py`. movement runs in movement 0.15's environment
(made from the registry by `tools/peer_env.py movement015`, cached; or $MOVEMENT_PYTHON) as a subprocess on the same
positions (given to movement as float64; dlcnb keeps the float32 of the predictions, so differences of float32
rounding are expected); prints the NaN agreement and the largest
difference per quantity.
"""

import json, subprocess, sys, tempfile
from pathlib import Path
import numpy as np

sys.path.insert(0, str(Path(__file__).parent))
sys.path.insert(0, str(Path(__file__).parent.parent))
from _machine import machine
from _peers import peer_python
from dlcnb.core import example_data
from dlcnb.poses import read_sleap_predictions
from dlcnb.filtering import interpolate_over_time
import dlcnb.kinematics as k

MOVEMENT_PYTHON = peer_python("movement015", "MOVEMENT_PYTHON")  # movement 0.15: plural dims, like the parts


def ours(ds):
    return {
        "velocity": k.compute_velocity(ds),
        "acceleration": k.compute_acceleration(ds),
        "speed": k.compute_speed(ds),
        "path_length": k.compute_path_length(ds),
        "forward_vector": k.compute_forward_vector(ds, "wingL", "wingR"),
        "forward_vector_angle": k.compute_forward_vector_angle(ds, "wingL", "wingR"),
        "dist_individuals": k.compute_pairwise_distances(ds, "individual", {"1": "2"}),
        "dist_head_thorax": k.compute_pairwise_distances(ds, "keypoint", {"head": "thorax"}),
    }


def main():
    flies = read_sleap_predictions(example_data("flies") / "centered_pair_predictions.slp", fps=30, by_track=True)
    ds = interpolate_over_time(flies.sel(individual=["1", "2"]), max_gap=5)
    mine = ours(ds)
    with tempfile.TemporaryDirectory() as tmp:
        np.save(f"{tmp}/pos.npy", ds.position.values.astype(np.float64))
        json.dump(
            {"fps": 30, "keypoints": [str(x) for x in ds.keypoint.values], "individuals": ["1", "2"]},
            open(f"{tmp}/meta.json", "w"),
        )
        res = subprocess.run(
            [MOVEMENT_PYTHON, str(Path(__file__).with_name("kinematics_movement_part.py")), tmp],
            capture_output=True,
            text=True,
        )
        if res.returncode:
            sys.exit(f"movement's part failed:\n{res.stderr[-3000:]}")
        version = json.loads(res.stdout.strip().splitlines()[-1])["version"]
        theirs = {name: np.load(f"{tmp}/{name}.npy") for name in mine}
    print(f"machine: {machine()}")
    print(
        f"movement {version}; data: bundled SLEAP fly predictions, 1,100 frames x 24 keypoints x 2 track fragments, "
        "30 fps"
    )
    for name, da in mine.items():
        a, b = np.asarray(da.values, np.float64), theirs[name]
        a = a.reshape(b.shape) if a.size == b.size else a
        same_nan = bool((np.isnan(a) == np.isnan(b)).all())
        diff = float(np.nanmax(np.abs(a - b))) if np.isfinite(a).any() else 0.0
        print(
            f"{name:22s} shape {str(a.shape):20s} same NaN pattern: {same_nan!s:5s} max |dlcnb - movement| = {diff:.2e}"
        )


if __name__ == "__main__":
    main()
