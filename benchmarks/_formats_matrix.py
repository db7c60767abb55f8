"""The interop matrix's rows for movement (0.15 and 0.17) and the pose formats (sleap-io's SLEAP and COCO files).

`ROWS` is a list of `(row name, we_to_peer, peer_to_us)`: each check is a callable that returns None when it passes
and raises (AssertionError, or RuntimeError when a peer environment cannot be made) when it fails; None where the
peer has no such direction (the reason is in `NOT_APPLICABLE`). `benchmarks/interop_matrix.py` prints them and
`tests/interop/test_movement.py` runs them.

movement runs in its own environments (`tools/peer_env.py movement015` / `movement017`): each is run once, by one
script that reads the files dlcnb wrote, computes with movement's functions and writes files of its own; the checks
compare those results with dlcnb's, value for value.
"""

from __future__ import annotations
import atexit, functools, json, shutil, subprocess, sys, tempfile
from pathlib import Path
import numpy as np, xarray as xr
from dlcnb.formats import read_coco, write_coco, write_coco_training_set

ROOT = Path(__file__).resolve().parents[1]
MOVEMENT_ENVS = {"movement015": "0.15", "movement017": "0.17"}
LEFT, RIGHT = "wingL", "wingR"  # the fly keypoints whose forward vector both sides compute

PEER_SCRIPT = r'''
import json, sys
from pathlib import Path
import numpy as np, xarray as xr, pynwb
import movement
from movement.io import load_poses, save_poses
from movement.kinematics import compute_pairwise_distances, compute_forward_vector
from movement.validators.datasets import ValidPosesInputs

d, left, right = Path(sys.argv[1]), sys.argv[2], sys.argv[3]
legacy = tuple(int(n) for n in movement.__version__.split(".")[:2]) < (0, 17)
KP, IND = ("keypoints", "individuals") if legacy else ("keypoint", "individual")
out = {}

def load(name, software):
    if hasattr(load_poses, "from_file"): return load_poses.from_file(d / name, source_software=software, fps=15)
    from movement.io import load_dataset
    return load_dataset(d / name, source_software=software, fps=None if software == "NWB" else 15)

def keep(key, ds):
    ValidPosesInputs.validate(ds)
    out[key + ".position"] = ds.position.transpose("time", "space", KP, IND).values
    out[key + ".keypoints"] = np.array([str(k) for k in ds[KP].values])
    out[key + ".individuals"] = np.array([str(i) for i in ds[IND].values])

def kinematics(key, ds):
    a, b = [str(i) for i in ds[IND].values[:2]]
    out[key + ".distance"] = compute_pairwise_distances(ds.position, IND, {a: b}).values
    out[key + ".forward"] = compute_forward_vector(ds.position, left, right).transpose("time", "space", IND).values

keep("dlc_h5", load_poses.from_dlc_file(d / "ours.h5", fps=15))
keep("dlc_csv", load_poses.from_dlc_file(d / "ours.csv", fps=15))
for key, name, software in [("slp", "ours.slp", "SLEAP"), ("nwb", "ours.nwb", "NWB"),
                            ("lp", "ours_lp.csv", "LightningPose"), ("anipose", "ours_3d.csv", "Anipose")]:
    keep(key, load(name, software))
nc = xr.open_dataset(d / "ours.nc", engine="h5netcdf").load()
keep("nc", nc)
kinematics("nc", nc)
save_poses.to_dlc_file(nc, d / "movement_from_ours.h5", split_individuals=False)

src = np.load(d / "source.npz")
mv = load_poses.from_numpy(src["position"], src["confidence"], individual_names=list(src["individuals"]),
                           keypoint_names=list(src["keypoints"]), fps=15, source_software="movement")
kinematics("mv", mv)
save_poses.to_dlc_file(mv, d / "mv.h5", split_individuals=False)
save_poses.to_dlc_file(mv, d / "mv.csv", split_individuals=False)
save_poses.to_sleap_analysis_file(mv, d / "mv.analysis.h5")
first = mv.isel({IND: [0]})
save_poses.to_lp_file(first, d / "mv_lp.csv")
nwb = save_poses.to_nwb_file(first)
with pynwb.NWBHDF5IO(str(d / "mv.nwb"), "w") as io: io.write(nwb[0] if isinstance(nwb, list) else nwb)
mv.to_netcdf(d / "mv.nc", engine="h5netcdf")
np.savez(d / "peer.npz", **out)
print(json.dumps({"movement": movement.__version__, "dims": [KP, IND]}))
'''


