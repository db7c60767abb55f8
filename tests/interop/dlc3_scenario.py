"""The DeepLabCut 3 interop scenario, shared by `tests/interop/test_dlc3.py` and `benchmarks/interop_matrix.py`.

dlcnb makes and trains a tiny project and analyses a clip; DeepLabCut 3 (in its own environment, `tools/peer_env.py
dlc3`) makes its own project; each then runs its functions on the other's files. `run(tmp)` returns `Check`s: one row
of the interop matrix each (a DeepLabCut 3 function or file, the direction, pass/fail, and what was compared)."""

from __future__ import annotations
import hashlib, json, subprocess, sys
from dataclasses import dataclass
from pathlib import Path
import cv2, numpy as np, torch

REPO = Path(__file__).resolve().parents[2]
SIDE = Path(__file__).with_name("dlc3_side.py")
WE_TO_PEER, PEER_TO_US = "dlcnb -> DLC 3", "DLC 3 -> dlcnb"


@dataclass
class Check:
    row: str  # the DeepLabCut 3 function or file
    direction: str  # WE_TO_PEER: DeepLabCut 3 reads/uses dlcnb's; PEER_TO_US: dlcnb reads/uses DeepLabCut 3's
    ok: bool
    detail: str


def dlc3_python() -> str:
    "The DeepLabCut 3 environment's python, built (or reused) by `tools/peer_env.py`; raises with pip's output if not."
    run = subprocess.run([sys.executable, str(REPO / "tools" / "peer_env.py"), "dlc3"], capture_output=True, text=True)
    if run.returncode:
        raise RuntimeError(
            "tools/peer_env.py dlc3 failed (is the package registry reachable?):\n" + (run.stdout + run.stderr)[-3000:]
        )
    return run.stdout.strip().splitlines()[-1]


def dlc3(python: str, *commands) -> list[dict]:
    "Run `(name, kwargs)` commands of `dlc3_side.py` in one DeepLabCut 3 process; their results, in order."
    run = subprocess.run(
        [python, str(SIDE), "batch", json.dumps({"commands": [list(c) for c in commands]})],
        capture_output=True,
        text=True,
        cwd=REPO,
    )
    line = next((l for l in run.stdout.splitlines() if l.startswith("DLC3-RESULT ")), None)
    if line is None:
        raise RuntimeError(f"dlc3_side.py gave no result (rc {run.returncode}):\n{run.stderr[-3000:]}")
    out = json.loads(line[len("DLC3-RESULT ") :])
    if not out["ok"]:
        raise RuntimeError(out["error"] + "\n" + out.get("trace", ""))
    return out["results"]


def _hashes(root: Path) -> dict:
    files = (p for p in sorted(root.rglob("*")) if p.is_file())
    return {str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest() for p in files}


def _clip(video: Path, dest: Path, n: int = 12) -> Path:
    "The first `n` frames of `video` as an MJPG clip."
    from dlcnb.video import write_clip

    return write_clip(video, dest, 0, n)


def our_project(tmp: Path) -> dict:
    """dlcnb's side: the example project (10 labelled frames), shuffle 1 (the default net) trained 2 epochs, shuffle 2
    (DeepLabCut 3's resnet_50, random init, scale 1) 1 epoch, a 12-frame clip analysed with each."""
    from dlcnb.core import example_project, read_config
    from dlcnb.io import load_labels, write_labels, labels_path
    from dlcnb.data import create_training_dataset, split_path
    from dlcnb.training import train_network, snapshot_dir, snapshots, find_snapshot
    from dlcnb.inference import analyze_videos

    config = example_project(tmp / "ours", n_frames=10)
    cfg = read_config(config)
    write_labels(load_labels(config).iloc[:10], labels_path(cfg, "m4s1"))
    create_training_dataset(config)
    train_network(config, epochs=2, batch_size=4, scale=0.25, crop=(64, 64), save_epochs=1, device="cpu")
    folder = snapshot_dir(config)
    (tmp / "out").mkdir()
    clip = _clip(Path(cfg["project_path"]) / "videos" / "m3v1mp4.mp4", tmp / "out" / "clip.mp4")
    ds = analyze_videos(config, clip, destfolder=tmp / "out", device="cpu", optimize="none")
    create_training_dataset(config, Shuffles=[2], net_type="resnet_50")
    r50 = dict(epochs=1, batch_size=4, scale=1.0, crop=(64, 64), save_epochs=1, device="cpu", pretrained=False)
    train_network(config, shuffle=2, net_type="resnet_50", **r50)
    for side in ("ours_r50", "dlc_r50"):
        (tmp / side).mkdir()
    analyze_videos(config, clip, shuffle=2, destfolder=tmp / "ours_r50", device="cpu", optimize="none")
    return {
        "config": str(config),
        "pickle": str(split_path(cfg, 0.95, 1)),
        "clip": str(clip),
        "dest": str(tmp / "out"),
        "pytorch_config": str(folder / "pytorch_config.yaml"),
        "scorer": ds.attrs["scorer"],
        "first": str(snapshots(folder)[0]),
        "best": str(find_snapshot(folder, "best")),
        "r50_ours": str(tmp / "ours_r50"),
        "r50_dlc": str(tmp / "dlc_r50"),
    }


