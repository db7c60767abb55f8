"Python-side tests of the labeler widget: every message the browser sends, simulated as the browser sends it."

import time
from pathlib import Path
import numpy as np, pandas as pd, pytest
import fastcore.test as ft
from dlcnb.core import read_config, create_project, example_project
from dlcnb.io import read_labels, labels_path, load_labels, write_labels, write_table, label_columns
from dlcnb.labeling import label_frames
from _recorder import Recorder
from dlcnb.label_checks import suspicious_labels, check_labels, refine_labels, merge_datasets


def from_browser(w, **state):
    w._handle_msg({"content": {"data": {"method": "update", "state": state, "buffer_paths": []}}, "buffers": []})


def edit(w, points, frame=None):
    message(w, {"type": "points", "frame": w.frame_index if frame is None else frame, "points": points})


def message(w, msg):
    w._handle_msg({"content": {"data": {"method": "custom", "content": msg}}, "buffers": []})


def updates(rec):
    return [(d["state"], d.get("buffer_paths", []), b) for d, b in rec.sent if d.get("method") == "update"]


@pytest.fixture
def small(tmp_path):
    "The openfield project with its first 6 frames (the labels file keeps all 116 rows)."
    return example_project(tmp_path, n_frames=6)


@pytest.fixture
def unlabeled(small):
    "The small openfield project with its human labels removed."
    for f in small.parent.glob("labeled-data/m4s1/CollectedData_*"):
        f.unlink()
    return small


def snout(w, x, y):
    return [["", "snout", x, y]]


def test_opens_lazily_with_one_image(openfield):
    t = time.perf_counter()
    w = label_frames(openfield)
    dt = time.perf_counter() - t
    assert len(w.frames) == 116 and dt < 2, dt
    first = openfield.parent / "labeled-data/m4s1/img0000.png"
    assert w.image == first.read_bytes()  # (fastcore.test compares bytes one by one: slow)
    ft.test_eq(w.image_type, "image/png")
    rec = Recorder()
    w.comm = rec
    message(w, {"type": "goto", "index": 5})
    [(state, paths, buffers)] = updates(rec)
    ft.test_eq(sorted(state), ["frame_index", "points"])  # the image travels as the one binary buffer
    ft.test_eq(paths, [["image"]])
    assert bytes(buffers[0]) == (openfield.parent / "labeled-data/m4s1/img0005.png").read_bytes()
    ft.test_eq(state["frame_index"], 5)
    ft.test_eq(len(state["points"]), 4)


def test_points_update_is_saved_on_frame_change(unlabeled):
    w = label_frames(unlabeled, display_width=320)
    h5 = labels_path(read_config(unlabeled), "m4s1")
    edit(w, [["", "snout", 199.5, 99.5], ["", "tailbase", 10.25, 20.75]])
    assert not h5.exists()  # nothing written until the frame changes or the user saves
    message(w, {"type": "goto", "index": 1})
    df = read_labels(h5)
    ft.test_eq(list(df.index), [("labeled-data", "m4s1", "img0000.png")])  # unlabeled frames are not written
    np.testing.assert_array_equal(df.iloc[0], [199.5, 99.5, np.nan, np.nan, np.nan, np.nan, 10.25, 20.75])
    np.testing.assert_array_equal(read_labels(h5.with_suffix(".csv")).iloc[0], df.iloc[0])
    ft.test_eq(w.frame_index, 1)
    ft.test_eq(w.points, [])


def test_save_message_writes_with_backup(unlabeled):
    w = label_frames(unlabeled)
    h5 = labels_path(read_config(unlabeled), "m4s1")
    edit(w, snout(w, 1, 2))
    message(w, {"type": "save"})
    edit(w, snout(w, 3, 4))
    message(w, {"type": "save"})
    ft.test_eq(read_labels(h5).iloc[0, :2].tolist(), [3, 4])
    ft.test_eq(read_labels(h5.with_name(h5.name + ".bak")).iloc[0, :2].tolist(), [1, 2])
    assert w.status.startswith("saved 1 frames")


