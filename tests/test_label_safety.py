"""Labels are never lost and project files are data, not code (issue 15): fault and bad-input scenarios.

Each scenario asserts what the issue asks: no label lost (every labelled value before the fault is in the file, its
history or the live widget afterwards), no code executed (an attacker's command would create a marker file), and a
`DLCNBError` naming the file."""

import errno, json, os, pickle, random, shutil, signal, socket, stat, subprocess, sys, textwrap, time
from pathlib import Path
import numpy as np, pandas as pd, pytest
import fastcore.test as ft
from dlcnb.core import DLCNBError, read_config, write_config, create_project, example_project, safe_load_pickle
from dlcnb.io import (
    read_labels,
    write_labels,
    labels_path,
    load_labels,
    label_history,
    restore_labels,
    history_dir,
    HISTORY_SIZE,
    LOCK_NAME,
    lock_holder,
    with_scorer,
    label_columns,
    write_table,
    H5_KEY,
)
from dlcnb.labeling import label_frames
from dlcnb.label_checks import refine_labels
from dlcnb.video import video_paths

REPO = Path(__file__).resolve().parents[1]


def message(w, msg):
    w._handle_msg({"content": {"data": {"method": "custom", "content": msg}}, "buffers": []})


def edit(w, points, frame=None):
    message(w, {"type": "points", "frame": w.frame_index if frame is None else frame, "points": points})


def snout(x, y):
    return [["", "snout", x, y]]


@pytest.fixture
def proj(tmp_path):
    "The openfield project with its first 6 frames; its labels file holds all 116 labelled rows."
    return example_project(tmp_path, n_frames=6)


def folder(c):
    return c.parent / "labeled-data" / "m4s1"


def original(c):
    return read_labels(folder(c) / "CollectedData_Pranav.h5")


def labelled_values(df):
    "{(row, bodypart, coord): value} of every labelled value, whatever the scorer."
    s = df.stack(list(range(1, df.columns.nlevels)), future_stack=True).stack(future_stack=True).dropna()
    return {(k[:3], *k[3:-1]): v for k, v in s.items()}


def _readable(path):
    try:
        return read_labels(path)
    except DLCNBError:
        return None  # a corrupt file holds nothing to find (its bytes are checked where it matters)


def everything_kept(before, c, widget=None, stem="m4s1"):
    "Whether every labelled value of `before` is in the labels file, a kept version or the live widget."
    sources = [p for p in folder(c).parent.joinpath(stem).glob("CollectedData_*") if p.suffix in (".h5", ".csv")]
    sources += [p for d in folder(c).parent.joinpath(stem, ".dlcnb-history").glob("*") for p in d.iterdir()]
    tables = [t for p in sources if (t := _readable(p)) is not None] + ([widget.df] if widget is not None else [])
    found = [labelled_values(t) for t in tables]
    return all(any(f.get(k) == v for f in found) for k, v in labelled_values(before).items())


def evil(marker: Path):
    "An object whose unpickling runs a shell command that creates `marker`."

    class Evil:
        def __reduce__(self):
            return (os.system, (f"touch {marker}",))

    return Evil()


# --- crashes and failing disks --------------------------------------------------------------------------------


def test_kill9_during_save_loop(proj, tmp_path):
    "A process saving in a loop is killed with SIGKILL at random moments: the file is always whole, nothing is lost."
    before, path = original(proj), folder(proj) / "CollectedData_Pranav.h5"
    script = textwrap.dedent(f"""
        import sys; sys.path.insert(0, {str(REPO)!r})
        from dlcnb.io import read_labels, write_labels
        df = read_labels({str(path)!r})
        k = 0
        while True:
            k += 1; df.iloc[0, 0] = float(k); write_labels(df, {str(path)!r}); print(k, flush=True)
        """)
    rng = random.Random(0)
    for _ in range(4):
        p = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
        p.stdout.readline()  # it has saved at least once
        time.sleep(rng.uniform(0.0, 0.3))
        os.kill(p.pid, signal.SIGKILL)
        saved = [int(line) for line in p.stdout.read().split("\n")[:-1]]  # the saves it completed (whole lines)
        p.wait()
        now = read_labels(path)  # whole, readable
        ft.test_eq(now.shape, before.shape)
        ft.test_eq(now.iloc[1:].to_numpy(), before.iloc[1:].to_numpy())
        last = saved[-1] if saved else 1
        assert now.iloc[0, 0] in (float(last), float(last + 1)), (
            now.iloc[0, 0],
            last,
        )  # the last save, or the one in flight
    write_labels(read_labels(path), path)  # the next write cleans what the killed writes left
    ft.test_eq([p.name for p in folder(proj).iterdir() if p.name.endswith(".tmp")], [])
    assert everything_kept(before.iloc[1:], proj)  # the loop itself rewrote row 0 hundreds of times: history keeps 20


