"Property tests of dlcnb.filtering (hypothesis) and a check of the Kalman smoother against a textbook matrix RTS."

import numpy as np, xarray as xr, pytest
import fastcore.test as ft
from hypothesis import given, settings, strategies as st, HealthCheck
from hypothesis.extra.numpy import arrays
from scipy.signal import medfilt, savgol_filter as scipy_savgol
from dlcnb.poses import make_poses
from dlcnb.filtering import (
    filter_by_confidence,
    interpolate_over_time,
    median_filter,
    savgol_filter,
    kalman_smooth,
    filterpredictions,
    predictions_file,
)

FAST = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
FILTERS = {
    "median": lambda ds: median_filter(ds, 5),
    "savgol": lambda ds: savgol_filter(ds, 7, 2),
    "interpolate": lambda ds: interpolate_over_time(ds, max_gap=3),
    "kalman": lambda ds: kalman_smooth(ds),
    "confidence": lambda ds: filter_by_confidence(ds, 0.5),
}


@st.composite
def pose_datasets(draw, nan_free=False):
    "Random pose datasets: 10-60 frames, 1-3 keypoints, 1-2 individuals, float32 or float64, optional NaN holes."
    t, k, i = draw(st.integers(10, 60)), draw(st.integers(1, 3)), draw(st.integers(1, 2))
    dtype = draw(st.sampled_from([np.float32, np.float64]))
    pos = draw(arrays(np.float64, (t, 2, k, i), elements=st.floats(-1e3, 1e3)))
    if not nan_free:
        holes = draw(arrays(np.bool_, (t, 1, k, i), elements=st.booleans()))
        pos = np.where(holes & (np.arange(t) % 3 == 0)[:, None, None, None], np.nan, pos)
    conf = draw(arrays(np.float64, (t, k, i), elements=st.floats(0, 1)))
    return make_poses(pos.astype(dtype), conf.astype(dtype), fps=draw(st.sampled_from([None, 30.0])))


@pytest.mark.parametrize("name", FILTERS)
@FAST
@given(ds=pose_datasets())
def test_filters_keep_shape_coords_attrs(name, ds):
    out = FILTERS[name](ds)
    ft.test_eq(out.position.shape, ds.position.shape)
    ft.test_eq(out.position.dtype, ds.position.dtype)
    for c in ds.coords:
        xr.testing.assert_identical(out[c], ds[c])
    xr.testing.assert_identical(out.confidence, ds.confidence)
    ft.test_eq({k: v for k, v in out.attrs.items() if k != "log"}, {k: v for k, v in ds.attrs.items() if k != "log"})
    assert out.attrs["log"].startswith(ds.attrs["log"]) and len(out.attrs["log"]) > len(ds.attrs["log"])


@pytest.mark.parametrize("name", ["median", "savgol", "interpolate", "kalman"])
@FAST
@given(ds=pose_datasets(nan_free=True))
def test_nan_free_input_gives_nan_free_output(name, ds):
    ds = ds.assign(confidence=ds.confidence.clip(min=0.01))  # the Kalman smoother skips points below p_bound=0.001
    out = FILTERS[name](ds)
    ft.test_eq(len(out.time), len(ds.time))
    assert not out.position.isnull().any()