def test_browsing_writes_nothing(unlabeled):
    w = label_frames(unlabeled)
    for i in (1, 2, 0):
        message(w, {"type": "goto", "index": i})
    assert not labels_path(read_config(unlabeled), "m4s1").exists()


def test_goto_is_clipped(small):
    w = label_frames(small)
    message(w, {"type": "goto", "index": 10_000})
    ft.test_eq(w.frame_index, 5)
    message(w, {"type": "goto", "index": -3})
    ft.test_eq(w.frame_index, 0)


def test_reopen_shows_saved_labels_and_keeps_other_rows(small):
    w = label_frames(small, start=2)
    edit(w, snout(w, 5, 6))
    message(w, {"type": "save"})
    w2 = label_frames(small, start=2)
    ft.test_eq(w2.points, snout(w, 5.0, 6.0))
    ft.test_eq(len(read_labels(labels_path(read_config(small), "m4s1"))), 116)


def test_unknown_keypoints_and_messages_are_refused(unlabeled):
    w = label_frames(unlabeled)
    edit(w, [["", "tail", 1, 2], ["", "snout", 3, 4]])
    ft.test_eq(w.status, "Ignored points of unknown keypoints [['', 'tail']]")
    ft.test_eq(w.frame_points(0), snout(w, 3.0, 4.0))
    message(w, {"type": "explode"})
    assert w.status.startswith("Ignored unknown message")


def test_missing_frame_is_reported(small):
    w = label_frames(small)
    (small.parent / "labeled-data/m4s1/img0003.png").unlink()
    ft.test_fail(lambda: w.goto(3), contains="img0003.png is missing")
    message(w, {"type": "goto", "index": 3})  # from the browser: shown as the status, the widget stays on its frame
    assert w.status.startswith("Error: Frame ") and "img0003.png is missing" in w.status
    ft.test_eq(w.frame_index, 0)


def test_no_frames(tmp_path):
    cfg = create_project("empty", "me", working_directory=tmp_path)
    ft.test_fail(lambda: label_frames(cfg), contains="Extract frames first")


def test_multianimal_bodypart_once_per_individual(tmp_path, small):
    cfg = read_config(
        create_project("mice", "ann", working_directory=tmp_path / "ma", multianimal=True, individuals=["m1", "m2"])
    )
    folder = Path(cfg["project_path"]) / "labeled-data/cage"
    folder.mkdir()
    (folder / "a.png").write_bytes((small.parent / "labeled-data/m4s1/img0000.png").read_bytes())
    w = label_frames(cfg)
    pts = [["m1", "bodypart1", 1, 2], ["m2", "bodypart1", 3, 4], ["m1", "bodypart1", 5, 6]]  # a repeat overwrites
    edit(w, pts)
    message(w, {"type": "save"})
    df = read_labels(labels_path(cfg, "cage"), cfg)
    ft.test_eq(df.loc[("labeled-data", "cage", "a.png"), ("ann", "m1", "bodypart1")].tolist(), [5, 6])
    ft.test_eq(df.loc[("labeled-data", "cage", "a.png"), ("ann", "m2", "bodypart1")].tolist(), [3, 4])
    ft.test_eq(w.frame_points(0), [["m1", "bodypart1", 5.0, 6.0], ["m2", "bodypart1", 3.0, 4.0]])


def test_suspicious_labels_finds_planted_errors(openfield):
    labels = load_labels(openfield)
    bad = labels.copy()
    bad.iloc[10, 6:8] += [0, 120]  # tailbase of img0010 moved 120 px
    found = suspicious_labels(bad)
    far = found[found.issue == "far from the others"]
    ft.test_eq(far[["bodypart"]].values.tolist(), [["tailbase"]])
    ft.test_eq(far.image.iloc[0][2], "img0010.png")


def test_points_message_is_not_echoed(unlabeled):
    w = label_frames(unlabeled)
    rec = Recorder()
    w.comm = rec
    edit(w, snout(w, 1, 2))
    ft.test_eq([u for u in updates(rec) if "points" in u[0]], [])  # the browser already shows them
    ft.test_eq([u[0] for u in updates(rec)], [{"save_state": "unsaved"}])  # only the new state is sent
    ft.test_eq(w.points, snout(w, 1, 2))