def _full_disk(monkeypatch):
    def full(*args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(pd.DataFrame, "to_hdf", full)


def test_disk_full_save_keeps_edits_for_retry(proj, monkeypatch):
    before, w = original(proj), label_frames(proj)
    edit(w, snout(11, 12))
    _full_disk(monkeypatch)
    message(w, {"type": "save"})
    ft.test_eq(w.save_state, "failed")
    assert "No space left on device" in w.status and "edits are kept" in w.status
    ft.test_eq(original(proj), before)  # the file is untouched
    ft.test_eq(w.frame_points(0)[0], ["", "snout", 11.0, 12.0])  # the edit is in the widget
    monkeypatch.undo()
    message(w, {"type": "save"})  # retry
    ft.test_eq((w.save_state, original(proj).iloc[0, :2].tolist()), ("saved", [11.0, 12.0]))
    assert everything_kept(before.iloc[1:], proj)


def test_disk_full_on_frame_change_keeps_edits(proj, monkeypatch):
    w = label_frames(proj)
    edit(w, snout(21, 22))
    _full_disk(monkeypatch)
    message(w, {"type": "goto", "index": 1})
    ft.test_eq((w.frame_index, w.save_state), (1, "failed"))  # the labeler stays usable
    monkeypatch.undo()
    w.close()  # closing saves the pending edit
    ft.test_eq(original(proj).iloc[0, :2].tolist(), [21.0, 22.0])


def test_permission_denied_shows_error(proj, monkeypatch):
    w = label_frames(proj)
    edit(w, snout(5, 6))

    def denied(*a):
        raise PermissionError(errno.EACCES, "Permission denied")

    monkeypatch.setattr(os, "replace", denied)
    ft.test_fail(lambda: w.save(), contains="Permission denied")
    ft.test_eq(w.save_state, "failed")
    monkeypatch.undo()
    assert w.save() and original(proj).iloc[0, 0] == 5


def test_close_saves_pending_edits(proj):
    w = label_frames(proj)
    edit(w, snout(31, 32))
    w.close()
    ft.test_eq(original(proj).iloc[0, :2].tolist(), [31.0, 32.0])
    ft.test_eq((folder(proj) / LOCK_NAME).exists(), False)  # the lock is released


def test_kernel_shutdown_saves_pending_edits(proj):
    "A kernel that exits with unsaved edits (no save, no frame change) writes them at exit."
    script = textwrap.dedent(f"""
        import sys; sys.path.insert(0, {str(REPO)!r})
        from dlcnb.labeling import label_frames
        w = label_frames({str(proj)!r})
        w._handle_msg({{"content": {{"data": {{"method": "custom", "content":
            {{"type": "points", "frame": 0, "points": [["", "snout", 41, 42]]}}}}}}, "buffers": []}})
        """)
    subprocess.run([sys.executable, "-c", script], check=True, timeout=120)
    ft.test_eq(original(proj).iloc[0, :2].tolist(), [41.0, 42.0])


# --- several editors ------------------------------------------------------------------------------------------


def test_two_labelers_on_different_frames_merge(proj):
    before = original(proj)
    a, b = label_frames(proj), label_frames(proj, start=1)
    edit(a, snout(1, 1))
    message(a, {"type": "save"})
    edit(b, snout(2, 2))
    message(b, {"type": "save"})
    now = original(proj)
    ft.test_eq((now.iloc[0, :2].tolist(), now.iloc[1, :2].tolist()), ([1.0, 1.0], [2.0, 2.0]))
    ft.test_eq(b.frame_points(0)[0][2:], [1.0, 1.0])  # b now shows a's frame
    assert everything_kept(before.iloc[2:], proj)


def test_two_labelers_on_the_same_frame_refused(proj):
    a, b = label_frames(proj), label_frames(proj)
    edit(a, snout(1, 1))
    message(a, {"type": "save"})
    edit(b, snout(9, 9))
    message(b, {"type": "save"})
    ft.test_eq(b.save_state, "failed")
    assert "img0000.png" in b.status and "CollectedData_Pranav.h5" in b.status
    ft.test_eq(original(proj).iloc[0, :2].tolist(), [1.0, 1.0])  # a's labels stay
    ft.test_eq(b.frame_points(0)[0][2:], [9.0, 9.0])  # b's edit is kept in its widget


def test_outside_writer_process_is_merged(proj):
    "Another program (here a separate Python process writing with pandas, as DeepLabCut does) changes the file."
    before, w = original(proj), label_frames(proj)
    path = folder(proj) / "CollectedData_Pranav.h5"
    script = (
        f"import pandas as pd; df = pd.read_hdf({str(path)!r}); df.iloc[5, 2] = 99.0; "
        f"df.to_hdf({str(path)!r}, key='df_with_missing', mode='w')"
    )
    subprocess.run([sys.executable, "-c", script], check=True)
    edit(w, snout(3, 4))
    message(w, {"type": "save"})
    now = original(proj)
    ft.test_eq((now.iloc[0, :2].tolist(), now.iloc[5, 2]), ([3.0, 4.0], 99.0))
    assert everything_kept(before.iloc[1:], proj)


def test_lock_names_the_other_labeler_and_stale_locks_are_taken_over(proj):
    info = {"pid": 1, "host": "elsewhere-" + socket.gethostname(), "time": time.time()}
    (folder(proj) / LOCK_NAME).write_text(json.dumps(info))
    w = label_frames(proj)
    assert "also open in process 1" in w.status
    (folder(proj) / LOCK_NAME).write_text(json.dumps({**info, "host": socket.gethostname(), "pid": 2**22 + 12345}))
    w2 = label_frames(proj)  # a dead process's lock
    ft.test_eq(lock_holder(folder(proj))["pid"], os.getpid())
    assert "also open" not in w2.status


# --- whatever labels exist ------------------------------------------------------------------------------------


def test_csv_only_folder_opens_with_all_its_labels(proj):
    before = original(proj)
    for f in folder(proj).glob("CollectedData_Pranav.h5*"):
        f.unlink()
    w = label_frames(proj)
    ft.test_eq(len(w.points), 4)
    edit(w, snout(1, 2))
    message(w, {"type": "goto", "index": 1})
    edit(w, snout(3, 4))
    message(w, {"type": "goto", "index": 2})
    ft.test_eq(len(original(proj)), 116)
    assert everything_kept(before.iloc[2:], proj)


def test_other_scorer_file_is_kept_as_it_is(proj):
    before = with_scorer(original(proj), "Alex")
    for f in folder(proj).glob("CollectedData_Pranav*"):
        f.unlink()
    write_labels(before, folder(proj) / "CollectedData_Alex.h5")
    w = label_frames(proj)
    ft.test_eq(len(w.points), 4)
    assert "scorer 'Alex'" in w.status  # shown in the widget
    edit(w, snout(1, 2))
    message(w, {"type": "goto", "index": 1})
    message(w, {"type": "goto", "index": 2})
    now = read_labels(folder(proj) / "CollectedData_Alex.h5")
    ft.test_eq((len(now), now.columns[0][0]), (116, "Alex"))
    ft.test_eq(list(folder(proj).glob("CollectedData_Pranav*")), [])
    assert everything_kept(before.iloc[1:], proj)


def test_renamed_experimenter_scorer_level_kept(proj):
    "The file is the config scorer's, but its scorer level names someone else."
    before = with_scorer(original(proj), "OldName")
    write_labels(before, folder(proj) / "CollectedData_Pranav.h5")
    w = label_frames(proj)
    ft.test_eq(len(w.points), 4)
    edit(w, snout(1, 2))
    message(w, {"type": "save"})
    ft.test_eq(original(proj).columns[0][0], "OldName")
    ft.test_eq(len(load_labels(proj)), 116)
    assert everything_kept(before.iloc[1:], proj)


def test_napari_written_h5(proj):
    "napari-deeplabcut writes key `keypoints` with flat `labeled-data/<folder>/<image>` row names (its _writer.py)."
    before = original(proj)
    napari = before.copy()
    napari.index = ["/".join(k) for k in before.index]
    for f in folder(proj).glob("CollectedData_Pranav*"):
        f.unlink()
    napari.sort_index().to_hdf(folder(proj) / "CollectedData_Pranav.h5", key="keypoints", mode="w")
    napari.sort_index().to_csv(folder(proj) / "CollectedData_Pranav.csv")
    w = label_frames(proj)
    ft.test_eq(len(w.points), 4)
    edit(w, snout(1, 2))
    message(w, {"type": "save"})
    assert everything_kept(before.iloc[1:], proj)
    ft.test_eq(len(original(proj)), 116)


def test_multianimal_layout_round_trip(tmp_path, proj):
    c = create_project("mice", "ann", working_directory=tmp_path / "ma", multianimal=True, individuals=["m1", "m2"])
    cfg = read_config(c)
    cage = Path(cfg["project_path"]) / "labeled-data/cage"
    cage.mkdir()
    for k in range(2):
        shutil.copy(folder(proj) / f"img000{k}.png", cage)
    keys = [("labeled-data", "cage", f"img000{k}.png") for k in range(2)]
    before = pd.DataFrame(
        np.arange(2 * 12, dtype=float).reshape(2, 12), index=pd.MultiIndex.from_tuples(keys), columns=label_columns(cfg)
    )
    write_labels(before, labels_path(cfg, "cage"))
    w = label_frames(c)
    ft.test_eq(len(w.points), 6)
    edit(w, [["m1", "bodypart1", 100, 100]] + w.points[1:])
    message(w, {"type": "save"})
    assert everything_kept(before.iloc[1:], c, stem="cage")
    now = read_labels(labels_path(cfg, "cage"), cfg)
    ft.test_eq(now.iloc[1].to_numpy(), before.iloc[1].to_numpy())
    ft.test_eq(now.iloc[0, :2].tolist(), [100.0, 100.0])


def test_machine_labels_open_in_refine(proj):
    cfg = read_config(proj)
    pred = pd.DataFrame(
        0.9,
        index=original(proj).index[:2],
        columns=label_columns({**cfg, "scorer": "DLC_net"}, ("x", "y", "likelihood")),
    )
    write_table(pred, folder(proj) / "machinelabels-iter0.h5")
    w = refine_labels(proj)
    ft.test_eq(len(w.points), 4)
    edit(w, snout(7, 7))
    message(w, {"type": "save"})
    ft.test_eq(read_labels(folder(proj) / "MachineLabelsRefine.h5").iloc[0, :2].tolist(), [7.0, 7.0])
    ft.test_eq(len(original(proj)), 116)  # the human labels are untouched


def test_unreadable_labels_open_read_only_and_are_never_written(proj):
    path = folder(proj) / "CollectedData_Pranav.h5"
    path.write_bytes(b"\x89HDF\r\n garbage, not a labels file")
    data = path.read_bytes()
    w = label_frames(proj)
    ft.test_eq(w.save_state, "read-only")
    assert "CollectedData_Pranav.h5" in w.status
    edit(w, snout(1, 2))
    message(w, {"type": "goto", "index": 1})
    message(w, {"type": "save"})
    w.close()
    assert path.read_bytes() == data
    assert everything_kept(read_labels(folder(proj) / "CollectedData_Pranav.csv"), proj)


def test_non_numeric_csv_labels_refused(proj):
    csv = folder(proj) / "CollectedData_Pranav.csv"
    lines = csv.read_text().split("\n")
    row = lines[3].split(",")
    row[1] = "oops"
    lines[3] = ",".join(row)
    csv.write_text("\n".join(lines))
    ft.test_fail(lambda: read_labels(csv), contains="CollectedData_Pranav.csv")


# --- project files are data, not code -------------------------------------------------------------------------


def test_object_column_h5_runs_no_code(proj, tmp_path):
    marker, path = tmp_path / "pwned", folder(proj) / "CollectedData_Pranav.h5"
    df = original(proj).iloc[:2].copy()
    df[("Pranav", "snout", "note")] = [evil(marker), evil(marker)]
    df.to_hdf(path, key=H5_KEY, mode="w")
    ft.test_fail(lambda: read_labels(path), contains="CollectedData_Pranav.h5 holds pickled Python objects")
    w = label_frames(proj)  # the labeler opens read-only, showing why
    ft.test_eq(w.save_state, "read-only")
    ft.test_fail(lambda: load_labels(proj), contains="CollectedData_Pranav.h5")
    assert not marker.exists()


def test_pickled_h5_attribute_runs_no_code(proj, tmp_path):
    import h5py

    marker, path = tmp_path / "pwned", folder(proj) / "CollectedData_Pranav.h5"
    with h5py.File(path, "r+") as f:
        f[H5_KEY].attrs["pandas_type"] = np.bytes_(pickle.dumps(evil(marker), protocol=0))
    ft.test_fail(lambda: read_labels(path), contains="CollectedData_Pranav.h5 holds pickled Python objects")
    assert not marker.exists()


@pytest.mark.parametrize(
    "name",
    [
        "training-datasets/iteration-0/UnaugmentedDataSet_openfieldOct30/Documentation_data-openfield_95shuffle1.pickle",
        "camera_matrix/stereo_params.pickle",
    ],
)
def test_malicious_project_pickles_run_no_code(proj, tmp_path, name):
    marker, path = tmp_path / "pwned", proj.parent / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(pickle.dumps({"cam1": np.eye(3), "payload": evil(marker)}))
    ft.test_fail(lambda: safe_load_pickle(path), contains=path.name)
    assert not marker.exists()
    path.write_bytes(pickle.dumps({"cam1": np.eye(3), "T": [np.zeros(3)]}))  # plain data still loads
    ft.test_eq(safe_load_pickle(path)["cam1"], np.eye(3))


# --- paths from config and label files ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "row", [("/", "etc", "passwd"), ("labeled-data", "..", "config.yaml"), ("labeled-data", "m4s1", "../../../x.png")]
)
def test_label_rows_outside_the_project_refused(proj, row):
    path = folder(proj) / "CollectedData_Pranav.h5"
    df = original(proj).iloc[:1].copy()
    df.index = pd.MultiIndex.from_tuples([row])
    df.to_hdf(path, key=H5_KEY, mode="w")
    ft.test_fail(lambda: read_labels(path), contains="CollectedData_Pranav.h5")
    w = label_frames(proj)
    assert not any(".." in f or f.startswith("/") for f in w.frames) and w.save_state == "read-only"


