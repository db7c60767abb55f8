"""Active learning by ensemble disagreement (issue 20): label-efficiency curves, variance vs error, EKS vs Kalman.

The protocol of the issue, at a scale set by flags: a project's labelled frames are split once into fixed held-out
test frames and a pool; training starts from `--start` pool frames picked at random and adds `--add` frames per
round for `--rounds` rounds. The labels of the frames a strategy picks come from the pool (held-back labels act as
the human). Each round trains a `--members`-model ensemble (`dlcnb.ensembles.train_ensemble`) on the labelled
frames; its test error is that of the ensemble median on the test frames (mean over labelled keypoints, pixels).
Strategies: `uniform` (at random), `uncertain` (DeepLabCut's: lowest median likelihood), `ensemble` (largest
ensemble spread, `dlcnb.outliers.ensemble_spread`); the last two take the 2 x `--add` top-ranked frames and spread
them by k-means over appearance (`dlcnb.outliers.pick_outlier_frames`), as `extract_outlier_frames` does.
DeepLabCut's `jump` and `fitting` need each pool frame's neighbours in its video, which a pool of labelled images
does not have: they are not run here.

Also measured: the rank correlation between the ensemble's per-frame spread and the per-frame test error, and, on
a rendered video of the synthetic animal moving (true keypoints known on every frame), the ensemble median, EKS
(`dlcnb.eks`) and our single-model Kalman smoother (`dlcnb.filtering.kalman_smooth`): error to the truth and jitter
(mean frame-to-frame speed).

    python benchmarks/active_learning.py --project synthetic --rounds 2 --epochs 15
    python benchmarks/active_learning.py --project openfield --rounds 4 --epochs 60   # the issue's scale (GPU)

Prints the tables and the machine; writes a plotly figure (`--figure`, HTML)."""

import argparse, os, sys, tempfile, time
from pathlib import Path
import numpy as np, pandas as pd, cv2

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _machine import machine  # noqa: E402
from dlcnb.core import example_project, read_config  # noqa: E402
from dlcnb.io import load_labels, write_labels, labels_path  # noqa: E402
from dlcnb.data import create_training_dataset  # noqa: E402
from dlcnb.synthetic import synthetic_project, synthetic_poses, render_frame  # noqa: E402
from dlcnb.ensembles import train_ensemble, load_ensemble, analyze_ensemble  # noqa: E402
from dlcnb.outliers import pick_outlier_frames  # noqa: E402
from dlcnb.eks import ensemble_kalman_smooth  # noqa: E402
from dlcnb.filtering import kalman_smooth  # noqa: E402
from dlcnb.poses import make_poses  # noqa: E402

SYNTH = dict(frame_size=(96, 128), animal_size=48.0, n_bodyparts=4)


class Images:
    "Labelled images as `pick_outlier_frames` reads a video: `size` (width, height) and RGB frames by number."

    def __init__(self, paths: list):
        self.paths = paths
        h, w = cv2.imread(str(paths[0])).shape[:2]
        self.size = (w, h)

    def __getitem__(self, i: int) -> np.ndarray:
        return cv2.cvtColor(cv2.imread(str(self.paths[i])), cv2.COLOR_BGR2RGB)


def make_project(name: str, tmp: Path, mirror: str) -> dict:
    if name == "synthetic":
        return read_config(synthetic_project(tmp, n_frames=116, seed=1, **SYNTH))
    if name == "openfield":
        return read_config(example_project(tmp))
    from dlcnb.label_imports import import_lightning_pose

    return read_config(import_lightning_pose(mirror, tmp, videos=False))


def labelled_xy(labels: pd.DataFrame) -> np.ndarray:
    "(frames, keypoints, 2) labels of a single-animal table, NaN where missing."
    return labels.to_numpy(float).reshape(len(labels), -1, 2)


def predict(cfg: dict, shuffle: int, images: Images, rows: list) -> np.ndarray:
    "(frames, members, keypoints, 3) predictions of the shuffle's ensemble on the images `rows`."
    ens = load_ensemble(cfg, shuffle, device="cpu")
    return np.concatenate([ens(np.stack([images[i] for i in rows[j : j + 8]])) for j in range(0, len(rows), 8)])


def spread(kps: np.ndarray) -> np.ndarray:
    "Per frame, sqrt(var_x + var_y) over members, averaged over keypoints (as `ensemble_spread`)."
    return np.nanmean(np.sqrt(np.nanvar(kps[..., :2], 1).sum(-1)), -1)


def frame_errors(kps: np.ndarray, truth: np.ndarray) -> np.ndarray:
    "Per frame, the ensemble median's distance to the labels, averaged over labelled keypoints."
    d = np.linalg.norm(np.nanmedian(kps[..., :2], 1) - truth, axis=-1)
    return np.nanmean(d, -1)


