"""3D: stereo calibration against OpenCV, N-camera calibration and triangulation on synthetic rigs, property tests,
file formats."""

import pickle
import numpy as np, pandas as pd, pytest, cv2
from hypothesis import given, settings, strategies as st, HealthCheck
import fastcore.test as ft
from dlcnb.core import example_data
from dlcnb.calibration import (
    Board,
    Calibration,
    images_by_camera,
    detect_corners,
    calibrate_intrinsics,
    calibrate_rig,
    save_calibration,
    load_calibration,
    to_toml,
    from_toml,
    create_project_3d,
    calibrate_cameras,
    rodrigues,
)
from dlcnb.poses import make_poses, validate_poses, to_movement
from dlcnb.triangulation import synthetic_rig, synthetic_scene, triangulate_points, triangulate, look_at

BOARD = Board(cols=9, rows=6)


@pytest.fixture(scope="module")
def stereo_corners():
    return {
        c: detect_corners(p, BOARD, c)[0]
        for c, p in images_by_camera(example_data("stereo-chessboards"), ["left", "right"]).items()
    }


def opencv_stereo_rms(corners, views):
    "OpenCV's reference: each camera's calibrateCamera, then stereoCalibrate refining everything, on `views`."
    obj = [BOARD.object_points.astype(np.float32)] * len(views)
    pts = [[corners[c][v][1].astype(np.float32) for v in views] for c in ("left", "right")]
    K = [cv2.calibrateCamera(obj, p, (640, 480), None, None)[1:3] for p in pts]
    return cv2.stereoCalibrate(obj, *pts, *K[0], *K[1], (640, 480), flags=cv2.CALIB_USE_INTRINSIC_GUESS)[0]


@pytest.mark.parametrize("max_view_error", [None, np.inf])
def test_stereo_rms_matches_opencv_within_10_percent(stereo_corners, max_view_error):
    calib = calibrate_rig(
        stereo_corners, {"left": (640, 480), "right": (640, 480)}, BOARD, max_view_error=max_view_error
    )
    kept = [
        calibrate_intrinsics(stereo_corners[c], BOARD, (640, 480), max_view_error)["poses"] for c in ("left", "right")
    ]
    views = sorted(set(kept[0]) & set(kept[1]))  # OpenCV gets the views we kept (all 14, or 13 without the bad view 02)
    ft.test_eq(len(views), 14 if max_view_error else 13)
    ref = opencv_stereo_rms(stereo_corners, views)
    print(
        f"stereo RMS (views {len(views)}): dlcnb {calib.rms:.4f} px, cv2.stereoCalibrate {ref:.4f} px, ratio "
        f"{calib.rms / ref:.3f}"
    )
    assert abs(calib.rms / ref - 1) < 0.10
    ft.test_eq(calib.report.views_used.tolist(), [len(views)] * 2)


def board_views(rig, n_views=60, seed=0, noise=0.2):
    "Synthetic chessboard views: random poses near the origin, kept by the cameras the board faces and fully sees."
    rng = np.random.default_rng(seed)
    obj = BOARD.object_points * 40 - np.r_[4 * 40, 2.5 * 40, 0]  # 40-unit squares, centred
    dets = {c.name: {} for c in rig.cameras}
    for v in range(n_views):
        target = rng.choice(rig.cameras).center
        R, _ = look_at(np.zeros(3), target * -1)  # board normal (its z) points to the chosen camera
        R = rodrigues(rng.normal(0, 0.5, 3)) @ R.T
        Xw = obj @ R.T + rng.uniform(-250, 250, 3)
        for c in rig.cameras:
            facing = np.dot(R[:, 2], c.center - Xw.mean(0)) / np.linalg.norm(c.center - Xw.mean(0))
            uv = c.project(Xw)
            if facing < -0.3 and np.all((uv > 5) & (uv < np.array(c.size) - 5)):
                dets[c.name][f"{v:03d}"] = (np.arange(54), uv + rng.normal(0, noise, uv.shape))
    return dets