@pytest.mark.parametrize(
    "key,value", [("Task", "../../../../escape"), ("scorer", "../me"), ("date", "a/b"), ("iteration", "..")]
)
def test_config_values_that_become_paths_refused(proj, key, value):
    cfg = read_config(proj)
    cfg[key] = value
    write_config(proj, cfg)
    ft.test_fail(lambda: read_config(proj), contains=f"`{key}`")
    ft.test_fail(lambda: read_config(proj), contains="config.yaml")


def test_video_name_and_folder_argument_dotdot_refused(proj):
    cfg = read_config(proj)
    ft.test_fail(lambda: label_frames(cfg, "/videos/...mp4"), contains="not a plain file name")
    cfg["video_sets"] = {"/videos/..": {"crop": "0, 1, 0, 1"}}
    write_config(proj, cfg)
    ft.test_fail(lambda: read_config(proj), contains="not a plain file name")


# --- config types ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "key,value,msg",
    [
        ("bodyparts", "snout", "a list of names"),
        ("TrainingFraction", 0.95, "a list of fractions"),
        ("batch_size", "4", "a whole number"),
        ("dotsize", "big", "a number > 0"),
        ("multianimalproject", "perhaps", "true or false"),
    ],
)
def test_wrong_config_types_named(proj, key, value, msg):
    cfg = read_config(proj)
    cfg[key] = value
    write_config(proj, cfg)
    ft.test_fail(lambda: read_config(proj), contains=f"`{key}: {value!r}` is not valid")
    ft.test_fail(lambda: read_config(proj), contains=msg)


