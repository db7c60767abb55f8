"""Identity accuracy (`identity: true`) checked against DeepLabCut 3.0.2's own `compute_identity_scores`.

Random crowded cases (animals overlapping, so how labels are paired with predictions matters), scored by
`evaluation.identity_accuracy` here and by DeepLabCut 3 in its environment (`tools/peer_env.py`, cached); the cases
cross as a file. The test fails, never skips, when the environment cannot be made."""

import numpy as np, pytest
from dlcnb.evaluation import identity_accuracy
from peer_run import run_peer

pytestmark = pytest.mark.interop

DLC3 = r'''
import json, sys, numpy as np
from deeplabcut.core.metrics import compute_identity_scores
m, out = np.load(json.loads(sys.argv[1])["cases"]), []
for i in range(int(m["n"])):
    lab, pred = m[f"labels{i}"], m[f"preds{i}"]
    I, K = lab.shape[1], lab.shape[2]
    vis = np.concatenate([lab, np.where(np.isnan(lab).any(-1, keepdims=True), 0.0, 2.0)], -1)
    imgs = [f"img{j}" for j in range(len(lab))]
    scores = compute_identity_scores(
        individuals=[f"animal{a}" for a in range(I)],
        bodyparts=[f"bp{k}" for k in range(K)],
        predictions={f: p[..., :3] for f, p in zip(imgs, pred)},
        identity_scores={f: p[..., 3:] for f, p in zip(imgs, pred)},
        ground_truth=dict(zip(imgs, vis)),
    )
    out.append({k: float(v) for k, v in scores.items()})
print(json.dumps(out))
'''


def identity_cases(rng, n: int) -> list:
    "Random cases: labels (N, I, K, 2) of crowded animals, and predictions (N, M, K, 3 + I) with identity scores."
    cases = []
    for _ in range(n):
        N, I, M, K = (int(rng.integers(a, b)) for a, b in ((4, 20), (2, 5), (1, 6), (1, 5)))
        lab = rng.uniform(50, 110, (N, I, K, 2))  # animals within a few keypoint errors of each other
        lab[rng.random((N, I, K)) < 0.15] = np.nan
        src = rng.integers(0, I, (N, M))
        xy = np.nan_to_num(np.take_along_axis(lab, src[..., None, None], 1), nan=80.0)
        ids = rng.dirichlet(np.ones(I), (N, M, K))
        pred = np.concatenate([xy + rng.normal(0, 8, xy.shape), rng.uniform(0, 1, (N, M, K, 1)), ids], -1)
        pred[rng.random((N, M)) < 0.15] = np.nan
        cases.append((lab, pred))
    return cases


def test_identity_accuracy_is_dlc3s(tmp_path):
    "Per bodypart, our identity accuracy equals DeepLabCut 3's `id_head_{bodypart}_accuracy` on 30 random cases."
    cases = identity_cases(np.random.default_rng(0), 30)
    np.savez(
        tmp_path / "cases.npz",
        n=len(cases),
        **{f"{k}{i}": v for i, c in enumerate(cases) for k, v in zip(("labels", "preds"), c)},
    )
    theirs = run_peer("dlc3", DLC3, {"cases": str(tmp_path / "cases.npz")})
    for (lab, pred), dlc in zip(cases, theirs, strict=True):
        bodyparts = [f"bp{k}" for k in range(lab.shape[2])]
        ours = identity_accuracy(lab, pred, lab.shape[1], bodyparts)
        for b in bodyparts:
            np.testing.assert_allclose(ours[f"{b}_accuracy"], dlc[f"{b}_accuracy"], rtol=0, atol=1e-12, err_msg=b)
