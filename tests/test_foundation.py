"File round trips, bad input and atomic writes of the foundation modules (core, io, poses, video)."

import shutil
from pathlib import Path
import numpy as np, pandas as pd, xarray as xr, pytest
from hypothesis import given, settings, strategies as st, HealthCheck
from dlcnb.core import DLCNBError, read_config, write_config, create_project, add_videos, example_data, default_config
from dlcnb.io import read_labels, write_labels, load_labels, label_columns, H5_KEY
from dlcnb.poses import from_dlc_df, to_dlc_df, save_poses, load_poses, to_movement, read_dlc_file, write_dlc_file
from dlcnb.video import VideoReader, extract_frames

SRC = example_data("openfield") / "labeled-data" / "m4s1"


def test_dlc_h5_dataset_h5_round_trip_equals_original(tmp_path):
    original = pd.read_hdf(SRC / "CollectedData_Pranav.h5", key=H5_KEY)
    ds = read_dlc_file(SRC / "CollectedData_Pranav.h5", fps=30)
    out = write_dlc_file(ds, tmp_path / "CollectedData_Pranav.h5", scorer="Pranav")
    back = pd.read_hdf(out, key=H5_KEY)
    # values and column order identical; the legacy flat index comes back in DeepLabCut's current 3-level form
    np.testing.assert_array_equal(back.to_numpy(), original.to_numpy())
    assert list(back.columns) == list(original.columns)
    assert ["/".join(i) for i in back.index] == list(original.index)


def test_csv_is_byte_for_byte_deeplabcut(tmp_path):
    df = read_labels(SRC / "CollectedData_Pranav.csv")
    out = write_labels(df, tmp_path / "CollectedData_Pranav.h5")
    # DeepLabCut writes labels with pandas' to_csv of the 3-level table
    assert out.with_suffix(".csv").read_bytes() == df.to_csv().encode()
    # and the values are the original file's, to the last digit
    orig_rows = (SRC / "CollectedData_Pranav.csv").read_text().splitlines()[3:]
    new_rows = out.with_suffix(".csv").read_text().splitlines()[3:]
    assert len(new_rows) == len(orig_rows) == 116
    assert [r.split(",")[-8:] for r in new_rows] == [r.split(",")[-8:] for r in orig_rows]


def test_interrupted_write_keeps_labels(tmp_path, monkeypatch):
    df = read_labels(SRC / "CollectedData_Pranav.h5")
    path = write_labels(df, tmp_path / "CollectedData_Pranav.h5")
    before = path.read_bytes()

    def crash(*a, **k):
        raise KeyboardInterrupt("power cut")

    monkeypatch.setattr(pd.DataFrame, "to_hdf", crash)
    with pytest.raises(KeyboardInterrupt):
        write_labels(df * 2, path)
    assert path.read_bytes() == before
    assert (
        sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".") and p.is_file()) == []
    )  # no temp files left


def test_backup_of_previous_version(tmp_path):
    df = read_labels(SRC / "CollectedData_Pranav.h5")
    path = write_labels(df, tmp_path / "CollectedData_Pranav.h5")
    write_labels(df + 1, path)
    pd.testing.assert_frame_equal(pd.read_hdf(f"{path}.bak"), df)
    pd.testing.assert_frame_equal(read_labels(path), df + 1)


def test_wrong_bodyparts_names_both_lists(openfield):
    cfg = read_config(openfield)
    cfg["bodyparts"] = ["snout", "leftear", "rightear", "tail"]
    write_config(openfield, cfg)
    with pytest.raises(
        DLCNBError,
        match=r"has bodyparts \['snout', 'leftear', 'rightear', 'tailbase'\]"
        r".*lists \['snout', 'leftear', 'rightear', 'tail'\]",
    ):
        load_labels(openfield)


def test_missing_config_key_names_file_and_key(openfield):
    cfg = read_config(openfield)
    del cfg["numframes2pick"]
    write_config(openfield, cfg)
    with pytest.raises(DLCNBError, match=r"config.yaml has no `numframes2pick` entry"):
        extract_frames(openfield)


def test_stale_project_path_is_repaired(openfield):
    moved = openfield.parent.parent / "moved"
    shutil.move(openfield.parent, moved)
    cfg = read_config(moved)
    assert cfg["project_path"] == str(moved.resolve())
    assert read_config(moved / "config.yaml")["project_path"] == str(moved.resolve())