def scratch(prefix: str = "dlcnb-formats-") -> Path:
    "A temporary folder, removed when the process exits."
    folder = Path(tempfile.mkdtemp(prefix=prefix))
    atexit.register(shutil.rmtree, folder, True)
    return folder


DLC_COCO_SCRIPT = r'''
import sys, json, numpy as np
from pathlib import Path
from deeplabcut.pose_estimation_pytorch.data.cocoloader import COCOLoader
from deeplabcut.pose_estimation_pytorch.config.make_pose_config import (make_basic_project_config,
                                                                        make_pytorch_pose_config)
root = Path(sys.argv[1])
train, test = COCOLoader.load_json(root, "train.json"), COCOLoader.load_json(root, "test.json")
n, bps = COCOLoader.get_project_parameters(train, test)
project = make_basic_project_config(root, bps, n)
make_pytorch_pose_config(project, root / "pytorch_config.yaml", net_type="resnet_50", save=True)
loader = COCOLoader(root, root / "pytorch_config.yaml")
out = {}
for mode in ("train", "test"):
    data = loader.load_data(mode)
    names = {im["id"]: Path(im["file_name"]).relative_to(root / "images").as_posix() for im in data["images"]}
    for a in data["annotations"]:
        xy = np.asarray(a["keypoints"]).reshape(-1, 3)[:, :2]
        out[f"{mode}|{names[a['image_id']]}|{a['individual']}"] = xy.tolist()
print(json.dumps({"bodyparts": bps, "n": n, "keypoints": out}))
'''


def peer_python(name: str) -> str:
    "The python of peer environment `name`, made by `tools/peer_env.py` (RuntimeError saying why if it cannot be)."
    res = subprocess.run([sys.executable, str(ROOT / "tools" / "peer_env.py"), name], capture_output=True, text=True)
    if res.returncode:
        raise RuntimeError(
            f"Cannot make the {name} environment with tools/peer_env.py (exit {res.returncode}): "
            f"{res.stderr.strip()[-1500:]}"
        )
    return res.stdout.strip().splitlines()[-1]


def flies() -> xr.Dataset:
    "Our test predictions: the first 120 frames of the two long SLEAP fly tracks (bundled data), at 15 fps."
    from dlcnb.core import example_data
    from dlcnb.poses import read_sleap_predictions

    ds = read_sleap_predictions(example_data("flies") / "centered_pair_predictions.slp", fps=15, by_track=True)
    return ds.isel(individual=[0, 1], time=slice(0, 120)).drop_vars("sleap_track")


def three_d(ds: xr.Dataset) -> xr.Dataset:
    "A one-animal 3D dataset from `ds`: z is 10 × the confidence (Anipose files are 3D)."
    from dlcnb.poses import make_poses

    one = ds.isel(individual=0)
    z = (10 * one.confidence).expand_dims(space=["z"], axis=1)
    pos = xr.concat([one.position, z], "space").transpose("time", "space", "keypoint").values[..., None]
    return make_poses(pos, one.confidence.values[..., None], list(ds.keypoint.values), fps=15)


def write_ours(ds: xr.Dataset, folder: Path, legacy: bool):
    "The files dlcnb writes for movement to read."
    from dlcnb.formats import write_poses

    for name in ("ours.h5", "ours.csv", "ours.slp"):
        write_poses(ds, folder / name)
    write_poses(ds, folder / "ours.nc", legacy=legacy)
    write_poses(ds.isel(individual=[0]), folder / "ours.nwb")
    write_poses(ds.isel(individual=[0]), folder / "ours_lp.csv", format="lightning-pose")
    write_poses(three_d(ds), folder / "ours_3d.csv")
    np.savez(
        folder / "source.npz",
        position=ds.position.values,
        confidence=ds.confidence.values,
        keypoints=np.array(ds.keypoint.values, str),
        individuals=np.array(ds.individual.values, str),
    )


