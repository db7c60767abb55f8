"Round trips through every pose format (no peer environments), property-tested, and the errors bad files give."

import json
import numpy as np, pandas as pd, xarray as xr
import fastcore.test as ft
import pytest
from hypothesis import given, settings, strategies as st, HealthCheck
import dlcnb.poses as poses
from dlcnb.core import example_data
from dlcnb.poses import make_poses, save_poses, load_poses, to_movement, from_movement, read_dlc_file, DIMS
from dlcnb.formats import (
    read_poses,
    write_poses,
    pose_format,
    read_nwb,
    write_sleap,
    write_coco,
    from_coco,
    to_coco,
    write_lightning_pose,
    write_anipose,
    write_coco_training_set,
    read_coco_training_set,
)

LABELS = example_data("openfield") / "labeled-data" / "m4s1" / "CollectedData_Pranav.h5"
SETTINGS = dict(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


def poses_for(spec, n_space=2):
    "A pose dataset from a hypothesis spec: random positions, some keypoints missing (NaN, with their confidence)."
    n_t, n_k, n_i, seed, fps = spec
    rng = np.random.default_rng(seed)
    pos = rng.uniform(0, 500, (n_t, n_space, n_k, n_i))
    conf = rng.uniform(0, 1, (n_t, n_k, n_i))
    missing = rng.uniform(size=(n_t, n_k, n_i)) < 0.2
    pos = np.where(missing[:, None], np.nan, pos)
    conf = np.where(missing, np.nan, conf)
    return make_poses(pos, conf, [f"kp{k}" for k in range(n_k)], [f"mouse{i}" for i in range(n_i)], fps)


specs = st.tuples(
    st.integers(1, 8), st.integers(1, 4), st.integers(1, 3), st.integers(0, 10_000), st.sampled_from([15.0, 30.0])
)


def assert_same(back, ds, confidence=True):
    back = back.reindex(time=ds.time)  # SLEAP keeps no frames after the last instance
    np.testing.assert_allclose(back.position.transpose(*DIMS).values, ds.position.values, rtol=1e-6)
    ft.test_eq(list(back.keypoint.values), list(ds.keypoint.values))
    ft.test_eq(list(back.individual.values), list(ds.individual.values))
    if confidence:
        np.testing.assert_allclose(back.confidence.values, ds.confidence.values, rtol=1e-6)


@settings(**SETTINGS)
@given(specs, st.sampled_from([".h5", ".csv", ".nc", ".slp", ".nwb"]))
def test_every_multi_animal_format_round_trips(tmp_path, spec, suffix):
    ds = poses_for(spec)
    path = write_poses(ds, tmp_path / f"poses{suffix}")
    assert_same(read_poses(path, fps=ds.attrs["fps"]), ds)


@settings(**SETTINGS)
@given(specs)
def test_lightning_pose_round_trips(tmp_path, spec):
    ds = poses_for(spec).isel(individual=[0])
    back = read_poses(write_poses(ds, tmp_path / "lp.csv", format="lightning-pose"), fps=ds.attrs["fps"])
    ft.test_eq(back.attrs["source_software"], "LightningPose")
    assert_same(back.assign_coords(individual=["mouse0"]), ds)


@settings(**SETTINGS)
@given(specs)
def test_anipose_round_trips(tmp_path, spec):
    ds = poses_for(spec, n_space=3).isel(individual=[0])
    ds["reprojection_error"] = ds.confidence * 2
    back = read_poses(write_poses(ds, tmp_path / "3d.csv"), fps=ds.attrs["fps"])
    ft.test_eq(pose_format(tmp_path / "3d.csv"), "anipose")
    assert_same(back.assign_coords(individual=["mouse0"]), ds)
    np.testing.assert_allclose(back.reprojection_error.values, ds.reprojection_error.values)


@settings(**SETTINGS)
@given(specs)
def test_coco_labels_round_trip(tmp_path, spec):
    ds = poses_for(spec)
    ds = ds.assign_coords(image=("time", [f"labeled-data/v/img{t:04d}.png" for t in range(ds.sizes["time"])]))
    back = read_poses(write_poses(ds, tmp_path / "labels.json"))
    assert_same(back.assign_coords(time=ds.time), ds, confidence=False)
    ft.test_eq(list(back.image.values), list(ds.image.values))


@settings(**SETTINGS)
@given(specs, st.booleans())
def test_netcdf_in_either_movement_convention(tmp_path, spec, legacy):
    ds = poses_for(spec)
    nc = save_poses(ds, tmp_path / "p.nc", legacy=legacy)
    with xr.open_dataset(nc, engine="h5netcdf") as f:
        ft.test_eq(f.position.dims, ("time", "space", "keypoints", "individuals") if legacy else DIMS)
    xr.testing.assert_identical(load_poses(nc), ds)


def test_save_poses_of_to_movement_round_trips(tmp_path):
    "The issue's `save_poses(to_movement(ds))` raised; it saves, and loads back as it was."
    ds = read_dlc_file(LABELS, fps=30)
    for legacy in (True, False, None):
        xr.testing.assert_identical(load_poses(save_poses(to_movement(ds, legacy), tmp_path / f"{legacy}.nc")), ds)


def test_with_no_movement_installed_we_write_todays_release(tmp_path, monkeypatch):
    monkeypatch.setattr(poses, "movement_version", lambda: None)
    ds = read_dlc_file(LABELS, fps=30)
    ft.test_eq(to_movement(ds).position.dims, DIMS)
    with xr.open_dataset(save_poses(ds, tmp_path / "p.nc"), engine="h5netcdf") as f:
        ft.test_eq(f.position.dims, DIMS)
    monkeypatch.setattr(poses, "movement_version", lambda: "0.15.0")
    ft.test_eq(to_movement(ds).position.dims[2:], ("keypoints", "individuals"))


def test_movement_attrs_are_what_its_validator_reads():
    mv = to_movement(make_poses(np.zeros((3, 2, 1, 1)), fps=25), legacy=True)
    ft.test_eq((mv.attrs["fps"], mv.attrs["time_unit"], mv.attrs["source_software"]), (25.0, "seconds", "dlcnb"))
    theirs = mv.copy()
    theirs.attrs = {"source_software": None, "ds_type": "poses", "fps": 25.0, "time_unit": "seconds"}
    back = from_movement(theirs)
    ft.test_eq(back.position.dims, DIMS)
    assert None not in back.attrs.values()


def test_dlc_predictions_csv_with_an_empty_first_row(tmp_path):
    "movement's caveat: a predictions .csv whose first row is all missing still reads, that row NaN."
    ds = make_poses(np.arange(24.0).reshape(3, 2, 2, 2), np.full((3, 2, 2), 0.5), ["a", "b"], ["m1", "m2"])
    ds.position[0] = np.nan
    ds.confidence[0] = np.nan
    back = read_poses(write_poses(ds, tmp_path / "vDLC.csv"))
    assert_same(back, ds)


def test_dlc_h5_fixed_and_table_both_read(tmp_path):
    df = poses.to_dlc_df(make_poses(np.arange(8.0).reshape(2, 2, 2, 1), np.ones((2, 2, 1))))
    for layout in ("fixed", "table"):
        df.to_hdf(tmp_path / f"{layout}.h5", key="df_with_missing", format=layout)
        pd.testing.assert_frame_equal(poses.to_dlc_df(read_poses(tmp_path / f"{layout}.h5")), df)


def test_sleap_analysis_h5_reads(tmp_path):
    import sleap_io as sio

    slp = example_data("flies") / "centered_pair_predictions.slp"
    sio.save_analysis_h5(sio.load_slp(str(slp)), str(tmp_path / "flies.analysis.h5"))
    ft.test_eq(pose_format(tmp_path / "flies.analysis.h5"), "sleap")
    back = read_poses(tmp_path / "flies.analysis.h5", fps=15)
    ours = read_poses(slp, fps=15)
    assert_same(back, ours.sel(individual=list(back.individual.values)), confidence=False)


def test_coco_training_set_and_dlc_layout(tmp_path, openfield):
    labels = read_poses(LABELS).isel(time=slice(0, 6))
    test = [str(labels.image.values[i]) for i in (1, 4)]
    out = write_coco_training_set(labels, tmp_path / "coco", test, root=openfield.parent)
    train = json.loads(out["train"].read_text())
    ft.test_eq(len(train["images"]), 4)
    ft.test_eq({(i["width"], i["height"]) for i in train["images"]}, {(640, 480)})
    a = train["annotations"][0]
    ft.test_eq(
        a["bbox"][2:],
        [max(a["keypoints"][0::3]) - min(a["keypoints"][0::3]), max(a["keypoints"][1::3]) - min(a["keypoints"][1::3])],
    )
    for name in labels.image.values:
        assert (tmp_path / "coco" / "images" / str(name)).exists()
    back, split = read_coco_training_set(tmp_path / "coco")
    ft.test_eq(split, test)
    assert_same(back.sortby("time"), labels, confidence=False)


def test_coco_without_our_names_numbers_animals_by_order():
    ds = make_poses(np.arange(16.0).reshape(2, 2, 2, 2), None, ["a", "b"], ["x", "y"])
    ds = ds.assign_coords(image=("time", ["img0.png", "img1.png"]))
    coco = to_coco(ds)
    coco.pop("info")
    for a in coco["annotations"]:
        a.pop("individual")
    ft.test_eq(list(from_coco(coco).individual.values), ["individual_0", "individual_1"])


def test_bad_files_say_what_to_do(tmp_path):
    ds = make_poses(np.zeros((2, 2, 1, 2)), fps=30)
    (tmp_path / "notes.txt").write_text("x")
    ft.test_fail(lambda: read_poses(tmp_path / "notes.txt"), contains="Unknown pose file type")
    ft.test_fail(lambda: read_poses(tmp_path / "missing.h5"), contains="No pose file")
    (tmp_path / "other.csv").write_text("a,b\n1,2\n")
    ft.test_fail(lambda: read_poses(tmp_path / "other.csv"), contains="neither a DeepLabCut")
    (tmp_path / "other.json").write_text(json.dumps({"categories": [{"id": 1}], "images": [], "annotations": []}))
    ft.test_fail(lambda: read_poses(tmp_path / "other.json"), contains="not a COCO keypoints file")
    (tmp_path / "broken.json").write_text("{")
    ft.test_fail(lambda: read_poses(tmp_path / "broken.json"), contains="Cannot read")
    ft.test_fail(lambda: write_lightning_pose(ds, tmp_path / "lp.csv"), contains="hold one animal")
    ft.test_fail(lambda: write_anipose(ds.isel(individual=[0]), tmp_path / "a.csv"), contains="hold 3D poses")
    ft.test_fail(lambda: write_coco(ds, tmp_path / "c.json"), contains="no `image` coordinate")
    ft.test_fail(lambda: write_poses(ds, tmp_path / "x.parquet"), contains="pass `format=`")
    ft.test_fail(lambda: write_poses(ds, tmp_path / "x.h5", format="dlc2"), contains="Unknown pose format")
    import pynwb, datetime

    now = datetime.datetime.now(datetime.timezone.utc)
    empty = pynwb.NWBFile(session_description="s", identifier="i", session_start_time=now)
    with pynwb.NWBHDF5IO(str(tmp_path / "empty.nwb"), "w") as io:
        io.write(empty)
    ft.test_fail(lambda: read_nwb(tmp_path / "empty.nwb"), contains="holds no ndx-pose PoseEstimation")


def test_writes_are_atomic(tmp_path, monkeypatch):
    "A writer that fails half-way leaves the previous file as it was."
    import sleap_io as sio

    ds = make_poses(np.zeros((2, 2, 1, 1)), fps=30)
    path = write_sleap(ds, tmp_path / "p.slp")
    before = path.read_bytes()

    def broken(labels, filename, **kw):
        open(filename, "wb").write(b"half")
        raise OSError("disk full")

    monkeypatch.setattr(sio, "save_slp", broken)
    with pytest.raises(OSError):
        write_sleap(ds, path)
    ft.test_eq(path.read_bytes(), before)
    ft.test_eq(sorted(p.name for p in tmp_path.iterdir()), ["p.slp"])
