"""Issue 14's bars: `train_network`'s data-derived defaults against hand-tuned settings on projects of several shapes,
and whether a rarely labelled bodypart's confidence separates present from absent.

Projects: openfield at TrainingFraction 0.5 (DeepLabCut 3's published protocol), Lightning Pose's mirror-mouse example
(imported with `import_lightning_pose`; give its folder with `--mirror DIR`), and synthetic projects
(`synthetic.synthetic_project`) of three geometries: a small animal in large frames, an animal filling the frame, and
one with a bodypart visible in 15 % of the frames. For each project and shuffle it trains with the defaults and with
the hand-tuned settings below, evaluates the best snapshot on the test images and prints test RMSE, mAP, the worst
bodypart's test error over the median bodypart's, training wall and CPU minutes, and the load average. For the
rarely visible bodypart it prints the AUC of the model's confidence on test images where it is present vs absent,
trained with missing keypoints taught as absent (the default) and masked.

`--epochs N` caps every run at N epochs (a reduced run, for a loaded machine: say so when quoting it); `--shuffles`
sets the shuffles per project; `--projects` picks some of openfield, mirror, synthetic (or one geometry:
synthetic-small, synthetic-filling, synthetic-rare).

Run from the repository root: `python benchmarks/train_generalization.py [--epochs N] [--shuffles 3] [--projects ...]
[--mirror DIR]`."""

import os

os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
import sys, time, argparse, tempfile, warnings

sys.path.insert(0, os.path.dirname(__file__))
import numpy as np, pandas as pd
from sklearn.metrics import roc_auc_score
from _machine import machine, cpu_seconds
from dlcnb.core import example_project, read_config
from dlcnb.io import load_labels
from dlcnb.data import (
    create_training_dataset,
    load_images,
    load_keypoints,
    read_split,
    training_settings,
    settings_dict,
)
from dlcnb.training import train_network, load_model
from dlcnb.evaluation import evaluate_network, predict_images
from dlcnb.synthetic import synthetic_project
from dlcnb.label_imports import import_lightning_pose

HAND_TUNED = {
    "openfield": dict(scale=0.5, crop=(160, 160), batch_size=8, epochs=100),
    "mirror": dict(scale=1.0, crop=None, batch_size=8, epochs=100),
    "synthetic-small": dict(scale=1.0, crop=(160, 160), batch_size=8, epochs=100),
    "synthetic-filling": dict(scale=1.0, crop=None, batch_size=8, epochs=100),
    "synthetic-rare": dict(scale=1.0, crop=None, batch_size=8, epochs=100),
}


def projects(which: list, mirror: str, root) -> dict:
    "{name: (config, train_fraction)} with a config whose TrainingFraction is the protocol's."
    out = {}
    if "openfield" in which:
        out["openfield"] = (example_project(root / "openfield"), 0.5)
    if "mirror" in which:
        out["mirror"] = (import_lightning_pose(mirror, root / "mirror", task="mirrormouse"), 0.8)
    synthetic = {
        "small": dict(n_frames=60, frame_size=(480, 640), animal_size=60),
        "filling": dict(n_frames=60, frame_size=(240, 320), animal_size=200),
        "rare": dict(n_frames=80, frame_size=(240, 320), animal_size=100, visibility=[1, 1, 0.15, 1]),
    }
    for geometry, kw in synthetic.items():
        if "synthetic" in which or f"synthetic-{geometry}" in which:
            out[f"synthetic-{geometry}"] = (synthetic_project(root, task=geometry, **kw), 0.5)
    return out


def per_bodypart_test(cfg: dict, shuffle: int) -> tuple:
    "(test errors per bodypart, predictions, labels) of the shuffle's best snapshot on its test images."
    labels_df = load_labels(cfg)
    _, test, _ = read_split(cfg, shuffle)
    model, meta = load_model(cfg, shuffle)
    preds = predict_images(model, meta, load_images(cfg, labels_df.index[test]))
    labels = load_keypoints(labels_df.iloc[test]).numpy()
    err = np.linalg.norm(preds[..., :2] - labels, axis=-1)
    return np.nanmean(err, 0), preds, labels


