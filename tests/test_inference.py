"""End-to-end checks of `dlcnb.inference` on the bundled openfield project: files, layout, resuming, interruption,
errors."""

import pickle
from pathlib import Path
import numpy as np, pandas as pd, pytest, torch
import fastcore.test as ft
from dlcnb.core import DLCNBError, read_config
from dlcnb.poses import load_poses
from dlcnb.video import VideoReader, write_clip
from dlcnb.training import snapshot_dir, find_snapshot, example_snapshot
import dlcnb.inference as inf

SCORER = "DLC_Resnet50_openfieldOct30shuffle1_snapshot_1"


@pytest.fixture
def project(openfield, tmp_path):
    "The openfield project with an untrained shuffle-1 snapshot (epoch 1) and a 12-frame clip; yields (config, clip)."
    example_snapshot(openfield, "efficientnet_lite0", scale=0.25)
    return openfield, write_clip(
        Path(read_config(openfield)["project_path"]) / "videos" / "m3v1mp4.mp4", tmp_path / "clip.avi", 0, 12
    )


def outputs(clip):
    return inf.output_paths(clip, SCORER)


def test_files_and_layout(project):
    config, clip = project
    ds = inf.analyze_videos(config, clip, batch_size=8, optimize="none")
    out = outputs(clip)
    df = pd.read_hdf(out["h5"], "df_with_missing")
    ft.test_eq(df.shape, (12, 12))
    ft.test_eq(df.columns.names, ["scorer", "bodyparts", "coords"])
    ft.test_eq(df.columns.get_level_values("scorer")[0], SCORER)
    ft.test_close(df.xs("likelihood", level="coords", axis=1).to_numpy(), ds.confidence.values[..., 0], eps=1e-5)
    run = pickle.loads(out["meta"].read_bytes())["data"]
    for key in (
        "start",
        "stop",
        "run_duration",
        "Scorer",
        "fps",
        "batch_size",
        "frame_dimensions",
        "nframes",
        "iteration (active-learning)",
        "training set fraction",
        "cropping",
        "cropping_parameters",
        "bodyparts",
    ):
        assert key in run, key
    ft.test_eq((run["nframes"], run["fps"], run["training set fraction"]), (12, 30.0, 0.95))
    ft.test_close(load_poses(out["nc"]).position.values, ds.position.values)
    ft.test_eq(ds.attrs["scorer"], SCORER)


def test_several_videos_and_folder(project, tmp_path):
    config, clip = project
    other = tmp_path / "clip2.avi"
    other.write_bytes(clip.read_bytes())
    res = inf.analyze_videos(config, tmp_path, destfolder=tmp_path / "out", optimize="none")
    ft.test_eq(sorted(Path(k).name for k in res), ["clip.avi", "clip2.avi"])
    ft.test_eq(len(list((tmp_path / "out").glob("*.nc"))), 2)


def test_batches_give_the_same_predictions(project):
    "The traced model handles every batch size (the last batch is short) and agrees with the plain model."
    config, clip = project
    jit = inf.load_predictor(config, device="cpu")
    a = inf.predict_video(jit, clip, batch_size=5)
    assert isinstance(jit.net, torch.jit.ScriptModule)
    b = inf.predict_video(inf.load_predictor(config, device="cpu", optimize="none"), clip, batch_size=12)
    ft.test_close(a, b, eps=1e-2)


def test_rerun_skips_and_overwrite_redoes(project):
    config, clip = project
    inf.analyze_videos(config, clip, optimize="none")
    stamps = {k: p.stat().st_mtime_ns for k, p in outputs(clip).items()}
    inf.analyze_videos(config, clip, optimize="none")
    ft.test_eq({k: p.stat().st_mtime_ns for k, p in outputs(clip).items()}, stamps)
    inf.analyze_videos(config, clip, overwrite=True, optimize="none")
    assert all(p.stat().st_mtime_ns != stamps[k] for k, p in outputs(clip).items())


def test_interrupted_inference_leaves_nothing(project, monkeypatch):
    config, clip = project
    calls = []

    def boom(self, frames, offset=(0, 0)):
        calls.append(1)
        if len(calls) == 2:
            raise KeyboardInterrupt
        return np.zeros((len(frames), 4, 3), np.float32)

    monkeypatch.setattr(inf.Predictor, "__call__", boom)
    with pytest.raises(KeyboardInterrupt):
        inf.analyze_videos(config, clip, batch_size=8, optimize="none")
    ft.test_eq(list(clip.parent.glob("*DLC_*")), [])


def test_interrupted_writing_is_redone(project, monkeypatch):
    "A crash after the .h5 but before the .nc leaves the video unfinished: the next run analyses it again."
    config, clip = project

    def crash(ds, path):
        raise KeyboardInterrupt

    monkeypatch.setattr(inf, "save_poses", crash)
    with pytest.raises(KeyboardInterrupt):
        inf.analyze_videos(config, clip, optimize="none")
    assert outputs(clip)["h5"].exists() and not outputs(clip)["nc"].exists()
    assert not list(clip.parent.glob(".*.tmp"))
    monkeypatch.undo()
    inf.analyze_videos(config, clip, optimize="none")
    assert outputs(clip)["nc"].exists()