def test_create_project_and_add_videos(tmp_path):
    video = example_data("openfield") / "videos" / "m3v1mp4.mp4"
    config = create_project("openfield", "tester", [video], tmp_path, copy_videos=True)
    cfg = read_config(config)
    dest = config.parent / "videos" / "m3v1mp4.mp4"
    assert dest.is_file() and not dest.is_symlink()
    assert cfg["video_sets"] == {str(dest): {"crop": "0, 640, 0, 480"}}
    bad = tmp_path / "broken.mp4"
    bad.write_bytes(b"not a video")
    with pytest.raises(DLCNBError, match="broken.mp4"):
        add_videos(config, [bad])
    assert read_config(config)["video_sets"] == cfg["video_sets"]


def test_corrupt_and_missing_videos(tmp_path):
    with pytest.raises(DLCNBError, match="No video at .*nothere.mp4"):
        VideoReader(tmp_path / "nothere.mp4")
    junk = tmp_path / "junk.avi"
    junk.write_bytes(np.random.default_rng(0).bytes(10_000))
    with pytest.raises(DLCNBError, match="junk.avi"):
        VideoReader(junk)


def test_movement_loads_our_dataset(tmp_path):
    from movement.io import load_poses as mv_load
    from movement.validators.datasets import ValidPosesInputs

    ds = read_dlc_file(SRC / "CollectedData_Pranav.h5", fps=30)
    mv = to_movement(ds)
    ValidPosesInputs(
        position_array=mv.position.values,
        confidence_array=mv.confidence.values,
        individual_names=list(mv.individuals.values),
        keypoint_names=list(mv.keypoints.values),
        fps=30,
    )
    # and the DeepLabCut file we write is read by movement with the same numbers
    out = write_dlc_file(ds.drop_vars("image"), tmp_path / "predDLC_resnet50.h5")
    theirs = mv_load.from_dlc_file(out, fps=30)
    np.testing.assert_allclose(theirs.position.values, mv.position.values)
    xr.testing.assert_equal(load_poses(save_poses(ds, tmp_path / "p.nc")), ds)


label_tables = st.builds(
    lambda n_ind, n_bp, n_unique, n_rows, seed: (n_ind, n_bp, n_unique, n_rows, seed),
    st.integers(1, 3),
    st.integers(1, 4),
    st.integers(0, 2),
    st.integers(1, 6),
    st.integers(0, 10_000),
)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(label_tables)
def test_dlc_table_dataset_round_trip(spec):
    n_ind, n_bp, n_unique, n_rows, seed = spec
    cfg = default_config("t", "s", "Nov24", multianimal=True, individuals=[f"a{i}" for i in range(n_ind)])
    cfg.update(
        multianimalbodyparts=[f"bp{i}" for i in range(n_bp)],
        uniquebodyparts=[f"u{i}" for i in range(n_unique)],
        project_path="/x",
    )
    rng = np.random.default_rng(seed)
    cols = label_columns(cfg)
    values = rng.uniform(0, 640, (n_rows, len(cols)))
    values[rng.uniform(size=values.shape) < 0.2] = np.nan
    df = pd.DataFrame(
        values,
        columns=cols,
        index=pd.MultiIndex.from_tuples([("labeled-data", "v", f"img{i:04d}.png") for i in range(n_rows)]),
    )
    pd.testing.assert_frame_equal(to_dlc_df(from_dlc_df(df)), df)


@pytest.mark.parametrize("kind", ["single", "multi"])
def test_config_identical_to_deeplabcut3(kind, tmp_path):
    "tests/fixtures/dlc3_config_*.yaml were written by DeepLabCut 3's create_new_project (same video, date 2026-11-24)."
    import datetime

    video = example_data("openfield") / "videos" / "m3v1mp4.mp4"
    task, who = ("openfield", "Pranav") if kind == "single" else ("mice", "bob")
    config = create_project(
        task, who, [video], tmp_path, copy_videos=True, multianimal=kind == "multi", date=datetime.date(2026, 11, 24)
    )
    theirs = (Path(__file__).parent / "fixtures" / f"dlc3_config_{kind}.yaml").read_text()
    assert config.read_text() == theirs.replace("PROJECT", str(config.parent))


def test_raw_deeplabcut_example_folder_just_works(tmp_path):
    "DeepLabCut's example as shipped: placeholder project_path and video_sets, legacy label index."
    raw = tmp_path / "openfield-Pranav-2018-10-30"
    shutil.copytree(example_data("openfield"), raw)
    assert "WILL BE AUTOMATICALLY UPDATED" in (raw / "config.yaml").read_text()
    cfg = read_config(raw)
    assert cfg["project_path"] == str(raw.resolve())
    labels = load_labels(raw)
    assert labels.shape == (116, 8) and labels.index[0] == ("labeled-data", "m4s1", "img0000.png")
