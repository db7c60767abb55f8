"""Identity head (`identity: true`) against motion alone: identity switches of stitched tracks on videos of marked
animals that vanish and come back anywhere (cuts), on held-out videos the model never saw.

Two detection sources, both with identities from the trained identity head on the held-out frames:
- "model": the whole pipeline (the model's assembled detections, `decode_outputs`), as `analyze_videos` gives them;
- "truth + id head": the true keypoints (1 px noise, slots shuffled) with the identity head's scores read at them
  (`assembly.identity_scores`), which isolates identity from how well the small, briefly trained detector finds
  the animals.

Run from the repository root: `python benchmarks/identity_marked.py` (environment: `N_TRAIN` 100 labelled frames,
`EPOCHS` 100, `N_VIDEOS` 3; about 7 minutes on 2 cores). With 40 frames and 40 epochs the detector is still coarse
(test RMSE 11 px on 40-px animals): its detections break into about 50 tracklets of 1-17 frames per video, which the
stitching hardly links, with or without the identity cost (9 switches either way).
"""

import os, sys, tempfile, time
from pathlib import Path

sys.path[:0] = [str(Path(__file__).parent), str(Path(__file__).parents[1])]  # _machine, and this checkout's dlcnb
import numpy as np, pandas as pd, torch
from _machine import machine
from dlcnb.core import DLCNBError
from dlcnb.synthetic import synthetic_project, marked_video
from dlcnb.data import create_training_dataset
from dlcnb.training import train_network, load_model
from dlcnb.evaluation import evaluate_network
from dlcnb.models import preprocess
from dlcnb.assembly import decode_outputs, identity_scores
from dlcnb.video import VideoReader, iter_batches
from dlcnb.inference import with_identity, detection_slots
from dlcnb.poses import make_poses
from dlcnb.tracking import convert_detections2tracklets, stitch_tracklets, mot_metrics

FRAME, ANIMAL, N_BP, NAMES = (120, 160), 40.0, 4, ["animal1", "animal2"]
BPS = [f"bp{k + 1}" for k in range(N_BP)]
TRAIN = dict(n_frames=int(os.environ.get("N_TRAIN", 100)), epochs=int(os.environ.get("EPOCHS", 100)))
VIDEO = dict(n_frames=200, cut_every=25, cut_length=8)  # 8 cuts of 8 blank frames per video
SEEDS = range(100, 100 + int(os.environ.get("N_VIDEOS", 3)))  # videos: seeds the training project (seed 0) never used


def poses(kps: np.ndarray, names: list):
    "A pose dataset of `(time, individual, keypoint, 3)` x, y, score."
    return make_poses(kps[..., :2].transpose(0, 3, 2, 1), kps[..., 2].transpose(0, 2, 1), BPS, names)


def video_outputs(model, meta, video):
    "Per frame: the assembled detections with identity scores, and the identity maps' scores at the true keypoints."
    dets, maps = [], []
    with VideoReader(video) as reader, torch.inference_mode():
        for _, frames in iter_batches(reader, 8):
            out = model(preprocess(torch.from_numpy(np.ascontiguousarray(frames)), meta["scale"]))
            dets.append(decode_outputs(out, meta, meta["stride"], meta["scale"]))
            maps.append(out[3])
    return np.concatenate(dets), torch.cat(maps)


def truth_detections(truth, maps, meta, rng):
    "The true keypoints, noised and shuffled into slots, with the identity head's scores at them."
    det = truth + rng.normal(0, 1.0, truth.shape)
    order = np.argsort(rng.random(truth.shape[:2]), 1)
    det = np.take_along_axis(det, order[..., None, None], 1)
    ids = identity_scores(maps, det, meta["stride"], meta["scale"])
    kps = np.concatenate([det, np.where(np.isfinite(det[..., :1]), 1.0, np.nan)], -1)
    return with_identity(poses(kps, detection_slots(2)), ids, NAMES)