def choose(strategy: str, kps: np.ndarray, pool: list, n: int, images: Images, rng) -> list:
    "The `n` pool frames a strategy labels next."
    if strategy == "uniform":
        return sorted(rng.choice(pool, n, replace=False).tolist())
    score = spread(kps) if strategy == "ensemble" else -np.nanmin(np.nanmedian(kps[..., 2], 1), -1)
    top = [pool[i] for i in np.argsort(-np.nan_to_num(score, nan=-np.inf))[: 2 * n]]
    return pick_outlier_frames(images, top, n, seed=int(rng.integers(1 << 30)))


def train_round(cfg: dict, labels: pd.DataFrame, rows: list, shuffle: int, args) -> float:
    "Train an ensemble on the labels of `rows` as shuffle `shuffle`; return the CPU seconds it took."
    folder = labels.index[0][1]
    write_labels(labels.iloc[sorted(rows)], labels_path(cfg, folder))
    create_training_dataset(cfg, Shuffles=[shuffle])
    start = time.process_time()
    train_ensemble(cfg, args.members, shuffle, epochs=args.epochs, batch_size=8, device="cpu", **scale_args(args))
    return time.process_time() - start


def scale_args(args) -> dict:
    return {} if args.scale is None else {"scale": args.scale}


def label_efficiency(cfg: dict, args, rng) -> tuple:
    "Rows (strategy, round, labels, test error) and the (spread, error) pairs of the ensemble strategy's test frames."
    labels = load_labels(cfg)
    truth = labelled_xy(labels)
    root = Path(cfg["project_path"])
    images = Images([root.joinpath(*ix) for ix in labels.index])
    order = rng.permutation(len(labels)).tolist()
    test, pool0 = order[: args.test], order[args.test :]
    start_rows = sorted(rng.choice(pool0, args.start, replace=False).tolist())
    results, pairs, shuffle, cpu = [], [], 1, 0.0
    cpu += train_round(cfg, labels, start_rows, shuffle, args)
    first = predict(cfg, shuffle, images, test)
    err0 = float(np.nanmean(frame_errors(first, truth[test])))
    for strategy in args.strategies:
        rows, current = list(start_rows), shuffle
        results.append(dict(strategy=strategy, round=0, labels=len(rows), test_error=err0))
        for r in range(1, args.rounds + 1):
            pool = [i for i in pool0 if i not in rows]
            kps = predict(cfg, current, images, pool) if strategy != "uniform" else None
            rows += choose(strategy, kps, pool, args.add, images, rng)
            shuffle += 1
            cpu += train_round(cfg, labels, rows, shuffle, args)
            current = shuffle
            on_test = predict(cfg, current, images, test)
            errs = frame_errors(on_test, truth[test])
            results.append(dict(strategy=strategy, round=r, labels=len(rows), test_error=float(np.nanmean(errs))))
            if strategy == "ensemble":
                pairs += list(zip(spread(on_test), errs, [r] * len(errs)))
            print(pd.DataFrame([results[-1]]).to_string(index=False), f"(training CPU so far {cpu / 60:.1f} min)")
    return pd.DataFrame(results), pd.DataFrame(pairs, columns=["spread", "error", "round"]), current, cpu


def labels_to_reach(curve: pd.DataFrame, target: float) -> float:
    "Added labels at which a curve first reaches `target` (linear between rounds; NaN if never)."
    added, err = (curve.labels - curve.labels.iloc[0]).to_numpy(), curve.test_error.to_numpy()
    for i in range(len(err)):
        if err[i] <= target:
            if i == 0:
                return 0.0
            return float(added[i - 1] + (err[i - 1] - target) / (err[i - 1] - err[i]) * (added[i] - added[i - 1]))
    return float("nan")


def moving_video(path: Path, n_frames: int, seed: int = 7) -> np.ndarray:
    "Render the synthetic animal walking and turning smoothly; return its true keypoints `(frames, K, 2)`."
    (H, W), rng = SYNTH["frame_size"], np.random.default_rng(seed)
    body = synthetic_poses(1, seed=seed, **SYNTH)[0, 0]
    body = body - body.mean(0)
    t = np.arange(n_frames)
    theta = 0.6 * np.sin(2 * np.pi * t / 150)
    centre = np.stack(
        [W / 2 + 0.25 * W * np.sin(2 * np.pi * t / 200), H / 2 + 0.15 * H * np.cos(2 * np.pi * t / 130)], 1
    )
    rot = np.stack([np.stack([np.cos(theta), -np.sin(theta)], -1), np.stack([np.sin(theta), np.cos(theta)], -1)], -2)
    truth = np.einsum("tij,kj->tki", rot, body) + centre[:, None]
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"MJPG"), 30, (W, H))
    for pts in truth:
        frame = render_frame(
            (H, W), pts[None], np.ones((1, len(pts)), bool), max(2.0, 0.06 * SYNTH["animal_size"]), rng
        )
        writer.write(cv2.cvtColor(frame, cv2.COLOR_RGB2BGR))
    writer.release()
    return truth