def run(cfg: dict, shuffle: int, settings: dict, cap: int | None, **kw) -> dict:
    s = dict(settings)
    if cap:
        s["epochs"] = min(s.get("epochs") or settings_dict(training_settings(cfg, shuffle))["epochs"], cap)
    t, c = time.time(), cpu_seconds()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        train_network(cfg, shuffle=shuffle, save_epochs=10_000, **s, **kw)
    wall, cpu = time.time() - t, cpu_seconds() - c
    scores = evaluate_network(cfg, Shuffles=[shuffle], snapshot="best", show_errors=False).iloc[0]
    bp, preds, labels = per_bodypart_test(cfg, shuffle)
    return dict(
        test=scores["test rmse"],
        mAP=scores["test mAP"],
        worst_over_median=np.nanmax(bp) / np.nanmedian(bp),
        wall_min=wall / 60,
        cpu_min=cpu / 60,
        load=os.getloadavg()[0],
        epochs=s.get("epochs"),
        preds=preds,
        labels=labels,
    )


def auc(preds: np.ndarray, labels: np.ndarray, k: int) -> float:
    present = ~np.isnan(labels[:, k, 0])
    return roc_auc_score(present, preds[:, k, 2]) if 0 < present.sum() < len(present) else float("nan")


def main(args):
    root = __import__("pathlib").Path(tempfile.mkdtemp())
    print(f"machine: {machine()}\nload average before: {os.getloadavg()}", flush=True)
    rows = []
    for name, (config, frac) in projects(args.projects.split(","), args.mirror, root).items():
        cfg = read_config(config)
        cfg["TrainingFraction"] = [frac]
        create_training_dataset(cfg, num_shuffles=args.shuffles, train_fraction=frac)
        for shuffle in range(1, args.shuffles + 1):
            for variant, settings, kw in [("defaults", {}, {}), ("hand-tuned", HAND_TUNED[name], {})] + (
                [("defaults, missing masked", {}, {"missing": "mask"})] if name == "synthetic-rare" else []
            ):
                r = run(cfg, shuffle, settings, args.epochs, **kw)
                r.update(
                    project=name,
                    shuffle=shuffle,
                    variant=variant,
                    rare_auc=auc(r.pop("preds"), r.pop("labels"), 2) if name == "synthetic-rare" else float("nan"),
                )
                rows.append(r)
                print(pd.DataFrame([r]).to_string(index=False, header=len(rows) == 1, float_format="%.2f"), flush=True)
    table = pd.DataFrame(rows).set_index(["project", "variant", "shuffle"])
    print("\nper run:\n" + table.to_string(float_format="%.2f"))
    summary = table.groupby(level=[0, 1]).agg(
        test_rmse=("test", "mean"),
        mAP=("mAP", "mean"),
        worst_over_median=("worst_over_median", "max"),
        rare_auc=("rare_auc", "mean"),
        cpu_min_max=("cpu_min", "max"),
        wall_min_max=("wall_min", "max"),
    )
    print("\nmean over shuffles:\n" + summary.to_string(float_format="%.2f"))
    print(
        f"\n{'epochs capped at ' + str(args.epochs) if args.epochs else 'full epochs'}, {args.shuffles} shuffles; "
        f"load average after: {os.getloadavg()}"
    )


if __name__ == "__main__":
    p = argparse.ArgumentParser()
    p.add_argument("--epochs", type=int, default=None)
    p.add_argument("--shuffles", type=int, default=3)
    p.add_argument("--projects", default="openfield,mirror,synthetic")
    p.add_argument("--mirror", default="../shared/data/mirror-mouse-lightning-pose")  # from a checkout beside shared/
    main(p.parse_args())
