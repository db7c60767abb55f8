"""Random multi-animal cases with unique bodyparts, and DeepLabCut 3's `compute_metrics` of them (its environment's
side, as source to run there). Shared by `test_unique_bodyparts_dlc3.py` and `benchmarks/train_eval_vs_dlc3.py`."""

import numpy as np

DLC3_SCORES = r'''
def unique_scores(path):
    "DeepLabCut 3's rmse, rmse_pcutoff, mAP, mAR of the cases saved at `path` (`save_cases`)."
    import numpy as np
    from deeplabcut.core.metrics import compute_metrics

    m, scores = np.load(path), []
    vis = lambda a: np.concatenate([a, np.where(np.isnan(a).any(-1, keepdims=True), 0.0, 2.0)], -1)
    for i in range(int(m["n"])):
        lab, pred, lu, pu = (m[f"{k}{i}"] for k in ("labels", "preds", "ulabels", "upreds"))
        gt = {f"img{j}": vis(lab[j]) for j in range(len(lab))}
        pr = {f"img{j}": pred[j][~np.isnan(pred[j]).all(-1).all(-1)] for j in range(len(pred))}
        ugt = {f"img{j}": vis(lu[j])[None] for j in range(len(lu))}
        upr = {f"img{j}": pu[j][None] for j in range(len(pu))}
        r = compute_metrics(
            gt, pr, single_animal=False, unique_bodypart_gt=ugt, unique_bodypart_poses=upr,
            pcutoff=float(m[f"pcutoff{i}"]),
        )
        scores.append({k: r[k] for k in ("rmse", "rmse_pcutoff", "mAP", "mAR")})
    return scores
'''


def metric_cases(rng, n: int) -> list:
    "Random multi-animal cases with one or two unique bodyparts: labels, predictions (both kinds), a pcutoff."
    cases = []
    for _ in range(n):
        N, I, M, K, U = (int(rng.integers(a, b)) for a, b in ((3, 30), (1, 4), (1, 5), (2, 6), (1, 3)))
        lab = rng.uniform(50, 400, (N, I, K, 2))
        lab[rng.random((N, I, K)) < 0.15] = np.nan
        src = rng.integers(0, I, (N, M))
        xy = np.nan_to_num(np.take_along_axis(lab, src[..., None, None], 1), nan=200.0)
        pred = np.concatenate([xy + rng.normal(0, 5, xy.shape), rng.uniform(0, 1, (N, M, K, 1))], -1)
        pred[rng.random((N, M)) < 0.15] = np.nan
        lu = rng.uniform(50, 400, (N, U, 2))
        lu[rng.random((N, U)) < 0.2] = np.nan
        pu = np.concatenate(
            [np.nan_to_num(lu, nan=100.0) + rng.normal(0, 8, lu.shape), rng.uniform(0, 1, (N, U, 1))], -1
        )
        cases.append((lab, pred, lu, pu, float(rng.choice([0.1, 0.6, 0.9]))))
    return cases


def save_cases(path, cases: list):
    "The cases as one `.npz` for DeepLabCut 3's side."
    keys = ("labels", "preds", "ulabels", "upreds", "pcutoff")
    np.savez(path, n=len(cases), **{f"{k}{i}": v for i, c in enumerate(cases) for k, v in zip(keys, c)})


def our_scores(cases: list) -> list:
    "dlcnb's `split_scores` of the cases, in the labels' layout (`single` last, holding the unique bodyparts)."
    from dlcnb.assembly import with_single
    from dlcnb.evaluation import split_scores

    return [split_scores(with_single(l, lu), with_single(p, pu), c, n_unique=lu.shape[1]) for l, p, lu, pu, c in cases]