def test_late_points_land_on_their_frame(unlabeled):
    w = label_frames(unlabeled)
    message(w, {"type": "goto", "index": 2})
    edit(w, snout(w, 1, 2), frame=0)  # sent before the goto, arriving after it
    ft.test_eq(w.points, [])
    message(w, {"type": "save"})
    df = read_labels(labels_path(read_config(unlabeled), "m4s1"))
    ft.test_eq([k[2] for k in df.index], ["img0000.png"])
    ft.test_eq(df.iloc[0, :2].tolist(), [1, 2])


def test_state_update_from_browser_is_stored(unlabeled):
    w = label_frames(unlabeled)
    from_browser(w, points=snout(w, 9, 8))
    ft.test_eq(w.frame_points(0), snout(w, 9.0, 8.0))


def test_check_labels_gallery(small):
    labels = load_labels(small)
    fig = check_labels(small, max_frames=5, cols=3)
    ft.test_eq(sum(t.type == "image" for t in fig.data), 5)
    ft.test_eq(len(fig.layout.annotations), 5)
    ft.test_eq(fig.layout.title.text, f"1 suspicious labels in {len(labels)} frames")  # img0102's ears
    ft.test_eq(fig.layout.annotations[0].text, "m4s1/img0000.png")  # img0102's image is not in this small project


def test_refine_then_merge(small):
    cfg = read_config(small)
    folder = small.parent / "labeled-data/m4s1"
    human = load_labels(cfg)
    write_labels(human.iloc[:4], labels_path(cfg, "m4s1"))  # frames 4 and 5 are new outlier frames
    pred = pd.DataFrame(
        0.5, index=human.index[3:6], columns=label_columns({**cfg, "scorer": "DLC_net"}, ("x", "y", "likelihood"))
    )
    pred.loc[:, pd.IndexSlice[:, :, ["x", "y"]]] = 7.0
    write_table(pred, folder / "machinelabels-iter0.h5")
    w = refine_labels(cfg)
    ft.test_eq(w.frames, ["m4s1/img0003.png", "m4s1/img0004.png", "m4s1/img0005.png"])
    ft.test_eq(w.points[0], ["", "snout", 7.0, 7.0])
    edit(w, [["", "snout", 100, 200]], frame=2)
    message(w, {"type": "save"})
    summary = merge_datasets(cfg)
    ft.test_eq(summary.values.tolist(), [["m4s1", 2, 6]])
    merged = read_labels(labels_path(cfg, "m4s1"), cfg)
    np.testing.assert_array_equal(merged.iloc[:4], human.iloc[:4])  # human frames win over predictions
    ft.test_eq(merged.iloc[4].tolist(), [7.0] * 8)
    np.testing.assert_array_equal(merged.iloc[5], [100, 200] + [np.nan] * 6)
    ft.test_eq(read_config(small)["iteration"], 1)


from hypothesis import given, settings, HealthCheck, strategies as st

coords = st.floats(min_value=-0.5, max_value=639.5, allow_nan=False).map(lambda v: round(v, 3))
frame_labels = st.dictionaries(
    st.sampled_from(["snout", "leftear", "rightear", "tailbase"]), st.tuples(coords, coords), max_size=4
)


@pytest.fixture(scope="module")
def hyp_project(tmp_path_factory):
    config = example_project(tmp_path_factory.mktemp("hyp"), n_frames=3)
    for f in config.parent.glob("labeled-data/m4s1/CollectedData_*"):
        f.unlink()
    return config


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(frame_labels, min_size=3, max_size=3))
def test_any_labels_round_trip_through_widget_and_file(hyp_project, frames):
    "Whatever the browser sends for each frame is what the file holds, and what a reopened widget shows."
    w = label_frames(hyp_project)
    for i, labels in enumerate(frames):
        message(w, {"type": "goto", "index": i})
        edit(w, [["", bp, x, y] for bp, (x, y) in labels.items()])
    message(w, {"type": "save"})
    w2 = label_frames(hyp_project)
    for i, labels in enumerate(frames):
        ft.test_eq({p[1]: (p[2], p[3]) for p in w2.frame_points(i)}, labels)