@pytest.mark.parametrize("n_cams", [4])
def test_bundle_adjustment_recovers_synthetic_rig(n_cams):
    rig = synthetic_rig(n_cams, distortion=-0.05)
    dets = board_views(rig, n_views=25 * n_cams)
    assert all(len(d) >= 6 for d in dets.values()), {k: len(d) for k, d in dets.items()}
    calib = calibrate_rig(dets, {c.name: c.size for c in rig.cameras}, Board(cols=9, rows=6, square_size=40))
    assert calib.rms < 0.4
    # compare in the first camera's frame: relative poses and camera centres
    T0 = rig[0]
    for true, est in zip(rig.cameras, calib.cameras):
        angle = np.degrees(np.linalg.norm(cv2.Rodrigues(est.R @ (true.R @ T0.R.T).T)[0]))
        c_true = T0.R @ true.center + T0.tvec
        assert angle < 0.5 and np.linalg.norm(est.center - c_true) < 0.01 * np.linalg.norm(c_true) + 1e-9, (
            angle,
            est.center,
            c_true,
        )
        ft.test_close(est.matrix[0, 0], true.matrix[0, 0], eps=0.01 * true.matrix[0, 0])


@pytest.mark.parametrize("n_cams", range(2, 9))
def test_triangulation_within_half_percent_of_scene_with_1px_noise(n_cams):
    rig, X = synthetic_rig(n_cams, seed=n_cams), synthetic_scene(2000, 300.0, seed=n_cams)
    uv = rig.project(X) + np.random.default_rng(n_cams).normal(0, 1, (n_cams, 2000, 2))
    for method in ("dlt", "weighted", "ransac"):
        res = triangulate_points(rig, uv, np.full((n_cams, 2000), 0.9), method=method)
        rms = np.sqrt(np.mean(np.sum((res["points"] - X) ** 2, 1)))
        assert rms < 0.005 * 300, (method, rms)


@pytest.mark.parametrize("n_cams", range(4, 9))
def test_ransac_rejects_a_corrupted_camera(n_cams):
    rig, X = synthetic_rig(n_cams, seed=n_cams), synthetic_scene(2000, 300.0, seed=n_cams)
    rng = np.random.default_rng(n_cams)
    uv = rig.project(X) + rng.normal(0, 1, (n_cams, 2000, 2))
    bad = n_cams // 2
    uv[bad] += rng.uniform(30, 300, (2000, 2)) * rng.choice([-1, 1], (2000, 2))  # the camera is wrong everywhere
    plain, robust = triangulate_points(rig, uv), triangulate_points(rig, uv, method="ransac")
    rms = lambda r: np.sqrt(np.mean(np.sum((r["points"] - X) ** 2, 1)))
    assert rms(robust) < 0.005 * 300 < rms(plain)
    assert not robust["used"][bad].any() and (robust["n_cameras"] == n_cams - 1).all()


rigs = st.builds(
    lambda n, radius, focal, k1, seed: synthetic_rig(n, radius, (1000, 800), focal, k1, seed),
    st.integers(2, 6),
    st.floats(200, 5000),
    st.floats(300, 3000),
    st.floats(-0.2, 0.1),
    st.integers(0, 10_000),
)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rig=rigs, seed=st.integers(0, 10_000), scale=st.floats(0.05, 0.4))
def test_project_then_triangulate_round_trips(rig, seed, scale):
    radius = np.linalg.norm(rig[0].center)
    X = synthetic_scene(50, scale * radius, seed)
    uv = rig.project(X)
    for method in ("dlt", "weighted", "ransac"):
        res = triangulate_points(rig, uv, np.random.default_rng(seed).uniform(0.5, 1, uv.shape[:2]), method=method)
        ft.test_close(res["points"], X, eps=1e-6 * radius)
        assert np.nanmax(res["error"]) < 1e-4
        ft.test_eq(res["n_cameras"], np.full(50, len(rig)))


@settings(max_examples=30, deadline=None)
@given(rig=rigs, seed=st.integers(0, 10_000))
def test_round_trip_with_missing_views_and_camera_order(rig, seed):
    rng = np.random.default_rng(seed)
    X = synthetic_scene(40, 0.2 * np.linalg.norm(rig[0].center), seed)
    uv = rig.project(X)
    drop = rng.random(uv.shape[:2]) < 0.3
    drop[:2] = False  # at least two cameras always see each point
    uv[drop] = np.nan
    order = rng.permutation(len(rig))
    a = triangulate_points(rig, uv)["points"]
    b = triangulate_points(Calibration([rig[int(i)] for i in order]), uv[order])["points"]
    ft.test_close(a, X, eps=1e-6 * np.linalg.norm(rig[0].center))
    ft.test_close(a, b, eps=1e-6 * np.linalg.norm(rig[0].center))
    ft.test_eq(triangulate_points(rig, uv)["n_cameras"], (~drop).sum(0))