@functools.cache
def movement_run(env: str) -> tuple:
    "Run the peer script once in `env`: (folder of the files, movement's results, the dataset we wrote)."
    from dlcnb.poses import movement_legacy

    folder, ds = scratch(f"dlcnb-{env}-"), flies()
    write_ours(ds, folder, movement_legacy(MOVEMENT_ENVS[env]))
    (folder / "peer.py").write_text(PEER_SCRIPT)
    res = subprocess.run(
        [peer_python(env), str(folder / "peer.py"), str(folder), LEFT, RIGHT],
        capture_output=True,
        text=True,
        timeout=600,
    )
    if res.returncode:
        raise AssertionError(f"movement ({env}) failed on dlcnb's files: {res.stderr.strip()[-2000:]}")
    info = json.loads(res.stdout.strip().splitlines()[-1])
    assert info["movement"].startswith(MOVEMENT_ENVS[env]), f"{env} holds movement {info['movement']}"
    with np.load(folder / "peer.npz") as f:
        return folder, dict(f), ds


def _same_position(theirs: dict, key: str, ds: xr.Dataset):
    "movement's positions under `key` are ours (matched by keypoint and individual name)."
    got = xr.DataArray(
        theirs[key + ".position"],
        dims=("time", "space", "keypoint", "individual"),
        coords={"keypoint": theirs[key + ".keypoints"]},
    )
    want = ds.position.transpose("time", "space", "keypoint", "individual")
    np.testing.assert_allclose(got.sel(keypoint=list(ds.keypoint.values)).values, want.values, rtol=1e-6)


def _read_back(path: Path, want: xr.Dataset, **kw):
    "dlcnb's `read_poses` of `path` gives the positions and confidences of `want`."
    from dlcnb.formats import read_poses

    got = read_poses(path, **kw)
    np.testing.assert_allclose(got.position.values, want.position.values, rtol=1e-6)
    np.testing.assert_allclose(got.confidence.values, want.confidence.values, rtol=1e-6)


def _distances_match(theirs: dict, key: str, ds: xr.Dataset):
    "movement's fly-to-fly distances under `key` (keypoint × keypoint) hold ours (same keypoint) on the diagonal."
    from dlcnb.kinematics import compute_pairwise_distances

    a, b = [str(i) for i in ds.individual.values[:2]]
    ours = compute_pairwise_distances(ds, "individual", {a: b}).transpose("time", "keypoint").values
    np.testing.assert_allclose(np.diagonal(theirs[key + ".distance"], axis1=1, axis2=2), ours, rtol=1e-6)


def _forward_match(theirs: dict, key: str, ds: xr.Dataset):
    "movement's forward vectors under `key` are dlcnb.kinematics' on `ds`."
    from dlcnb.kinematics import compute_forward_vector

    ours = compute_forward_vector(ds, LEFT, RIGHT).transpose("time", "space", "individual").values
    np.testing.assert_allclose(theirs[key + ".forward"], ours, rtol=1e-6, atol=1e-12)


def movement_rows(env: str) -> list:
    "The matrix rows of one movement version."
    v = f"movement {MOVEMENT_ENVS[env]}"
    run = lambda: movement_run(env)

    def loads(key, one=False, three=False):
        def check():
            _, theirs, ds = run()
            _same_position(theirs, key, three_d(ds) if three else ds.isel(individual=[0]) if one else ds)

        return check

    def reads(name, one=False, **kw):
        def check():
            folder, _, ds = run()
            path = next(folder.glob(name))
            _read_back(path, ds.isel(individual=[0]) if one else ds, **kw)

        return check

    def kin(match, key):
        def check():
            _, theirs, ds = run()
            match(theirs, key, ds)

        return check

    return [
        (f"{v}: load_poses.from_dlc_file (.h5, table)", loads("dlc_h5"), reads("mv.h5", fps=15)),
        (f"{v}: load_poses.from_dlc_file (.csv)", loads("dlc_csv"), reads("mv.csv", fps=15)),
        (f"{v}: netCDF (.nc) and ValidPosesInputs", loads("nc"), reads("mv.nc")),
        (f"{v}: compute_pairwise_distances", kin(_distances_match, "nc"), kin(_distances_match, "mv")),
        (f"{v}: compute_forward_vector", kin(_forward_match, "nc"), kin(_forward_match, "mv")),
        (f"{v}: save_poses.to_dlc_file", reads("movement_from_ours.h5", fps=15), reads("mv.h5", fps=15)),
        (f"{v}: SLEAP (.slp; movement writes analysis .h5)", loads("slp"), reads("mv.analysis.h5", fps=15)),
        (f"{v}: NWB (ndx-pose)", loads("nwb", one=True), reads("mv.nwb", one=True)),
        (f"{v}: Lightning Pose CSV", loads("lp", one=True), reads("mv_lp*.csv", one=True, fps=15)),
        (f"{v}: Anipose CSV (3D)", loads("anipose", three=True), None),
    ]