def _same_poses(row: str, direction: str, dlc: np.ndarray | None, other: np.ndarray | None, error: str | None) -> Check:
    "Whether two `(N, K, 3)` pose arrays agree (0.01 px, 1e-4 in score) where DeepLabCut's score is not clipped."
    if dlc is None or other is None:
        return Check(row, direction, False, error or "no poses")
    inside = (dlc[..., 2] > 1e-6) & (dlc[..., 2] < 1 - 1e-6)
    gap = np.abs(dlc - other)[inside]
    ok = inside.mean() >= 0.5 and (gap[:, :2] < 1e-2).all() and (gap[:, 2] < 1e-4).all()
    largest = gap.max(0) if len(gap) else [float("nan")] * 3
    return Check(
        row,
        direction,
        bool(ok),
        f"{inside.sum()} of {inside.size} keypoints compared, largest difference "
        f"{max(largest[:2]):.2e} px, {largest[2]:.2e} in score",
    )


def _h5_poses(folder: str) -> np.ndarray | None:
    "The `(N, K, 3)` poses of the one predictions `.h5` in `folder`."
    import pandas as pd

    found = sorted(Path(folder).glob("*.h5"))
    if len(found) != 1:
        return None
    df = pd.read_hdf(found[0])
    return df.to_numpy().reshape(len(df), -1, 3)


def resnet50_checks(ours: dict, analyzed: dict, evaluated: dict) -> list[Check]:
    "DeepLabCut 3's `analyze_videos` and `evaluate_network` on the resnet_50 dlcnb trained give dlcnb's poses and RMSE."
    from dlcnb.evaluation import evaluate_network

    row = "analyze_videos (resnet_50 dlcnb trained: same poses)"
    dlc = _h5_poses(ours["r50_dlc"]) if analyzed["ok"] else None
    checks = [_same_poses(row, WE_TO_PEER, dlc, _h5_poses(ours["r50_ours"]), analyzed.get("error"))]
    row = "evaluate_network (resnet_50 dlcnb trained: same RMSE)"
    if not evaluated["ok"]:
        return checks + [Check(row, WE_TO_PEER, False, evaluated["error"])]
    mine = evaluate_network(ours["config"], Shuffles=[2], show_errors=False).iloc[0]
    theirs = evaluated["scores"]
    keys = ("train rmse", "test rmse")
    gaps = [abs(float(mine[k]) - float(theirs[k])) for k in keys]
    detail = ", ".join(f"{k}: DLC {float(theirs[k]):.2f} / dlcnb {float(mine[k]):.2f}" for k in keys)
    return checks + [Check(row, WE_TO_PEER, max(gaps) <= 0.011, detail)]