def names_right(tracks, gt) -> float:
    "Fraction of frames where each named track is within a quarter body of the animal of that name."
    a = tracks.position.sel(individual=gt.individual.values).mean("keypoint")
    d = np.sqrt(((a - gt.position.mean("keypoint")) ** 2).sum("space", skipna=False)).values
    return float(np.mean(d[np.isfinite(d)] < ANIMAL / 4))


def run(root: Path) -> pd.DataFrame:
    config = synthetic_project(
        root, TRAIN["n_frames"], FRAME, ANIMAL, N_BP, n_animals=2, marks=True, task="marked", seed=0
    )
    create_training_dataset(config)
    t0 = time.perf_counter()
    train_network(
        config, epochs=TRAIN["epochs"], batch_size=8, scale=1.0, crop=None, save_epochs=TRAIN["epochs"], progress=False
    )
    train_s = time.perf_counter() - t0
    scores = evaluate_network(config, show_errors=False).iloc[0]
    print(
        f"trained {TRAIN['epochs']} epochs on {TRAIN['n_frames']} frames in {train_s:.0f} s; "
        f"identity accuracy (DLC 3's compute_identity_scores): train {scores['train identity accuracy']:.3f}, "
        f"test {scores['test identity accuracy']:.3f} (chance 0.5); test rmse {scores['test rmse']:.1f} px"
    )
    model, meta = load_model(config, snapshot=-1)
    rng, rows = np.random.default_rng(1), []
    for seed in SEEDS:
        video = root / f"marked{seed}.avi"
        truth = marked_video(video, frame_size=FRAME, animal_size=ANIMAL, n_bodyparts=N_BP, seed=seed, **VIDEO)
        gt = poses(np.concatenate([truth, np.ones(truth.shape[:3] + (1,))], -1), NAMES)
        model_dets, maps = video_outputs(model, meta, video)
        sources = {
            "model": with_identity(poses(model_dets, detection_slots(2)), model_dets[..., 3:], NAMES),
            "truth + id head": truth_detections(truth, maps, meta, rng),
        }
        for source, dets in sources.items():
            try:
                tracklets = convert_detections2tracklets(dets)
            except DLCNBError as e:  # the detector found (next to) nothing: say so, score the other source
                print(f"video {seed}, {source} detections: {e}")
                continue
            for name, kw in (
                ("motion + shape", dict(identity_weight=0.0)),
                ("+ identity cost", dict()),
                ("+ identity cost, named", dict(assign_identity=True)),
            ):
                tracks = stitch_tracklets(tracklets, 2, **kw)
                m = mot_metrics(tracks, gt).iloc[0]
                rows.append(
                    dict(
                        detections=source,
                        stitching=name,
                        seed=seed,
                        id_switches=m.num_switches,
                        idf1=m.idf1,
                        mota=m.mota,
                        tracklets=tracklets.sizes["individual"],
                        names_right=names_right(tracks, gt) if kw.get("assign_identity") else np.nan,
                    )
                )
    return pd.DataFrame(rows)


if __name__ == "__main__":
    print("machine:", machine(), "| load average:", " ".join(f"{x:.1f}" for x in os.getloadavg()))
    t0 = time.perf_counter()
    df = run(Path(tempfile.mkdtemp()))
    summary = df.groupby(["detections", "stitching"], sort=False).agg(
        id_switches=("id_switches", "sum"),
        idf1=("idf1", "mean"),
        mota=("mota", "mean"),
        tracklets=("tracklets", "mean"),
        names_right=("names_right", "mean"),
    )
    pd.set_option("display.width", 200)
    print(
        f"{len(SEEDS)} held-out videos of {VIDEO['n_frames']} frames, a {VIDEO['cut_length']}-frame cut every "
        f"{VIDEO['cut_every']} frames (animals reappear anywhere):"
    )
    print(summary.round(3).to_string())
    print(df.round(3).to_string(index=False))
    for source in df.detections.unique():
        s = summary.loc[source].id_switches
        base, ident = s["motion + shape"], s["+ identity cost"]
        print(f"{source}: switches with identity {ident} <= half of motion alone ({base / 2})? {ident <= base / 2}")
    print(f"total {time.perf_counter() - t0:.0f} s; load average after: {os.getloadavg()[0]:.1f}")