@pytest.mark.parametrize("name", ["median", "savgol", "interpolate", "kalman"])
@FAST
@given(value=st.floats(-1e3, 1e3), n=st.integers(10, 80), gap=st.integers(0, 3))
def test_constant_track_stays_constant(name, value, n, gap):
    pos = np.full((n, 2, 1, 1), value)
    pos[n // 2 : n // 2 + gap] = np.nan
    out = FILTERS[name](make_poses(pos, np.ones((n, 1, 1)))).position.values
    valid = ~np.isnan(out)
    assert valid.sum() >= valid.size - 2 * 3 * (
        gap + 2
    )  # NaN only near the gap or an end, where too few frames are valid
    np.testing.assert_allclose(out[valid], value, atol=1e-6 * max(1, abs(value)))


@FAST
@given(v=st.tuples(st.floats(-3, 3), st.floats(-3, 3)), noise=st.floats(0.5, 5), seed=st.integers(0, 2**16))
def test_kalman_rmse_below_raw_noise(v, noise, seed):
    rng = np.random.default_rng(seed)
    n = 400
    truth = (np.array([100.0, 50.0]) + np.arange(n)[:, None] * np.array(v))[:, :, None, None]
    noisy = truth + rng.normal(0, noise, truth.shape)
    smooth = kalman_smooth(
        make_poses(noisy, np.ones((n, 1, 1))), measurement_noise=noise, process_noise=0.01
    ).position.values
    rmse = lambda a: np.sqrt(np.mean((a - truth) ** 2))
    assert rmse(smooth) < 0.5 * rmse(noisy), (rmse(smooth), rmse(noisy))


def textbook_rts(z, r, q):
    "Kalman filter + RTS smoother with explicit matrices (constant velocity, dt=1); NaN measurements skipped."
    F, H = np.array([[1.0, 1], [0, 1]]), np.array([[1.0, 0]])
    Q = q * np.array([[1 / 3, 1 / 2], [1 / 2, 1]])
    m, P = np.array([z[np.isfinite(z)][0], 0.0]), np.diag([1e6, 1e6])
    ms, Ps, mps, Pps = [], [], [], []
    for t in range(len(z)):
        if t:
            m, P = F @ m, F @ P @ F.T + Q
        mps.append(m)
        Pps.append(P)
        if np.isfinite(z[t]):
            S = H @ P @ H.T + r[t]
            K = P @ H.T / S
            m, P = m + (K * (z[t] - H @ m)).ravel(), (np.eye(2) - K @ H) @ P
        ms.append(m)
        Ps.append(P)
    xs, Ss = [ms[-1]], [Ps[-1]]
    for t in range(len(z) - 2, -1, -1):
        C = Ps[t] @ F.T @ np.linalg.inv(Pps[t + 1])
        xs.insert(0, ms[t] + C @ (xs[0] - mps[t + 1]))
        Ss.insert(0, Ps[t] + C @ (Ss[0] - Pps[t + 1]) @ C.T)
    return np.array(xs)[:, 0], np.array(Ss)[:, 0, 0]


def test_kalman_matches_textbook_rts():
    rng = np.random.default_rng(1)
    n = 120
    z = np.cumsum(rng.normal(0, 1, n)) + rng.normal(0, 2, n)
    z[30:40] = np.nan
    conf = rng.uniform(0.2, 1, n)
    out = kalman_smooth(
        make_poses(np.stack([z, z], 1)[:, :, None, None], conf[:, None, None]), measurement_noise=2, process_noise=0.7
    )
    x, var = textbook_rts(z, 4 / conf, 0.49)
    np.testing.assert_allclose(out.position.values[:, 0, 0, 0], x, rtol=1e-6, atol=1e-6)
    np.testing.assert_allclose(out.position_variance.values[:, 0, 0, 0], var, rtol=1e-5)


@FAST
@given(ds=pose_datasets(nan_free=True))
def test_windowed_filters_match_scipy_inside(ds):
    pos = ds.position.values.astype(np.float64)
    med = median_filter(ds, 5).position.values
    np.testing.assert_allclose(med[2:-2], np.apply_along_axis(medfilt, 0, pos, 5)[2:-2], rtol=1e-5, atol=1e-3)
    sg = savgol_filter(ds, 7, 2).position.values
    np.testing.assert_allclose(sg[3:-3], scipy_savgol(pos, 7, 2, axis=0)[3:-3], rtol=1e-4, atol=1e-2)


def test_filterpredictions_arima_writes_filtered_file(openfield):
    from dlcnb.core import read_config
    from dlcnb.poses import write_dlc_file, read_dlc_file

    video = next((read_config(openfield)["project_path"] / __import__("pathlib").Path("videos")).glob("*.mp4"))
    rng = np.random.default_rng(0)
    ds = make_poses(rng.normal(0, 1, (60, 2, 1, 1)).cumsum(0) + 100, rng.uniform(0.5, 1, (60, 1, 1)), ["snout"])
    write_dlc_file(
        ds, video.parent / f"{video.stem}DLC_resnet50_testNov24shuffle1_10.h5", "DLC_resnet50_testNov24shuffle1_10"
    )
    out = filterpredictions(openfield, video, "arima")[str(video)]
    back = read_dlc_file(predictions_file(video, filtered=True))
    np.testing.assert_allclose(back.position.values, out.position.values)
    ft.test_eq(back.position.values[0], ds.position.values[0])
    assert np.abs(back.position.values - ds.position.values).mean() < 3
