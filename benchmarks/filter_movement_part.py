"""movement's side of benchmarks/filter_speed.py: run with movement's interpreter
as `python filter_movement_part.py DIR`.

Reads DIR/pos.npy (time, space, keypoints, individuals), times movement's median (rolling_filter) and Savitzky-Golay
filters with the settings of filter_speed.py (after a warm-up call that compiles numbagg's kernels), writes their
outputs to DIR/median.npy and DIR/savgol.npy and prints
the timings as one JSON line. movement's Savitzky-Golay runs with mode="nearest": its default (scipy's "interp") raises
on NaN in the edge windows with SciPy >= 1.17, and "nearest" is what its error message advises.
"""

import json, sys, time
import numpy as np, xarray as xr
import movement
from movement.filtering import rolling_filter, savgol_filter

folder = sys.argv[1]
pos = np.load(f"{folder}/pos.npy")
da = xr.DataArray(
    pos,
    dims=("time", "space", "keypoints", "individuals"),
    coords={
        "time": np.arange(len(pos)),
        "space": ["x", "y"],
        "keypoints": [f"k{j}" for j in range(pos.shape[2])],
        "individuals": [f"i{j}" for j in range(pos.shape[3])],
    },
)
rolling_filter(da[:100], 5, statistic="median", min_periods=3)
savgol_filter(da[:100], 7, polyorder=2, mode="nearest")  # warm-up: numbagg compiles on first use
t0 = time.perf_counter()
med = rolling_filter(da, 5, statistic="median", min_periods=3)
t_med = time.perf_counter() - t0
t0 = time.perf_counter()
sg = savgol_filter(da, 7, polyorder=2, mode="nearest")
t_sg = time.perf_counter() - t0
np.save(f"{folder}/median.npy", med.values)
np.save(f"{folder}/savgol.npy", sg.values)
print(json.dumps({"version": movement.__version__, "median_s": t_med, "savgol_s": t_sg}))