def _sleap_io_slp_ours():
    "sleap-io reads the .slp we write with our positions, scores and track names."
    import sleap_io as sio
    from dlcnb.formats import write_poses

    ds = flies()
    labels = sio.load_slp(str(write_poses(ds, scratch() / "ours.slp")))
    assert [t.name for t in labels.tracks] == [str(i) for i in ds.individual.values]
    for lf in labels.labeled_frames:
        for inst in lf.instances:
            j = labels.tracks.index(inst.track)
            at = dict(time=lf.frame_idx, individual=j)
            np.testing.assert_allclose(inst.numpy(), ds.position.isel(at).values.T, rtol=1e-6)
            np.testing.assert_allclose(inst.numpy(scores=True)[:, 2], ds.confidence.isel(at).values, rtol=1e-6)


def _sleap_io_slp_theirs():
    "We read the .slp sleap-io writes (the bundled SLEAP file, saved again by sleap-io) as sleap-io holds it."
    import sleap_io as sio
    from dlcnb.core import example_data
    from dlcnb.formats import read_poses

    path = scratch() / "theirs.slp"
    labels = sio.load_slp(str(example_data("flies") / "centered_pair_predictions.slp"))
    sio.save_slp(labels, str(path))
    ds = read_poses(path, fps=15)
    for lf in labels.labeled_frames[::50]:
        for inst in lf.instances:
            if inst.track is None:
                continue
            np.testing.assert_allclose(
                ds.position.sel(individual=inst.track.name).isel(time=lf.frame_idx).values.T, inst.numpy(), rtol=1e-6
            )


def _coco_project() -> tuple:
    "The openfield example project (4 images) and its labels: COCO needs the images on disk for sleap-io."
    from dlcnb.core import example_project
    from dlcnb.formats import read_poses

    config = example_project(scratch(), n_frames=4)
    labels = read_poses(config.parent / "labeled-data" / "m4s1" / "CollectedData_Pranav.h5").isel(time=slice(0, 4))
    return config.parent, labels


def _sleap_io_coco_ours():
    "sleap-io's load_coco reads our COCO labels with our keypoints and positions."
    import sleap_io as sio

    root, labels = _coco_project()
    coco = sio.load_coco(str(write_coco(labels, root / "labels.json", root)), dataset_root=str(root))
    assert coco.skeletons[0].node_names == list(labels.keypoint.values)
    got = np.stack([lf.instances[0].numpy() for lf in coco.labeled_frames])
    np.testing.assert_allclose(got, labels.position.isel(individual=0).transpose("time", "keypoint", "space").values)


def _sleap_io_coco_theirs():
    "We read the COCO file sleap-io writes from our labels with the same positions."
    import sleap_io as sio

    root, labels = _coco_project()
    coco = sio.load_coco(str(write_coco(labels, root / "labels.json", root)), dataset_root=str(root))
    sio.save_coco(coco, str(root / "theirs.json"))
    got = read_coco(root / "theirs.json")
    np.testing.assert_allclose(np.sort(got.position.values.ravel()), np.sort(labels.position.values.ravel()))


def _sleap_io_nwb_ours():
    "sleap-io's load_nwb reads the NWB we write (several animals) with our keypoints, positions and scores."
    import sleap_io as sio
    from dlcnb.formats import write_poses

    ds = flies()
    labels = sio.load_nwb(str(write_poses(ds, scratch() / "ours.nwb")))
    assert labels.skeletons[0].node_names == [str(k) for k in ds.keypoint.values]
    assert len(labels.labeled_frames) == ds.sizes["time"]
    for lf in labels.labeled_frames:
        for inst in lf.instances:
            at = dict(time=lf.frame_idx, individual=int(inst.track.name.removeprefix("track")))
            np.testing.assert_allclose(inst.numpy(), ds.position.isel(at).values.T, rtol=1e-6)
            np.testing.assert_allclose(inst.numpy(scores=True)[:, 2], ds.confidence.isel(at).values, rtol=1e-6)


