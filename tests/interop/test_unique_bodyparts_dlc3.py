"""Unique bodyparts (DeepLabCut's `uniquebodyparts`, the individual `single`) checked against DeepLabCut 3 and movement.

DeepLabCut 3.0.2 and movement 0.15 run in their own environments (`tools/peer_env.py`, cached); these tests fail,
never skip, when an environment cannot be made. Every value crosses as a file: the peers never import dlcnb.
- labels: DeepLabCut 3's `format_multianimal_training_data` on our labels gives the joints of our documentation pickle;
- predictions: DeepLabCut 3's `create_df_from_prediction` (what its `analyze_videos` writes) on the same detections
  gives the table of our predictions `.h5`, column for column;
- evaluation: DeepLabCut 3's `compute_metrics` with `unique_bodypart_gt` agrees with `split_scores` on random cases;
- poses: movement's `from_dlc_style_df` on DeepLabCut's table filled in to every (individual, bodypart) pair gives
  our pose dataset."""

import pickle
from pathlib import Path
import numpy as np, pandas as pd, pytest
import fastcore.test as ft

from dlcnb.core import read_config
from dlcnb.data import create_training_dataset, split_path
from dlcnb.assembly import with_single
from dlcnb.inference import _poses
from dlcnb.io import load_labels
from dlcnb.poses import from_dlc_df, write_dlc_file
from dlcnb.synthetic import synthetic_project
from peer_run import run_peer
from unique_metrics import DLC3_SCORES, metric_cases, our_scores, save_cases

pytestmark = pytest.mark.interop

DLC3 = (
    DLC3_SCORES
    + r'''
import json, pickle, sys, numpy as np, pandas as pd
args = json.loads(sys.argv[1])
out = {}
from deeplabcut.generate_training_dataset.multiple_individuals_trainingsetmanipulation import (
    format_multianimal_training_data,
)
df = pd.read_hdf(args["labels"])
data = format_multianimal_training_data(df, args["train"], args["project"])
out["joints"] = [{str(k): v.tolist() for k, v in d["joints"].items()} for d in data]
from deeplabcut.pose_estimation_pytorch.apis.videos import create_df_from_prediction
d = np.load(args["detections"])
preds = [{"bodyparts": b, "unique_bodyparts": u} for b, u in zip(d["bodyparts"], d["unique"])]
theirs = create_df_from_prediction(preds, "DLC_scorer", True, {"metadata": args["metadata"]}, args["folder"], "theirs")
out["h5"] = args["folder"] + "/theirs.h5"
out["scores"] = unique_scores(args["metrics"])
print(json.dumps(out))
'''
)

MOVEMENT = r'''
import json, sys, numpy as np, pandas as pd
from movement.io import load_poses
args = json.loads(sys.argv[1])
df = pd.read_hdf(args["labels"])
c = df.columns
full = pd.MultiIndex.from_product([c.unique("scorer"), c.unique("individuals"), c.unique("bodyparts"), ["x", "y"]],
                                  names=c.names)
ds = load_poses.from_dlc_style_df(df.reindex(columns=full).reset_index(drop=True))
np.save(args["out"], ds.position.transpose("time", "space", "keypoints", "individuals").values)
print(json.dumps({"individuals": ds.individuals.values.tolist(), "keypoints": ds.keypoints.values.tolist()}))
'''