@settings(max_examples=25, deadline=None)
@given(rig=rigs)
def test_calibration_files_round_trip(rig, tmp_path_factory):
    d = tmp_path_factory.mktemp("calib")
    back = load_calibration(save_calibration(rig, d / "calibration.toml"))
    ft.test_eq(back.names, rig.names)
    for a, b in zip(rig.cameras, back.cameras):
        ft.test_close(a.extrinsic, b.extrinsic, eps=1e-12)
        ft.test_close(a.matrix, b.matrix, eps=1e-12)
        ft.test_close(a.dist, b.dist, eps=1e-15)
    pair = load_calibration(save_calibration(rig, d / "stereo_params.pickle"))
    rel = rig[1].R @ rig[0].R.T
    ft.test_close(pair[1].R, rel, eps=1e-9)
    ft.test_eq(
        set(pickle.loads((d / "stereo_params.pickle").read_bytes())["cam0-cam1"]),
        {
            "cameraMatrix1",
            "cameraMatrix2",
            "distCoeffs1",
            "distCoeffs2",
            "R",
            "T",
            "E",
            "F",
            "R1",
            "R2",
            "P1",
            "P2",
            "roi1",
            "roi2",
            "Q",
            "image_shape",
        },
    )


def test_anipose_toml_layout():
    text = to_toml(synthetic_rig(3))
    import tomllib

    d = tomllib.loads(text)
    ft.test_eq(sorted(d), ["cam_0", "cam_1", "cam_2", "metadata"])
    ft.test_eq(sorted(d["cam_1"]), ["distortions", "matrix", "name", "rotation", "size", "translation"])
    ft.test_eq(d["cam_2"]["size"], [1280, 1024])
    ft.test_eq(np.shape(d["cam_0"]["matrix"]), (3, 3))
    ft.test_fail(lambda: from_toml("[cam_0]\nname = 'a'\n", "c.toml"), contains="lacks")
    ft.test_fail(lambda: from_toml("[cam_0\n", "c.toml"), contains="not valid TOML")


def test_camera_without_boards_names_camera_and_images(tmp_path):
    cfg = create_project_3d("t", "me", camera_names=["left", "right"], working_directory=tmp_path, board=BOARD)
    src = example_data("stereo-chessboards")
    for k in (1, 3, 4):
        (cfg.parent / "calibration_images" / f"left{k:02d}.jpg").write_bytes((src / f"left{k:02d}.jpg").read_bytes())
        cv2.imwrite(str(cfg.parent / "calibration_images" / f"right{k:02d}.jpg"), np.full((480, 640, 3), 128, np.uint8))
    ft.test_fail(
        lambda: calibrate_cameras(cfg), contains="camera 'right' in 3 images (right01.jpg, right03.jpg, right04.jpg)"
    )


def test_triangulated_dataset_is_a_3d_pose_dataset_movement_filters_accept(tmp_path):
    rig = synthetic_rig(3)
    truth = synthetic_scene(30 * 4 * 2, seed=1).reshape(30, 4, 2, 3)
    pix = rig.project(truth)
    conf = np.random.default_rng(0).uniform(0.2, 1, (3, 30, 4, 2))
    cams = {
        c: make_poses(pix[k].transpose(0, 3, 1, 2), conf[k], ["a", "b", "c", "d"], ["m1", "m2"], fps=30)
        for k, c in enumerate(rig.names)
    }
    ds = triangulate(rig, cams, pcutoff=0.5, destfolder=tmp_path)
    validate_poses(ds)
    ft.test_eq(list(ds.space.values), ["x", "y", "z"])
    ft.test_eq(ds.attrs["fps"], 30.0)
    ft.test_eq(ds.n_cameras.values, (conf >= 0.5).sum(0) * ((conf >= 0.5).sum(0) >= 2))
    ok = ds.n_cameras.values >= 2
    ft.test_close(ds.position.transpose("time", "keypoint", "individual", "space").values[ok], truth[ok], eps=1e-6)
    df = pd.read_hdf(ds.attrs["output_file"])
    ft.test_eq(df.columns.names, ["scorer", "individuals", "bodyparts", "coords"])
    ft.test_eq(df.shape, (30, 2 * 4 * 3))
    from movement.filtering import rolling_filter, filter_by_confidence, interpolate_over_time

    mv = to_movement(ds)
    smooth = rolling_filter(
        interpolate_over_time(filter_by_confidence(mv.position, mv.confidence, 0.6)), 3, statistic="median"
    )
    ft.test_eq(smooth.dims, mv.position.dims)
    ft.test_eq(list(smooth.space.values), ["x", "y", "z"])