def test_yaml_booleans_read_as_booleans(proj):
    text = (
        proj.read_text()
        .replace("multianimalproject:\n", "multianimalproject: no\n")
        .replace("cropping: false", "cropping: off")
    )
    proj.write_text(text)
    cfg = read_config(proj)
    ft.test_eq((cfg["multianimalproject"], cfg["cropping"]), (False, False))
    ft.test_eq(len(label_frames(proj).points), 4)  # still a single-animal project


# --- modes and leftovers --------------------------------------------------------------------------------------


def test_saving_keeps_the_file_mode(proj):
    path = folder(proj) / "CollectedData_Pranav.h5"
    os.chmod(path, 0o644)
    os.chmod(path.with_suffix(".csv"), 0o664)
    w = label_frames(proj)
    edit(w, snout(1, 2))
    w.save()
    ft.test_eq(
        (oct(stat.S_IMODE(path.stat().st_mode)), oct(stat.S_IMODE(path.with_suffix(".csv").stat().st_mode))),
        ("0o644", "0o664"),
    )


def test_new_files_follow_the_umask(proj):
    for f in folder(proj).glob("CollectedData_*"):
        f.unlink()
    old = os.umask(0o002)
    try:
        w = label_frames(proj)
        edit(w, snout(1, 2))
        w.save()
    finally:
        os.umask(old)
    ft.test_eq(oct(stat.S_IMODE((folder(proj) / "CollectedData_Pranav.h5").stat().st_mode)), "0o664")