@pytest.fixture(scope="module")
def peers(tmp_path_factory):
    "A two-animal project with a landmark, our files of it, and what DeepLabCut 3 and movement make of them."
    tmp = tmp_path_factory.mktemp("unique")
    config = synthetic_project(tmp, n_frames=8, n_animals=2, landmark=(100.5, 60.5), visibility=0.8, seed=2)
    cfg = read_config(config)
    create_training_dataset(config)
    doc, train, _, _ = pickle.loads(split_path(cfg, 0.95, 1).read_bytes())
    labels_h5 = next(Path(cfg["project_path"], "labeled-data").glob("*/CollectedData_*.h5"))
    rng = np.random.default_rng(0)
    bodyparts, unique = rng.uniform(0, 300, (6, 2, 4, 3)), rng.uniform(0, 300, (6, 1, 1, 3))
    bodyparts[2, 1] = np.nan  # a detection slot without an animal
    np.savez(tmp / "detections.npz", bodyparts=bodyparts, unique=unique)
    meta = {"bodyparts": [f"bp{k}" for k in range(1, 5)] + ["landmark"], "edges": [[0, 1], [1, 2], [2, 3]]}
    meta |= {"individuals": ["animal1", "animal2", "single"], "unique_bodyparts": ["landmark"]}
    ours = _poses(with_single(bodyparts, unique[:, 0]), meta, "DLC_scorer", 30.0, tmp / "ours.h5")
    write_dlc_file(ours, tmp / "ours.h5")
    cases = metric_cases(rng, 12)
    save_cases(tmp / "metrics.npz", cases)
    args = dict(labels=str(labels_h5), train=[int(t) for t in train], project=cfg["project_path"], folder=str(tmp))
    args |= dict(detections=str(tmp / "detections.npz"), metrics=str(tmp / "metrics.npz"))
    args["metadata"] = {
        "bodyparts": meta["bodyparts"][:4],
        "unique_bodyparts": ["landmark"],
        "individuals": ["a1", "a2"],
    }
    dlc = run_peer("dlc3", DLC3, args)
    mv = run_peer("movement015", MOVEMENT, {"labels": str(labels_h5), "out": str(tmp / "movement.npy")})
    return dict(doc=doc, dlc=dlc, mv=mv, tmp=tmp, labels=load_labels(config), cases=cases)


def test_dlc3_reads_our_labels_as_we_document_them(peers):
    "DeepLabCut 3's training data from our labels: the same joints per individual, `single`'s landmark last."
    ours = [{str(k): v for k, v in d["joints"].items() if len(v)} for d in peers["doc"]]
    theirs = peers["dlc"]["joints"]
    ft.test_eq([sorted(d) for d in theirs], [sorted(d) for d in ours])
    for t, o in zip(theirs, ours):
        for k in o:
            np.testing.assert_allclose(np.asarray(t[k]), o[k], atol=0.006)  # DeepLabCut rounds to 2 decimals
    ft.test_eq(theirs[0]["2"], [[4.0, 100.5, 60.5]])


def test_our_predictions_h5_is_dlc3s(peers):
    "The predictions table we write is the one DeepLabCut 3 writes from the same detections (columns, NaN, values)."
    theirs, ours = pd.read_hdf(peers["dlc"]["h5"]), pd.read_hdf(peers["tmp"] / "ours.h5")
    ft.test_eq([c[2:] for c in ours.columns], [c[2:] for c in theirs.columns])
    ft.test_eq([c[1] == "single" for c in ours.columns], [c[1] == "single" for c in theirs.columns])
    np.testing.assert_allclose(ours.to_numpy(), theirs.to_numpy(), rtol=1e-6)


def test_evaluation_matches_dlc3_compute_metrics(peers):
    "rmse, rmse_pcutoff, mAP and mAR with unique bodyparts, ours and DeepLabCut 3's, on random cases."
    for ours, theirs in zip(our_scores(peers["cases"]), peers["dlc"]["scores"], strict=True):
        for k in ("rmse", "rmse_pcutoff", "mAP", "mAR"):
            np.testing.assert_allclose(ours[k], theirs[k], rtol=1e-9, atol=1e-9, equal_nan=True, err_msg=k)


def test_movement_reads_single_as_we_do(peers):
    "movement's dataset of DeepLabCut's filled-in table: the same individuals, keypoints and positions as ours."
    ours = from_dlc_df(peers["labels"])
    ft.test_eq(peers["mv"]["individuals"], list(ours.individual.values))
    ft.test_eq(peers["mv"]["keypoints"], list(ours.keypoint.values))
    np.testing.assert_array_equal(np.load(peers["tmp"] / "movement.npy"), ours.position.values)