def test_triangulate_bad_inputs(tmp_path):
    rig = synthetic_rig(2)
    ds = make_poses(np.zeros((5, 2, 3, 1)), fps=30)
    ft.test_fail(lambda: triangulate(rig, {"cam0": ds}), contains="at least two calibrated cameras")
    ft.test_fail(
        lambda: triangulate(rig, [tmp_path / "trial-cam0.mp4", tmp_path / "trial-cam1.mp4"]),
        contains="Analyse the video first",
    )
    other = make_poses(np.zeros((5, 2, 3, 1)), keypoints=["x1", "x2", "x3"], fps=30)
    ft.test_fail(
        lambda: triangulate(rig, {"cam0": ds, "cam1": other}), contains="share no frames, keypoints or individuals"
    )
    ft.test_fail(
        lambda: triangulate(rig, {"cam0": ds, "cam1": ds}, method="median"), contains="Unknown triangulation method"
    )


def test_ransac_with_three_cameras_rejects_the_corrupted_one_where_geometry_allows():
    """With 3 cameras, one wrong, two pairs of two compete: the wrong camera is caught unless its error lies along an
    epipolar line."""
    rig, X = synthetic_rig(3, seed=3), synthetic_scene(2000, 300.0, seed=3)
    rng = np.random.default_rng(3)
    uv = rig.project(X) + rng.normal(0, 1, (3, 2000, 2))
    uv[1] += rng.uniform(30, 300, (2000, 2)) * rng.choice([-1, 1], (2000, 2))
    plain, robust = triangulate_points(rig, uv), triangulate_points(rig, uv, method="ransac")
    err = lambda r: np.linalg.norm(r["points"] - X, axis=1)
    print(
        f"3 cameras: camera 1 rejected for {np.mean(~robust['used'][1]):.1%} of points; median error dlt "
        f"{np.median(err(plain)):.2f}, ransac {np.median(err(robust)):.2f}"
    )
    assert np.mean(~robust["used"][1]) > 0.8 and np.median(err(robust)) < 0.005 * 300 < np.median(err(plain))


def test_dlcnb_filters_work_on_3d_unchanged():
    from dlcnb.filtering import filter_by_confidence, interpolate_over_time, median_filter, savgol_filter, kalman_smooth

    rig = synthetic_rig(4)
    t = np.arange(60)
    truth = synthetic_scene(5 * 2, seed=2).reshape(1, 5, 2, 3) + 50 * np.sin(t / 10)[:, None, None, None]
    pix = rig.project(truth) + np.random.default_rng(0).normal(0, 2, (4, 60, 5, 2, 2))
    conf = np.random.default_rng(1).uniform(0.3, 1, (4, 60, 5, 2))
    ds = triangulate(
        rig,
        {
            c: make_poses(pix[k].transpose(0, 3, 1, 2), conf[k], None, ["m1", "m2"], fps=30)
            for k, c in enumerate(rig.names)
        },
        pcutoff=0.5,
    )
    err = lambda d: np.sqrt(
        np.nanmean(np.sum((d.position.transpose("time", "keypoint", "individual", "space").values - truth) ** 2, -1))
    )
    for f in (
        lambda d: median_filter(d, 5),
        lambda d: savgol_filter(d, 7),
        kalman_smooth,
        lambda d: interpolate_over_time(filter_by_confidence(d, 0.6)),
    ):
        out = f(ds)
        validate_poses(out)
        ft.test_eq(list(out.space.values), ["x", "y", "z"])
        ft.test_eq(out.position.shape, ds.position.shape)
        assert "reprojection_error" in out and "n_cameras" in out
    assert err(savgol_filter(ds, 7)) < err(ds)  # smoothing the noisy 3D tracks brings them closer to the truth