def test_leftover_temp_files_are_cleaned_and_never_listed(proj):
    videos = proj.parent / "videos"
    (videos / ".m3v1mp4_labeled.mp4.999999999.abc.tmp").write_bytes(b"half a video")
    (videos / ".labeled.mp4").write_bytes(b"half a video")
    ft.test_eq([p.name for p in video_paths(videos)], ["m3v1mp4.mp4"])
    left = folder(proj) / ".CollectedData_Pranav.h5.999999999.x1.tmp"
    left.write_bytes(b"half")
    (folder(proj) / ".img9999.png").write_bytes(b"half")
    w = label_frames(proj)
    ft.test_eq(len(w.frames), 6)  # the hidden file is no frame
    edit(w, snout(1, 2))
    w.save()
    ft.test_eq(left.exists(), False)


# --- history --------------------------------------------------------------------------------------------------


def test_history_keeps_versions_and_restores(proj):
    before = original(proj)
    w = label_frames(proj)
    for k in range(3):
        edit(w, snout(k, k))
        w.save()
    hist = label_history(proj, "m4s1")
    ft.test_eq(hist["frames changed"].tolist(), [116, 1, 1, 1])  # the version found first, then each save
    restore_labels(proj, "m4s1", 0)
    ft.test_eq(original(proj), before)
    assert everything_kept(before, proj)


