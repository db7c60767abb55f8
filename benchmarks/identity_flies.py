"""Issue 19 bar 2 on real video: the bundled two flies, one of them marked with a drawn dot, and a held-out clip cut
into segments shown in shuffled order with blank gaps between them, so motion cannot follow a fly across a cut.

- Identities come from SLEAP's two whole tracks of `centered_pair_low_quality.mp4` (1,100 frames): the first is
  "marked" (a coloured dot on its thorax in every frame), the other "plain".
- Training: a multi-animal project with `identity: true`, labelled from SLEAP's keypoints on `N_TRAIN` frames spread
  over the first `SPLIT` frames of the marked video only; `train_network` (bottom-up `efficientnet_lite0`).
- Test, held out: frames `SPLIT`.. (never labelled) in `SEGMENT`-frame segments, shuffled (one order per seed), each
  turned by 180 degrees or not (a coin flip: the flies keep to their sides of the arena in these frames, so without
  the turn their places alone would tell them apart) and followed by `GAP` blank frames.
- `analyze_videos` -> `convert_detections2tracklets` -> `stitch_tracklets` with the costs of `STITCHINGS`, scored with
  motmetrics against SLEAP's tracks in the same order and turn.

SLEAP's predictions are the labels and the reference here (no human labelled this video).

Run from the repository root: `python benchmarks/identity_flies.py` (environment: `N_TRAIN` 100, `EPOCHS` 40,
`SCALE` 0.5, `N_ORDERS` 3)."""

import os

os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
import json, sys, tempfile, time, warnings
from pathlib import Path

sys.path[:0] = [str(Path(__file__).parent), str(Path(__file__).parents[1])]  # _machine, and this checkout's dlcnb
import cv2, numpy as np, pandas as pd
from _machine import machine
from multianimal_methods import sleap_tracks as whole_sleap_tracks
from dlcnb.core import create_project, example_data, read_config, write_config
from dlcnb.io import label_columns, labels_path, write_labels
from dlcnb.video import VideoReader, frame_name
from dlcnb.poses import make_poses
from dlcnb.data import create_training_dataset
from dlcnb.training import train_network
from dlcnb.evaluation import evaluate_network
from dlcnb.inference import analyze_videos
from dlcnb.tracking import convert_detections2tracklets, stitch_tracklets, mot_metrics

FLIES, NAMES = example_data("flies"), ["marked", "plain"]
SPLIT, SEGMENT, GAP = 660, 40, 10  # training frames before SPLIT; test segments of SEGMENT frames, GAP blank frames
N_TRAIN, EPOCHS = int(os.environ.get("N_TRAIN", 100)), int(os.environ.get("EPOCHS", 40))
SCALE, N_ORDERS = float(os.environ.get("SCALE", 0.5)), int(os.environ.get("N_ORDERS", 3))
DOT = dict(radius=5, color=(255, 40, 0))  # RGB, on a grayscale video
STITCHINGS = {  # stitch_tracklets' costs: motion alone, + identity; its defaults, motion + shape, + identity
    "motion": dict(shape_weight=0.0, identity_weight=0.0),
    "motion + identity": dict(shape_weight=0.0),
    "motion + shape": dict(identity_weight=0.0),
    "motion + shape + identity": dict(),
    "motion + shape + identity, named": dict(assign_identity=True),
}


def sleap_tracks():
    "SLEAP's two whole tracks `(time, space, keypoint, individual)`, named `NAMES`, with its scores."
    return whole_sleap_tracks(fps=None).assign_coords(individual=NAMES).drop_vars("sleap_track")


def marked(frame: np.ndarray, thorax: np.ndarray) -> np.ndarray:
    "An RGB frame with the dot drawn on the marked fly's thorax (label x, y; pixel i spans [i, i + 1))."
    out = np.ascontiguousarray(frame)
    if np.isfinite(thorax).all():
        centre = tuple(int(a) for a in np.round((thorax - 0.5) * 16))
        cv2.circle(out, centre, DOT["radius"] * 16, DOT["color"], -1, cv2.LINE_AA, shift=4)
    return out


def write_video(path: Path, frames) -> Path:
    "Write RGB frames as an MJPG `.avi` at the flies' frame rate."
    writer = None
    try:
        for f in frames:
            if writer is None:
                writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"MJPG"), 15.0, f.shape[1::-1])
            writer.write(np.ascontiguousarray(f[..., ::-1]))
    finally:
        writer.release()
    return path


def marked_frames(reader, thorax: np.ndarray, frames):
    "The marked RGB frames `frames` of `reader`; a negative frame number is a blank (mid-grey) frame."
    blank = np.full_like(reader[0], 128)
    for f in frames:
        yield blank if f < 0 else marked(reader[f], thorax[f])


def training_project(root: Path, tracks, reader, thorax) -> Path:
    "A multi-animal project with `identity: true`: the marked first `SPLIT` frames, `N_TRAIN` of them labelled."
    video = write_video(root / "flies_marked_train.avi", marked_frames(reader, thorax, range(SPLIT)))
    config = create_project("flies", "marked", [video], root, copy_videos=True, multianimal=True, individuals=NAMES)
    cfg = read_config(config)
    cfg.update(
        multianimalbodyparts=[str(k) for k in tracks.keypoint.values],
        skeleton=json.loads(tracks.attrs["skeleton"]),
        uniquebodyparts=[],
        identity=True,
    )
    write_config(cfg, cfg)
    frames = np.unique(np.linspace(0, SPLIT - 1, N_TRAIN).round().astype(int))
    folder = Path(cfg["project_path"]) / "labeled-data" / video.stem
    folder.mkdir(parents=True, exist_ok=True)
    for f, img in zip(frames, marked_frames(reader, thorax, frames)):
        cv2.imwrite(str(folder / frame_name(f, SPLIT)), img[..., ::-1])
    sel = tracks.isel(time=frames)
    xy = sel.position.where(sel.confidence >= 0.2).transpose("time", "individual", "keypoint", "space").values
    keys = [("labeled-data", video.stem, frame_name(f, SPLIT)) for f in frames]
    table = pd.DataFrame(xy.reshape(len(frames), -1), index=pd.MultiIndex.from_tuples(keys), columns=label_columns(cfg))
    write_labels(table, labels_path(cfg, video.stem))
    return config


