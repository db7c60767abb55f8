"""DeepLabCut 3's side of the interop tier: run with the DeepLabCut 3 environment's python (`tools/peer_env.py dlc3`).

`python dlc3_side.py COMMAND JSON_ARGS` runs one DeepLabCut 3 function on files dlcnb wrote (or makes files for dlcnb to
read) and prints one JSON line with the result. It never imports dlcnb: every value crosses as a file or JSON."""

import json, shutil, sys, traceback
from pathlib import Path


def make_project(dest, labeled, video, n_frames):
    """A project made by DeepLabCut 3 itself: `create_new_project`, `n_frames` labelled images,
    `create_training_dataset`, and an untrained `snapshot-005.pt` of its model (DeepLabCut names scorers only for
    shuffles with snapshots)."""
    import deeplabcut, pandas as pd

    config = deeplabcut.create_new_project("openfield", "Pranav", [video], working_directory=dest, copy_videos=True)
    folder = Path(config).parent / "labeled-data" / Path(video).stem
    folder.mkdir(parents=True, exist_ok=True)
    df = pd.read_hdf(Path(labeled) / "CollectedData_Pranav.h5").iloc[:n_frames]
    names = [Path(k if isinstance(k, str) else k[-1]).name for k in df.index]
    for name in names:
        shutil.copy2(Path(labeled) / name, folder / name)
    df.index = pd.MultiIndex.from_tuples([("labeled-data", folder.name, n) for n in names])
    df.to_hdf(folder / "CollectedData_Pranav.h5", key="df_with_missing", mode="w")
    bps = list(dict.fromkeys(df.columns.get_level_values("bodyparts")))
    deeplabcut.auxiliaryfunctions.edit_config(config, {"bodyparts": bps, "skeleton": [bps[:2]]})
    deeplabcut.create_training_dataset(config, num_shuffles=1, net_type="resnet_50", engine=deeplabcut.Engine.PYTORCH)
    return {"config": str(config), **save_untrained_snapshot(config, 1, 5, 0.5)}


def save_untrained_snapshot(config, shuffle, epoch, bias):
    "A `snapshot-<epoch>.pt` of the shuffle's model as DeepLabCut builds it (random weights, heatmap bias `bias`)."
    import torch
    from deeplabcut.pose_estimation_pytorch.models import PoseModel
    from deeplabcut.pose_estimation_pytorch.config import read_config_as_dict

    train = _train_dir(config, shuffle)
    cfg = read_config_as_dict(train / "pytorch_config.yaml")
    cfg["model"]["backbone"]["pretrained"] = False
    torch.manual_seed(0)
    model = PoseModel.build(cfg["model"])
    with torch.no_grad():
        head = model.heads["bodypart"].heatmap_head.deconv_layers[0]
        head.weight.normal_(0, 0.0005)
        head.bias.fill_(bias)  # scores inside (0, 1): no clipped ties
    path = train / f"snapshot-{epoch:03d}.pt"
    torch.save({"model": model.state_dict(), "metadata": {"epoch": epoch}}, path)
    return {"snapshot": str(path)}


def _train_dir(config, shuffle, trainingsetindex=0):
    from deeplabcut.utils import auxiliaryfunctions as aux

    cfg = aux.read_config(config)
    folder = aux.get_model_folder(cfg["TrainingFraction"][trainingsetindex], shuffle, cfg, engine=_engine())
    return Path(cfg["project_path"]) / folder / "train"


def _engine():
    import deeplabcut

    return deeplabcut.Engine.PYTORCH


def predict(config, shuffle, snapshot, images):
    "Poses `(N, K, 3)` of DeepLabCut 3's model for the shuffle, weights from `snapshot`, on ImageNet-normalised images."
    import cv2, numpy as np, torch
    from deeplabcut.pose_estimation_pytorch.models import PoseModel
    from deeplabcut.pose_estimation_pytorch.config import read_config_as_dict

    cfg = read_config_as_dict(_train_dir(config, shuffle) / "pytorch_config.yaml")
    cfg["model"]["backbone"]["pretrained"] = False
    model = PoseModel.build(cfg["model"])
    model.load_state_dict(torch.load(snapshot, map_location="cpu", weights_only=True)["model"])
    x = torch.from_numpy(np.stack([cv2.imread(p)[..., ::-1] for p in images]).astype(np.float32) / 255).permute(
        0, 3, 1, 2
    )
    x = (x - torch.tensor([0.485, 0.456, 0.406]).view(1, 3, 1, 1)) / torch.tensor([0.229, 0.224, 0.225]).view(
        1, 3, 1, 1
    )
    with torch.no_grad():
        poses = model.get_predictions(model.eval()(x))["bodypart"]["poses"]
    return {"poses": poses[:, 0].tolist()}


def validate(path):
    "DeepLabCut 3's own loader on a `pytorch_config.yaml`: `PoseConfig.from_yaml`."
    from deeplabcut.pose_estimation_pytorch.config import PoseConfig

    cfg = PoseConfig.from_yaml(path)
    return {"net_type": str(cfg.net_type.value), "method": str(cfg.method.value)}


def scorer(config, shuffle, snapshotindex):
    "`auxiliaryfunctions.get_scorer_name` for a shuffle."
    from deeplabcut.utils import auxiliaryfunctions as aux

    cfg = aux.read_config(config)
    cfg["snapshotindex"] = snapshotindex
    return {"scorer": aux.get_scorer_name(cfg, shuffle, cfg["TrainingFraction"][0])[0]}