def test_history_is_capped(proj):
    w = label_frames(proj)
    for k in range(HISTORY_SIZE + 5):
        edit(w, snout(k, 1))
        w.save()
    ft.test_eq(len(label_history(proj, "m4s1")), HISTORY_SIZE)
    ft.test_eq(len(list(history_dir(folder(proj) / "CollectedData_Pranav.h5").iterdir())), HISTORY_SIZE)


# --- stale splits (the shuffle's images are looked up by path) ---------------------------------------------------


def _split_after_labels_change(proj, change):
    """Label 5 of the 6 frames, make shuffle 1, change the labels with `change(all six, five)`; return read_split's
    error."""
    from dlcnb.data import create_training_dataset, read_split

    path = folder(proj) / "CollectedData_Pranav.h5"
    six = original(proj).iloc[:6]
    write_labels(six.iloc[:5], path)
    create_training_dataset(proj)
    write_labels(change(six, six.iloc[:5]), path)
    with pytest.raises(DLCNBError) as e:
        read_split(proj, 1)
    return str(e.value)


def test_stale_split_frames_added_is_refused(proj):
    "A frame labelled after the shuffle was made: refused, so no recorded test image can leak into training."
    msg = _split_after_labels_change(proj, lambda six, five: six)
    assert "new shuffle" in msg and "huffle 1" in msg, msg


def test_stale_split_frames_removed_is_refused_not_indexerror(proj):
    "Labelled frames removed after the shuffle: a DLCNBError naming the shuffle, not an IndexError."
    msg = _split_after_labels_change(proj, lambda six, five: five.iloc[2:])
    assert "new shuffle" in msg and "no longer labelled" in msg, msg
