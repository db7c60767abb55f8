"""movement's side of benchmarks/kinematics_vs_movement.py: `python kinematics_movement_part.py DIR`
with movement's interpreter.

Reads DIR/pos.npy (time, space, keypoints, individuals) and DIR/meta.json (names, fps), computes movement's kinematics
and writes each result to DIR/<name>.npy (pairwise distances: the diagonal, i.e. the same keypoint or individual on
both sides, which is what dlcnb computes).
"""

import json, sys
import numpy as np, xarray as xr
import movement
import movement.kinematics as mk

folder = sys.argv[1]
meta = json.load(open(f"{folder}/meta.json"))
pos = np.load(f"{folder}/pos.npy")
da = xr.DataArray(
    pos,
    dims=("time", "space", "keypoints", "individuals"),
    coords={
        "time": np.arange(len(pos)) / meta["fps"],
        "space": ["x", "y"],
        "keypoints": meta["keypoints"],
        "individuals": meta["individuals"],
    },
)
a, b = meta["individuals"]
out = {
    "velocity": mk.compute_velocity(da),
    "acceleration": mk.compute_acceleration(da),
    "speed": mk.compute_speed(da),
    "path_length": mk.compute_path_length(da),
    "forward_vector": mk.compute_forward_vector(da, "wingL", "wingR"),
    "forward_vector_angle": mk.compute_forward_vector_angle(da, "wingL", "wingR"),
    "dist_individuals": xr.DataArray(
        np.diagonal(mk.compute_pairwise_distances(da, "individuals", {a: b}).values, axis1=1, axis2=2)
    ),
    "dist_head_thorax": xr.DataArray(
        np.diagonal(mk.compute_pairwise_distances(da, "keypoints", {"head": "thorax"}).values, axis1=1, axis2=2)
    ),
}
for k, v in out.items():
    np.save(f"{folder}/{k}.npy", v.values)
print(json.dumps({"version": movement.__version__}))
