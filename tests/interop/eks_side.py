"""Run Lightning Pose's ensemble Kalman smoother (package `ensemble-kalman-smoother`) on members saved by dlcnb.

Runs in the `eks` environment of `tools/peer_env.py`: `python eks_side.py members.npy out.npz [smooth_param]`.
`members.npy` is `(models, frames, keypoints, 3)` (x, y, likelihood); `out.npz` gets the smoothed x, y, the
posterior variances, the ensemble variances, the smoothing parameters and the seconds the smoother took."""

import sys, time
import numpy as np
from eks.marker_array import MarkerArray
from eks.singlecam_smoother import ensemble_kalman_smoother_singlecam

members = np.load(sys.argv[1])
smooth_param = float(sys.argv[3]) if len(sys.argv) > 3 else None
names = [f"kp{k}" for k in range(members.shape[2])]
array = MarkerArray(members[:, None], data_fields=["x", "y", "likelihood"])  # (models, cameras, frames, kps, 3)
start = time.perf_counter()
df, s = ensemble_kalman_smoother_singlecam(array, names, smooth_param=smooth_param, avg_mode="median", var_mode="var")
seconds = time.perf_counter() - start
field = lambda f: np.stack([df[(df.columns[0][0], k, f)].to_numpy() for k in names], 1)  # (frames, keypoints)
np.savez(
    sys.argv[2],
    x=field("x"),
    y=field("y"),
    postvar_x=field("x_posterior_var"),
    postvar_y=field("y_posterior_var"),
    var_x=field("x_ens_var"),
    s=np.asarray(s, float).ravel(),
    seconds=seconds,
)
