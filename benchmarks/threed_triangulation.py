"""Triangulation throughput (points/s) of dlcnb against aniposelib on the same synthetic rig, in one run.

aniposelib needs opencv-contrib-python and jax, which would clash with this project's opencv-python-headless, so this
script runs itself in aniposelib's own environment (made from the registry by `tools/peer_env.py anipose`, cached; it
sees dlcnb through system site-packages), or in `$ANIPOSE_PYTHON`:

    nice python benchmarks/threed_triangulation.py
"""

import os, sys, time, tempfile
from pathlib import Path
import numpy as np

sys.path.insert(0, str(Path(__file__).parent))
sys.path.insert(0, str(Path(__file__).parents[1]))
from _machine import machine
from _peers import peer_python

try:
    import aniposelib  # noqa: F401
except ImportError:  # run again with aniposelib's own interpreter
    python = peer_python("anipose", "ANIPOSE_PYTHON")
    os.execv(python, [python, __file__, *sys.argv[1:]])
from dlcnb.calibration import save_calibration, load_calibration
from dlcnb.triangulation import synthetic_rig, synthetic_scene, triangulate_points, dlt, undistort_all
from aniposelib.cameras import CameraGroup


def best_of(f, repeats=3, warmup=None):
    "Best wall time of `repeats` calls, after a warm-up call (`warmup`, default `f`; it also JIT-compiles jax)."
    (warmup or f)()
    times = []
    for _ in range(repeats):
        t = time.perf_counter()
        out = f()
        times.append(time.perf_counter() - t)
    return min(times), out


def rms(e):
    return float(np.sqrt(np.mean(np.sum(e**2, -1))))


def main(n_cams=6, n_dlt=200_000, n_ransac=200, noise=1.0, scene=300.0):
    rig = synthetic_rig(n_cams)
    tmp = Path(tempfile.mkdtemp()) / "calibration.toml"
    cg = CameraGroup.load(str(save_calibration(rig, tmp)))  # aniposelib reads our calibration.toml
    X = synthetic_scene(n_dlt, scene)
    uv = rig.project(X) + np.random.default_rng(0).normal(0, noise, (n_cams, n_dlt, 2))
    assert np.abs(cg.project(X).reshape(uv.shape) - rig.project(X)).max() < 1e-6, "same cameras in both libraries"
    cg.dump(str(tmp))
    assert np.allclose(load_calibration(tmp)[1].extrinsic, rig[1].extrinsic), "we read aniposelib's file"
    print(f"machine: {machine()}")
    print(f"rig: {n_cams} cameras, 1280x1024, scene {scene:g} units, {noise:g} px noise")

    exts = np.stack([c.extrinsic for c in rig.cameras])
    t_core, core = best_of(lambda: dlt(undistort_all(rig, uv), exts))
    t_full, full = best_of(lambda: triangulate_points(rig, uv)["points"])
    t_anip, anip = best_of(lambda: cg.triangulate(uv))
    print(
        f"DLT, {n_dlt:,} points: aniposelib.triangulate (jax) {n_dlt / t_anip:,.0f} points/s (RMS error "
        f"{rms(anip - X):.3f})"
    )
    print(
        f"  dlcnb undistort+dlt (the same work) {n_dlt / t_core:,.0f} points/s (RMS error {rms(core - X):.3f}); "
        f"dlcnb/aniposelib = {t_anip / t_core:.2f}x"
    )
    print(
        f"  dlcnb triangulate_points (+ reprojection errors, cameras used) {n_dlt / t_full:,.0f} points/s; "
        f"dlcnb/aniposelib = {t_anip / t_full:.2f}x"
    )

    bad = uv.copy()
    wrong = np.random.default_rng(1).random(n_dlt) < 0.3
    bad[1, wrong] += 100
    sub = slice(0, n_ransac)
    t_ours, ours = best_of(lambda: triangulate_points(rig, bad[:, sub], method="ransac")["points"], repeats=1)
    t_anip, anip = best_of(
        lambda: cg.triangulate_ransac(bad[:, sub])[0], repeats=1, warmup=lambda: cg.triangulate_ransac(bad[:, :5])
    )
    print(
        f"RANSAC, {n_ransac:,} points, camera 1 off by 100 px on 30% of them: dlcnb {n_ransac / t_ours:,.0f} points/s "
        f"(RMS error {rms(ours - X[sub]):.3f}), aniposelib.triangulate_ransac {n_ransac / t_anip:,.1f} points/s "
        f"(RMS error {rms(anip - X[sub]):.3f}); dlcnb/aniposelib = {t_anip / t_ours:,.0f}x"
    )
    t_big, big = best_of(
        lambda: triangulate_points(rig, bad, method="ransac")["points"], repeats=1, warmup=lambda: None
    )
    print(f"  dlcnb RANSAC on all {n_dlt:,} points: {n_dlt / t_big:,.0f} points/s (RMS error {rms(big - X):.3f})")


if __name__ == "__main__":
    main()
