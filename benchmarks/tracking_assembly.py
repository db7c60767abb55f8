"Limb-length assembly (no PAFs) on the two-fly SLEAP predictions: regrouping accuracy of shuffled keypoints, and speed."

import sys, time
from pathlib import Path

sys.path[:0] = [str(Path(__file__).parent), str(Path(__file__).parents[1])]  # _machine, and this checkout's dlcnb
import json
import numpy as np
from _machine import machine
from dlcnb.core import example_data
from dlcnb.poses import read_sleap_predictions
from dlcnb.assembly import Assembler, pool_candidates

CALIBRATION, TEST = slice(0, 300), slice(300, 1100)


def source_of(ds):
    "Per frame, per keypoint: {(x, y): index of the SLEAP instance it came from}."
    pos = ds.position.transpose("time", "keypoint", "individual", "space").values
    return [
        [{tuple(p[k, i]): i for i in range(p.shape[1]) if np.isfinite(p[k, i]).all()} for k in range(p.shape[0])]
        for p in pos
    ]


def score(found, src):
    """(keypoints in their individual's majority instance, keypoints assembled, individuals that are exactly one SLEAP
    instance)."""
    good = total = exact = 0
    for ind in found:
        s = [src[k].get(tuple(ind[k, :2])) for k in range(len(ind)) if np.isfinite(ind[k, 0])]
        s = [v for v in s if v is not None]
        if not s:
            continue
        best = max(s.count(v) for v in set(s))
        good += best
        total += len(s)
        exact += best == len(s)
    return good, total, exact


if __name__ == "__main__":
    print("machine:", machine())
    dets = read_sleap_predictions(example_data("flies") / "centered_pair_predictions.slp")
    two = dets.isel(individual=[0, 1]).where(
        dets.sleap_track.isel(individual=[0, 1]) >= 0
    )  # the two best instances per frame
    asm = Assembler(dets.keypoint.values, json.loads(dets.attrs["skeleton"]), max_n_individuals=2).calibrate(
        two.isel(time=CALIBRATION)
    )
    test = two.isel(time=TEST)
    frames, src = pool_candidates(test), source_of(test)
    t = time.perf_counter()
    found = [asm.assemble_frame(c) for c in frames]
    secs = time.perf_counter() - t
    good, total, exact = map(sum, zip(*(score(f, s) for f, s in zip(found, src))))
    n_cand, n_inst = (
        sum(len(k) for c in frames for k in c),
        int(np.isfinite(test.position.isel(space=0)).any("keypoint").sum()),
    )
    print(
        f"limb lengths from frames 0-299; {len(frames)} test frames (300-1099), {n_cand} shuffled keypoint "
        f"candidates of {n_inst} instances"
    )
    print(
        f"keypoints assembled: {total / n_cand:.4f} of candidates; grouped with their own fly: {good / total:.4f}; "
        f"individuals that are exactly one SLEAP instance: {exact}/{sum(len(f) for f in found)}"
    )
    print(f"speed: {len(frames) / secs:,.0f} frames/s (24 keypoints, 23 edges, 2 flies)")