def test_clip(root: Path, seed: int, tracks, reader, thorax):
    """The held-out clip in one shuffled order, each segment turned by 180 degrees or not (a coin flip), and SLEAP's
    tracks in that order and turn (NaN in the gaps)."""
    rng, starts = np.random.default_rng(seed), np.arange(SPLIT, len(reader) - SEGMENT + 1, SEGMENT)
    order, turned = rng.permutation(starts), rng.random(len(starts)) < 0.5
    frames = np.concatenate([np.r_[np.arange(s, s + SEGMENT), np.full(GAP, -1)] for s in order])
    turn = np.repeat(turned, SEGMENT + GAP)
    shown = (f[::-1, ::-1] if t else f for f, t in zip(marked_frames(reader, thorax, frames), turn))
    video = write_video(root / f"flies_marked_test{seed}.avi", shown)
    pos = tracks.position.transpose("time", "space", "keypoint", "individual").values[np.maximum(frames, 0)]
    size = np.array(reader[0].shape[1::-1], float)[:, None, None]  # (W, H): pixel i spans [i, i + 1), so x -> W - x
    pos[turn] = size - pos[turn]
    pos[frames < 0] = np.nan
    return video, make_poses(pos, None, list(tracks.keypoint.values), NAMES)


def names_right(tracks, gt) -> float:
    """Fraction of fly-frames where the track of each name is nearer SLEAP's fly of that name than the other fly (the
    median distance over the keypoints both have; frame by frame, whatever the time units)."""
    dims = ("time", "individual", "keypoint", "space")
    a, b = (ds.position.sel(individual=NAMES).transpose(*dims).values for ds in (tracks, gt))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # keypoints or flies missing in a frame
        same, other = (np.nanmedian(np.linalg.norm(a - g, axis=-1), -1) for g in (b, b[:, ::-1]))
    ok = np.isfinite(same) & np.isfinite(other)
    return float(np.mean(same[ok] < other[ok]))


def run(root: Path) -> pd.DataFrame:
    tracks = sleap_tracks()
    thorax = tracks.position.sel(keypoint="thorax", individual="marked").transpose("time", "space").values
    with VideoReader(FLIES / "centered_pair_low_quality.mp4") as reader:
        config = training_project(root, tracks, reader, thorax)
        clips = [test_clip(root, seed, tracks, reader, thorax) for seed in range(N_ORDERS)]
    create_training_dataset(config)
    t0 = time.perf_counter()
    train_network(config, epochs=EPOCHS, batch_size=8, scale=SCALE, crop=None, save_epochs=EPOCHS, progress=False)
    s = evaluate_network(config, show_errors=False).iloc[0]
    print(
        f"trained {EPOCHS} epochs on {N_TRAIN} frames in {time.perf_counter() - t0:.0f} s; test rmse "
        f"{s['test rmse']:.2f} px, mAP {s['test mAP']:.1f}; identity accuracy (DLC 3's compute_identity_scores): "
        f"train {s['train identity accuracy']:.3f}, test {s['test identity accuracy']:.3f} (chance 0.5)",
        flush=True,
    )
    rows = []
    for seed, (video, gt) in enumerate(clips):
        dets = analyze_videos(config, video, snapshot=-1, client=False)
        tracklets = convert_detections2tracklets(dets)
        for name, kw in STITCHINGS.items():
            tracks = stitch_tracklets(tracklets, 2, **kw)
            m = mot_metrics(tracks, gt).iloc[0]
            named = names_right(tracks, gt) if kw.get("assign_identity") else np.nan
            rows.append(
                dict(
                    stitching=name, order=seed, id_switches=m.num_switches, idf1=m.idf1, mota=m.mota, names_right=named
                )
            )
    return pd.DataFrame(rows)


if __name__ == "__main__":
    print("machine:", machine(), "| load average:", " ".join(f"{x:.1f}" for x in os.getloadavg()), flush=True)
    t0 = time.perf_counter()
    df = run(Path(tempfile.mkdtemp()))
    summary = df.groupby("stitching", sort=False).agg(
        id_switches=("id_switches", "sum"),
        idf1=("idf1", "mean"),
        mota=("mota", "mean"),
        names_right=("names_right", "mean"),
    )
    n_seg = (1100 - SPLIT) // SEGMENT
    print(
        f"{N_ORDERS} shuffled orders of the held-out frames {SPLIT}-{SPLIT + n_seg * SEGMENT - 1}: {n_seg} segments of "
        f"{SEGMENT} frames, {GAP} blank frames after each:"
    )
    print(summary.round(3).to_string())
    print(df.round(3).to_string(index=False))
    for base in ("motion", "motion + shape"):
        without, with_id = summary.id_switches[base], summary.id_switches[f"{base} + identity"]
        print(
            f"{base}: switches with the identity cost {with_id} <= half of {without} without? {with_id <= without / 2}"
        )
    print(f"total {time.perf_counter() - t0:.0f} s; load average after: {os.getloadavg()[0]:.1f}")