def run(tmp) -> list[Check]:
    "The whole scenario in `tmp`; its checks."
    from dlcnb.core import read_config, safe_load_pickle
    from ruamel.yaml import YAML
    from dlcnb.data import (
        read_split,
        create_training_dataset,
        trainable_shuffle,
        model_dir,
        split_path,
        training_set_dir,
    )
    from dlcnb.evaluation import dlc_scorer
    from dlcnb.models import load_snapshot, save_snapshot
    from dlcnb.evaluation import predict_images
    from dlcnb.io import load_labels
    from dlcnb.training import train_network

    tmp = Path(tmp)
    python = dlc3_python()
    checks = []
    ours = our_project(tmp)
    (tmp / "theirs").mkdir()
    labelled = Path(ours["config"]).parent / "labeled-data" / "m4s1"
    (made,) = dlc3(
        python,
        (
            "make_project",
            {
                "dest": str(tmp / "theirs"),
                "labeled": str(labelled),
                "n_frames": 8,
                "video": str(Path(ours["config"]).parent / "videos" / "m3v1mp4.mp4"),
            },
        ),
    )
    if not made["ok"]:
        raise RuntimeError(f"DeepLabCut 3 could not make its project: {made['error']}")
    theirs = made["config"]
    tcfg = read_config(theirs)
    their_pickle = split_path(tcfg, 0.95, 1)
    before = _hashes(Path(theirs).parent)
    # dlcnb on DeepLabCut's project
    meta_path = training_set_dir(tcfg) / "metadata.yaml"
    their_meta = YAML(typ="safe").load(meta_path.read_text())["shuffles"]
    ok_split = read_split(theirs, 1)
    create_training_dataset(theirs)
    train_network(theirs, shuffle=1, epochs=1, batch_size=4, scale=0.25, crop=(64, 64), save_epochs=1, device="cpu")
    new = trainable_shuffle(theirs, 1)
    after = _hashes(Path(theirs).parent)
    changed = sorted(
        k for k in before if after.get(k) != before[k] and Path(k) != meta_path.relative_to(Path(theirs).parent)
    )
    kept = YAML(typ="safe").load(meta_path.read_text())["shuffles"]
    checks.append(
        Check(
            "DLC 3 project left intact (create_training_dataset, train_network)",
            PEER_TO_US,
            not changed and new == 2 and all(kept[k] == v for k, v in their_meta.items()),
            f"files changed: {changed or 'none'} (metadata.yaml: DLC's entries kept, shuffle {new} added); "
            f"dlcnb trained shuffle {new}",
        )
    )
    best, first = load_snapshot(ours["best"])[1], load_snapshot(ours["first"])[1]
    their_snapshot = made["snapshot"]
    images = [str(Path(theirs).parent / Path(*k)) for k in load_labels(theirs).index[:2]]
    dlc_model, dlc_meta = load_snapshot(their_snapshot)
    frames = torch.from_numpy(np.stack([cv2.imread(p)[..., ::-1] for p in images]).copy())
    we_predict = predict_images(dlc_model, dlc_meta, frames)
    resaved = save_snapshot(dlc_model, tmp / "resaved" / "snapshot-006.pt", {**dlc_meta, "epoch": 6})
    res = dlc3(
        python,
        ("validate", {"path": ours["pytorch_config"]}),
        ("scorer", {"config": ours["config"], "shuffle": 1, "snapshotindex": -1}),
        ("scorer", {"config": ours["config"], "shuffle": 1, "snapshotindex": 0}),
        ("read_pickle", {"path": ours["pickle"]}),
        ("split_metadata", {"config": ours["config"], "shuffle": 1}),
        ("read_pickle", {"path": str(their_pickle)}),
        ("validate", {"path": str(model_dir(tcfg, 0.95, 1) / "train" / "pytorch_config.yaml")}),
        ("validate", {"path": str(model_dir(tcfg, 0.95, 2) / "train" / "pytorch_config.yaml")}),
        ("scorer", {"config": theirs, "shuffle": 1, "snapshotindex": -1}),
        ("scorer", {"config": theirs, "shuffle": 2, "snapshotindex": -1}),
        ("check_labels", {"config": ours["config"]}),
        ("postprocess", {"config": ours["config"], "video": ours["clip"], "shuffle": 1, "dest": ours["dest"]}),
        ("predict", {"config": theirs, "shuffle": 1, "snapshot": their_snapshot, "images": images}),
        ("predict", {"config": theirs, "shuffle": 1, "snapshot": str(resaved), "images": images}),
        (
            "analyze",
            {
                "config": ours["config"],
                "video": ours["clip"],
                "shuffle": 2,
                "snapshotindex": -1,
                "dest": ours["r50_dlc"],
            },
        ),
        ("evaluate", {"config": ours["config"], "shuffle": 2}),
    )
    (
        val,
        sc_best,
        sc_first,
        pk,
        meta,
        their_pk,
        val_theirs,
        val_new,
        sc_theirs,
        sc_new,
        labels,
        post,
        dlc_own,
        dlc_ours,
        analyzed,
        evaluated,
    ) = res
    checks += resnet50_checks(ours, analyzed, evaluated)
    for row, direction, got in (
        ("DLC 3 snapshot-*.pt (load_snapshot, predict_images)", PEER_TO_US, we_predict),
        (
            "snapshot-*.pt of DLC 3's resnet_50 saved by dlcnb (PoseModel.load_state_dict)",
            WE_TO_PEER,
            np.array(dlc_ours["poses"]) if dlc_ours["ok"] else None,
        ),
    ):
        checks.append(
            _same_poses(
                row,
                direction,
                np.array(dlc_own["poses"]) if dlc_own["ok"] else None,
                got,
                dlc_own.get("error") or dlc_ours.get("error"),
            )
        )
    checks.append(
        Check(
            "pytorch_config.yaml (PoseConfig.from_yaml)",
            WE_TO_PEER,
            val["ok"],
            val.get("error") or f"net_type {val['net_type']}",
        )
    )
    for name, got, meta_, path in (("best", sc_best, best, ours["best"]), ("numbered", sc_first, first, ours["first"])):
        want = dlc_scorer(meta_, path)
        checks.append(
            Check(
                f"get_scorer_name ({name} snapshot)",
                WE_TO_PEER,
                got.get("scorer") == want,
                f"DLC {got.get('scorer') or got.get('error')} / dlcnb {want}",
            )
        )
    checks.append(
        Check(
            "analyzed predictions named by get_scorer_name",
            WE_TO_PEER,
            ours["scorer"] == sc_best.get("scorer"),
            f"dlcnb wrote {ours['scorer']}",
        )
    )
    tr, te, _ = read_split(ours["config"], 1)
    names = ["/".join(k) for k in load_labels(ours["config"]).index]
    checks.append(
        Check(
            "Documentation_data-*.pickle (auxiliaryfunctions.read_pickle)",
            WE_TO_PEER,
            pk["ok"]
            and sorted(pk["train"]) == sorted(tr.tolist())
            and pk["test"] == te.tolist()
            and pk["images"] == [names[i] for i in tr],
            pk.get("error") or f"{len(pk['train'])} train / {len(pk['test'])} test images, by path",
        )
    )
    checks.append(
        Check(
            "metadata.yaml (TrainingDatasetMetadata.load)",
            WE_TO_PEER,
            meta["ok"] and meta["test"] == sorted(te.tolist()),
            meta.get("error") or f"test {meta['test']}",
        )
    )
    data, train, test, frac = safe_load_pickle(their_pickle)
    theirs_names = ["/".join(k) for k in load_labels(theirs).index]
    checks.append(
        Check(
            "Documentation_data-*.pickle (safe_load_pickle, read_split)",
            PEER_TO_US,
            [int(i) for i in train] == their_pk["train"]
            and [theirs_names[i] for i in ok_split[0]] == their_pk["images"]
            and sorted(ok_split[1].tolist()) == sorted(their_pk["test"]),
            f"DLC: train {their_pk['train']}, test {their_pk['test']}",
        )
    )
    checks.append(
        Check(
            "DLC 3's own shuffle still valid after dlcnb trained on its project",
            PEER_TO_US,
            val_theirs["ok"] and sc_theirs["ok"],
            val_theirs.get("error") or sc_theirs.get("error") or sc_theirs["scorer"],
        )
    )
    ours_new = (
        dlc_scorer(
            load_snapshot(find := str(sorted((model_dir(tcfg, 0.95, 2) / "train").glob("snapshot-best-*.pt"))[-1]))[1],
            find,
        )
        if list((model_dir(tcfg, 0.95, 2) / "train").glob("snapshot-best-*.pt"))
        else None
    )
    checks.append(
        Check(
            "dlcnb's new shuffle in DLC 3's project (PoseConfig, get_scorer_name)",
            WE_TO_PEER,
            val_new["ok"] and sc_new.get("scorer") == ours_new,
            f"DLC {sc_new.get('scorer') or sc_new.get('error')} / dlcnb {ours_new}",
        )
    )
    checks.append(
        Check(
            "check_labels (video_sets of the example)",
            WE_TO_PEER,
            labels["ok"] and labels.get("m4s1_labeled") == 10,
            labels.get("error") or json.dumps({k: v for k, v in labels.items() if k != "ok"}),
        )
    )
    for fn, r in post.items():
        if fn == "ok":
            continue
        checks.append(
            Check(fn, WE_TO_PEER, r["ok"] and bool(r["value"]), r.get("error") or json.dumps(r["value"])[:200])
        )
    return checks
