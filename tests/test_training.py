"End-to-end checks of the installed training/evaluation engine on the bundled openfield project (tiny sizes)."

import os

os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
import numpy as np, torch
import fastcore.test as ft
from dlcnb.core import read_config
from dlcnb.io import load_labels, write_labels, labels_path
from dlcnb.data import create_training_dataset, read_split
from dlcnb.models import preprocess, decode
from dlcnb.training import train_network, snapshot_dir, load_model, PoseLoss
from dlcnb.evaluation import evaluate_network, rmse, map_mar, evaluation_dir


def test_rmse_hand_computed():
    """DeepLabCut's rmse: mean Euclidean error over labelled keypoints; rmse_pcutoff over those with likelihood >=
    pcutoff."""
    labels = np.array([[[0.0, 0.0], [6.0, 8.0], [np.nan, np.nan]], [[1.0, 1.0], [2.0, 2.0], [3.0, 3.0]]])
    preds = np.array(
        [[[3.0, 4.0, 0.9], [6.0, 8.0, 0.1], [0.0, 0.0, 0.9]], [[1.0, 2.0, 0.5], [2.0, 2.0, 0.7], [3.0, 5.0, 0.6]]]
    )
    # errors: image 0 -> 5, 0, (unlabelled); image 1 -> 1, 0, 2  => mean 8/5; with pcutoff .6: 5, 0, 2 => 7/3
    ft.test_eq(rmse(labels, preds, 0.6), {"rmse": 8 / 5, "rmse_pcutoff": 7 / 3})


def test_perfect_predictions_score_full_map():
    labels = np.random.default_rng(0).uniform(0, 100, (5, 4, 2))
    preds = np.concatenate([labels, np.full((5, 4, 1), 0.9)], -1)
    ft.test_eq(map_mar(labels, preds), {"mAP": 100.0, "mAR": 100.0})
    ft.test_eq(rmse(labels, preds)["rmse"], 0.0)


def test_nan_keypoints_are_masked_in_the_loss():
    loss = PoseLoss(missing="mask")
    kp = torch.tensor([[[20.0, 12.0], [float("nan"), float("nan")]]])
    preds = (torch.randn(1, 2, 4, 6), torch.randn(1, 4, 4, 6))
    other = (preds[0].clone(), preds[1].clone())
    other[0][0, 1] = 9.0
    other[1][0, 2:] = -9.0
    ft.test_eq(loss(preds, kp), loss(other, kp))
    ft.test_eq(torch.isfinite(loss(preds, kp)).item(), True)


def test_nan_keypoints_are_taught_absent_by_default():
    kp = torch.tensor([[[20.0, 12.0], [float("nan"), float("nan")]]])
    preds = (torch.randn(1, 2, 4, 6), torch.randn(1, 4, 4, 6))
    confident, quiet = (preds[0].clone(), preds[1]), (preds[0].clone(), preds[1])
    confident[0][0, 1] = 9.0
    quiet[0][0, 1] = -9.0
    ft.test_eq(PoseLoss()(quiet, kp) < PoseLoss()(preds, kp) < PoseLoss()(confident, kp), True)
    other_locref = (preds[0], preds[1].clone())
    other_locref[1][0, 2:] = -9.0
    ft.test_eq(PoseLoss()(preds, kp), PoseLoss()(other_locref, kp))  # no position to refine


def test_train_evaluate_end_to_end(openfield):
    cfg = read_config(openfield)
    write_labels(load_labels(cfg).iloc[:12], labels_path(cfg, "m4s1"))
    for png in sorted((openfield.parent / "labeled-data" / "m4s1").glob("*.png"))[12:]:
        png.unlink()
    splits = create_training_dataset(openfield, num_shuffles=2)
    ft.test_eq([len(te) for _, _, (_, te) in splits], [1, 1])
    ft.test_eq(read_split(openfield, 1)[1], splits[0][2][1])
    learn = train_network(openfield, shuffle=1, epochs=1, batch_size=4, scale=0.25, crop=(64, 64), save_epochs=1)
    ft.test_eq(hasattr(learn, "fit_one_cycle") and hasattr(learn, "lr_find"), True)
    folder = snapshot_dir(openfield, 1)
    ft.test_eq(sorted(p.name for p in folder.glob("snapshot-*.pt")), ["snapshot-001.pt", "snapshot-best-001.pt"])
    model, meta = load_model(openfield, 1, snapshot=-1)
    frames = torch.zeros(2, 480, 640, 3, dtype=torch.uint8)
    with torch.no_grad():
        kp = decode(*model(preprocess(frames, meta["scale"])), meta["stride"])
    ft.test_eq(kp.shape, (2, 4, 3))
    scores = evaluate_network(openfield, Shuffles=[1], show_errors=False)
    ft.test_eq(list(scores.columns)[:2], ["train rmse", "train rmse_pcutoff"])
    combined = evaluation_dir(cfg, 0.95, 1).parent / "CombinedEvaluation-results.csv"
    ft.test_eq(combined.exists(), True)
    ft.test_fail(lambda: load_model(openfield, 2), contains="No snapshots in")