def test_bad_inputs_leave_earlier_results(project, tmp_path):
    config, clip = project
    inf.analyze_videos(config, clip, optimize="none")
    before = {k: p.read_bytes() for k, p in outputs(clip).items()}
    (tmp_path / "text.mp4").write_text("hello")
    with pytest.raises(DLCNBError, match="text.mp4: it is not a readable video"):
        inf.analyze_videos(config, tmp_path / "text.mp4", optimize="none")
    data = clip.read_bytes()
    (tmp_path / "half.avi").write_bytes(data[: len(data) // 2])
    with pytest.raises(DLCNBError, match=r"half.avi \(12 frames expected\)"):
        inf.analyze_videos(config, tmp_path / "half.avi", optimize="none")
    with pytest.raises(DLCNBError, match="No video at"):
        inf.analyze_videos(config, tmp_path / "missing.mp4", optimize="none")
    ft.test_eq({k: p.read_bytes() for k, p in outputs(clip).items()}, before)
    ft.test_eq([p.name for p in tmp_path.glob("half*DLC*")], [])


def test_snapshot_from_another_project(project):
    config, clip = project
    cfg = read_config(config)
    ckpt = torch.load(find_snapshot(snapshot_dir(cfg)), weights_only=True)
    for key, value, msg in (
        ("Task", "reaching", "Task 'reaching'"),
        ("bodyparts", ["snout", "leftear", "tailbase", "rightear"], "bodyparts"),
    ):
        torch.save(
            {**ckpt, "metadata": {**ckpt["metadata"], key: value, "epoch": 9}}, snapshot_dir(cfg) / "snapshot-009.pt"
        )
        with pytest.raises(DLCNBError, match=msg):
            inf.analyze_videos(config, clip, snapshot=-1, optimize="none")
    ft.test_eq(list(clip.parent.glob("*DLC_*")), [])


def test_snapshot_choice(project):
    "`snapshot` picks the best snapshot by default, any other by index; the scorer names the epoch of the one used."
    config, clip = project
    folder = snapshot_dir(read_config(config))
    ckpt = torch.load(folder / "snapshot-001.pt", weights_only=True)
    torch.save({**ckpt, "metadata": {**ckpt["metadata"], "epoch": 2}}, folder / "snapshot-best-002.pt")
    inf.analyze_videos(config, clip, optimize="none")
    assert inf.output_paths(clip, SCORER.replace("snapshot_1", "snapshot_best-2"))["nc"].exists()
    inf.analyze_videos(config, clip, snapshot=-1, optimize="none")
    assert outputs(clip)["nc"].exists()


def test_labeled_video_and_export(project, tmp_path):
    config, clip = project
    inf.analyze_videos(config, clip, optimize="none")
    (out,) = inf.create_labeled_video(config, clip, trailpoints=2, pcutoff=0)
    with VideoReader(out) as r:
        ft.test_eq(len(r), 12)
    exported = inf.export_model(config, path=tmp_path / "model.pt")
    p = inf.load_exported_model(exported, "cpu", optimize="none")
    ft.test_close(
        inf.predict_video(p, clip)[..., :2],
        load_poses(outputs(clip)["nc"]).position.values[..., 0].transpose(0, 2, 1),
        eps=1e-2,
    )


def test_onnx_runtime_matches_torch(project, tmp_path):
    """onnxruntime gives torch's keypoints (within 0.05 px) at scale 0.25, on whole frames and crops; the export is
    reused."""
    config, clip = project
    torch_ds = inf.analyze_videos(config, clip, optimize="none", destfolder=tmp_path / "torch")
    onnx_ds = inf.analyze_videos(config, clip, runtime="onnx", destfolder=tmp_path / "onnx", batch_size=5)
    ft.test_close(onnx_ds.position.values, torch_ds.position.values, eps=0.05)
    ft.test_close(onnx_ds.confidence.values, torch_ds.confidence.values, eps=1e-3)
    onnx_file = inf.export_model(config, format="onnx")
    stamp = onnx_file.stat().st_mtime_ns
    p = inf.load_predictor(config, runtime="onnx")
    ft.test_eq((onnx_file.stat().st_mtime_ns == stamp, p.path, p.meta["scale"]), (True, onnx_file, 0.25))
    with VideoReader(clip) as r:
        crop = np.stack([r[0], r[7]])[:, 40:300, 30:333]
    torch_p = inf.load_predictor(config, optimize="none")
    ft.test_close(p(crop, (30, 40)), torch_p(crop, (30, 40)), eps=0.05)


def test_onnx_missing_runtime_says_what_to_install(project, monkeypatch):
    config, _ = project
    real = inf.importlib.import_module
    monkeypatch.setattr(
        inf.importlib,
        "import_module",
        lambda name: (_ for _ in ()).throw(ImportError(name)) if name == "onnxruntime" else real(name),
    )
    ft.test_fail(lambda: inf.load_predictor(config, runtime="onnx"), contains="`pip install onnxruntime`")