def read_pickle(path):
    "A `Documentation_data-*.pickle` as DeepLabCut reads it."
    from deeplabcut.utils import auxiliaryfunctions as aux

    data, train, test, frac = aux.read_pickle(path)
    return {
        "images": [d["image"] if isinstance(d["image"], str) else "/".join(d["image"]) for d in data],
        "train": [int(i) for i in train],
        "test": [int(i) for i in test],
        "fraction": float(frac),
    }


def split_metadata(config, shuffle):
    "The train/test images of a shuffle as DeepLabCut reads them from `metadata.yaml`."
    from deeplabcut.generate_training_dataset.metadata import TrainingDatasetMetadata
    from deeplabcut.utils import auxiliaryfunctions as aux

    meta = TrainingDatasetMetadata.load(aux.read_config(config), load_splits=True)
    s = next(s for s in meta.shuffles if s.index == shuffle)
    return {"train": [int(i) for i in s.split.train_indices], "test": [int(i) for i in s.split.test_indices]}


def analyze(config, video, shuffle, snapshotindex, dest, batch_size=None):
    "`analyze_videos` with the shuffle's snapshot; returns the predictions file and the call's wall and CPU seconds."
    import time
    import deeplabcut

    cfg_snap = {"snapshot_index": snapshotindex}
    start, cpu = time.perf_counter(), time.process_time()
    scorer_name = deeplabcut.analyze_videos(
        config,
        [video],
        shuffle=shuffle,
        destfolder=dest,
        device="cpu",
        save_as_csv=False,
        batch_size=batch_size,
        **cfg_snap,
    )
    seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
    h5 = sorted(str(p) for p in Path(dest).glob(f"*{scorer_name}.h5"))
    return {"scorer": scorer_name, "h5": h5, "seconds": seconds, "cpu_seconds": cpu}


def evaluate(config, shuffle):
    "`evaluate_network` on a shuffle: the row of `CombinedEvaluation-results.csv` it wrote for it."
    import deeplabcut, pandas as pd

    deeplabcut.evaluate_network(config, shuffles=[shuffle], device="cpu")
    (combined,) = Path(config).parent.glob("evaluation-results-pytorch/iteration-*/CombinedEvaluation-results.csv")
    df = pd.read_csv(combined)
    return {"scores": df[df["Shuffle number"] == shuffle].iloc[-1].to_dict()}


def postprocess(config, video, shuffle, dest):
    "DeepLabCut 3's post-processing on predictions dlcnb wrote beside `video` (in `dest`)."
    import deeplabcut

    out = {}

    def attempt(name, f):
        try:
            out[name] = {"ok": True, "value": f()}
        except BaseException as e:
            where = traceback.format_exc().strip().splitlines()[-5:-1]  # the DeepLabCut 3 frames that raised
            out[name] = {"ok": False, "error": (f"{type(e).__name__}: {e} at " + " | ".join(where))[-1200:]}

    attempt("filterpredictions", lambda: _filtered(deeplabcut, config, video, shuffle, dest))
    attempt("analyze_videos_converth5_to_csv", lambda: _converted(deeplabcut, dest))
    attempt("create_labeled_video", lambda: _labeled_video(deeplabcut, config, video, shuffle, dest))
    attempt("extract_outlier_frames", lambda: _outliers(deeplabcut, config, video, shuffle, dest))
    return out


def _filtered(deeplabcut, config, video, shuffle, dest):
    deeplabcut.filterpredictions(config, [video], shuffle=shuffle, destfolder=dest, save_as_csv=False)
    return sorted(p.name for p in Path(dest).glob("*_filtered.h5"))


def _converted(deeplabcut, dest):
    deeplabcut.analyze_videos_converth5_to_csv(dest, ".mp4")
    return sorted(p.name for p in Path(dest).glob("*.csv"))


def _labeled_video(deeplabcut, config, video, shuffle, dest):
    done = deeplabcut.create_labeled_video(config, [video], shuffle=shuffle, destfolder=dest, fastmode=True)
    return {
        "returned": [bool(d) for d in done] if isinstance(done, list) else done,
        "videos": sorted(p.name for p in Path(dest).glob("*_labeled.mp4")),
    }


def _outliers(deeplabcut, config, video, shuffle, dest):
    deeplabcut.extract_outlier_frames(
        config,
        [video],
        shuffle=shuffle,
        destfolder=dest,
        outlieralgorithm="uncertain",
        p_bound=0.99,
        automatic=True,
        savelabeled=False,
    )
    folder = Path(config).parent / "labeled-data" / Path(video).stem
    return sorted(p.name for p in folder.glob("*.png"))


def check_labels(config):
    "`check_labels`: the labelled-image folders it draws."
    import deeplabcut

    deeplabcut.check_labels(config, draw_skeleton=False)
    root = Path(config).parent / "labeled-data"
    return {d.name: len(list(d.glob("*.png"))) for d in sorted(root.glob("*_labeled"))}


def batch(commands):
    "Several commands in one process (importing DeepLabCut takes most of a call): `[[name, kwargs], ...]`."
    return {"results": [_run(name, kwargs) for name, kwargs in commands]}


def _run(name, kwargs):
    try:
        return {"ok": True, **globals()[name](**kwargs)}
    except BaseException as e:
        return {"ok": False, "error": f"{type(e).__name__}: {e}"[-2000:], "trace": traceback.format_exc()[-3000:]}


if __name__ == "__main__":
    print("DLC3-RESULT " + json.dumps(_run(sys.argv[1], json.loads(sys.argv[2])), default=str))