def _sleap_io_nwb_theirs():
    "We read the NWB sleap-io writes (one PoseEstimation per track): every value it holds is SLEAP's."
    import sleap_io as sio
    from dlcnb.core import example_data
    from dlcnb.formats import read_poses
    from dlcnb.poses import read_sleap_predictions

    slp = example_data("flies") / "centered_pair_predictions.slp"
    path = scratch() / "theirs.nwb"
    sio.save_nwb(sio.load_slp(str(slp)), str(path))
    got = read_poses(path, fps=15)
    got = got.assign_coords(individual=[str(i).removeprefix("track=") for i in got.individual.values])
    want = read_sleap_predictions(slp, fps=15, by_track=True)
    got = got.sel(individual=want.individual.values).reindex(time=want.time)
    held = ~np.isnan(got.position.values)
    assert held.any(), "sleap-io's NWB file held no positions"
    np.testing.assert_allclose(got.position.values[held], want.position.values[held], rtol=1e-6)


def _dlc3_coco_ours():
    "DeepLabCut 3's COCOLoader (with a PoseConfig it builds for the project) loads our COCO training set's keypoints."
    root, labels = _coco_project()
    test = [str(labels.image.values[3])]
    write_coco_training_set(labels, root / "coco", test, root=root)
    (root / "dlc_coco.py").write_text(DLC_COCO_SCRIPT)
    res = subprocess.run(
        [peer_python("dlc3"), str(root / "dlc_coco.py"), str(root / "coco")],
        capture_output=True,
        text=True,
        timeout=600,
    )
    if res.returncode:
        raise AssertionError(f"DeepLabCut 3's COCOLoader failed on our COCO project: {res.stderr[-2000:]}")
    theirs = json.loads(res.stdout.strip().splitlines()[-1])
    assert theirs["bodyparts"] == list(labels.keypoint.values)
    assert sorted(k.split("|")[0] for k in theirs["keypoints"]) == ["test"] + ["train"] * 3
    for key, xy in theirs["keypoints"].items():
        mode, image, _ = key.split("|")
        assert (mode == "test") == (image in test)
        row = list(labels.image.values).index(image)
        want = labels.position.isel(individual=0, time=row).transpose("keypoint", "space")
        np.testing.assert_allclose(np.asarray(xy), want.values)


ROWS = [row for env in MOVEMENT_ENVS for row in movement_rows(env)] + [
    ("sleap-io: SLEAP .slp", _sleap_io_slp_ours, _sleap_io_slp_theirs),
    ("sleap-io: COCO keypoints JSON", _sleap_io_coco_ours, _sleap_io_coco_theirs),
    ("sleap-io: NWB", _sleap_io_nwb_ours, _sleap_io_nwb_theirs),
    ("DeepLabCut 3: COCOLoader on our COCO training set", _dlc3_coco_ours, None),
]
NOT_APPLICABLE = {  # row name: why one of its directions is None
    **{
        f"movement {v}: Anipose CSV (3D)": "movement has no Anipose writer (it only reads Anipose's CSV)"
        for v in MOVEMENT_ENVS.values()
    },
    "DeepLabCut 3: COCOLoader on our COCO training set": "DeepLabCut 3 reads COCO projects but writes none "
    "(its `predictions_to_coco` writes results, not labels)",
}
assert {name for name, *checks in ROWS if None in checks} == set(NOT_APPLICABLE)


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT / "benchmarks"))
    from _machine import machine

    print(machine())
    for name, *checks in ROWS:
        cells = []
        for check in checks:
            if check is None:
                cells.append(f"n/a ({NOT_APPLICABLE[name]})")
                continue
            try:
                check()
                cells.append("pass")
            except Exception as e:
                cells.append(f"FAIL ({type(e).__name__}: {str(e).splitlines()[0][:80]})")
        print(f"{name:60s} we→peer {cells[0]:8s} peer→us {cells[1]}")