def smoothers(cfg: dict, shuffle: int, tmp: Path, n_frames: int) -> pd.DataFrame:
    "Ensemble median, EKS and single-model Kalman on a rendered video: error to the truth and jitter."
    video = tmp / "moving.avi"
    truth = moving_video(video, n_frames)
    ds = analyze_ensemble(cfg, video, shuffle, members=True, device="cpu")
    one = make_poses(ds.member_position.isel(member=0).values, ds.member_confidence.isel(member=0).values)
    variants = {
        "ensemble median": ds,
        "EKS (dlcnb.eks)": ensemble_kalman_smooth(ds),
        "member 0 alone": one,
        "member 0 + kalman_smooth": kalman_smooth(one),
    }
    rows = []
    for name, d in variants.items():
        xy = d.position.values[..., 0].transpose(0, 2, 1)  # (time, keypoint, xy)
        err = np.nanmean(np.linalg.norm(xy - truth, axis=-1))
        jitter = np.nanmean(np.linalg.norm(np.diff(xy, axis=0), axis=-1))
        rows.append(dict(variant=name, error_px=err, jitter_px_per_frame=jitter))
    true_jitter = np.mean(np.linalg.norm(np.diff(truth, axis=0), axis=-1))
    rows.append(dict(variant="truth", error_px=0.0, jitter_px_per_frame=true_jitter))
    return pd.DataFrame(rows)


def figure(curves: pd.DataFrame, path: Path, title: str):
    import plotly.express as px

    fig = px.line(curves, x="labels", y="test_error", color="strategy", markers=True, title=title)
    fig.update_layout(xaxis_title="labelled frames", yaxis_title="test error of the ensemble median (px)")
    fig.write_html(path, include_plotlyjs="cdn")


def main(args):
    rng = np.random.default_rng(args.seed)
    t0, c0 = time.time(), time.process_time()
    with tempfile.TemporaryDirectory() as tmp:
        cfg = {**make_project(args.project, Path(tmp), args.mirror), "TrainingFraction": [1.0]}
        curves, pairs, last, train_cpu = label_efficiency(cfg, args, rng)
        smooth = smoothers(cfg, last, Path(tmp), args.video_frames) if args.project == "synthetic" else None
    print(f"\n{args.project}: {args.test} test frames, start {args.start}, +{args.add} x {args.rounds} rounds, ")
    print(f"{args.members} members x {args.epochs} epochs each (efficientnet_lite0, ImageNet weights)")
    print(curves.pivot(index="round", columns="strategy", values="test_error").round(2).to_string())
    final = curves[curves.strategy == "uniform"].test_error.iloc[-1]
    added = args.add * args.rounds
    for s in args.strategies:
        need = labels_to_reach(curves[curves.strategy == s], final)
        print(f"{s:9s}: reaches uniform's final error ({final:.2f} px) with {need:.0f} of {added} added labels")
    from scipy.stats import spearmanr

    for r, g in pairs.groupby("round"):
        print(f"round {r}: Spearman(spread, error) on {len(g)} test frames = {spearmanr(g.spread, g.error)[0]:.2f}")
    print(f"all rounds: Spearman(spread, error) = {spearmanr(pairs.spread, pairs.error)[0]:.2f}")
    if smooth is not None:
        print(f"\nrendered video, {args.video_frames} frames, the last ensemble strategy model:")
        print(smooth.round(3).to_string(index=False))
    if args.figure:
        figure(curves, Path(args.figure), f"Label efficiency, {args.project} ({machine()})")
        print("figure:", args.figure)
    print(f"\nwall {(time.time() - t0) / 60:.1f} min, CPU {(time.process_time() - c0) / 60:.1f} min ")
    print(f"(training {train_cpu / 60:.1f}), load average {os.getloadavg()}")
    print("machine:", machine())


if __name__ == "__main__":
    p = argparse.ArgumentParser()
    p.add_argument("--project", default="synthetic", choices=["synthetic", "openfield", "mirror"])
    p.add_argument("--mirror", default="../shared/data/mirror-mouse-lightning-pose")  # from a checkout beside shared/
    p.add_argument("--strategies", nargs="+", default=["uniform", "uncertain", "ensemble"])
    p.add_argument("--test", type=int, default=36)
    p.add_argument("--start", type=int, default=20)
    p.add_argument("--add", type=int, default=10)
    p.add_argument("--rounds", type=int, default=4)
    p.add_argument("--members", type=int, default=3)
    p.add_argument("--epochs", type=int, default=30)
    p.add_argument("--scale", type=float, default=None)  # input scale; default: from the data
    p.add_argument("--video-frames", type=int, default=300)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--figure", default="active_learning.html")
    main(p.parse_args())
