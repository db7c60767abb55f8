"""Stitching the bundled two-fly SLEAP predictions into 2 identities, identity switches against SLEAP's tracks,
throughput."""

import sys, time
from pathlib import Path

sys.path[:0] = [str(Path(__file__).parent), str(Path(__file__).parents[1])]  # _machine, and this checkout's dlcnb
import numpy as np, pandas as pd, xarray as xr
from _machine import machine
from dlcnb.core import example_data
from dlcnb.poses import read_sleap_predictions
from dlcnb.tracking import convert_detections2tracklets, stitch_tracklets, mot_metrics, _gather

SLP = example_data("flies") / "centered_pair_predictions.slp"


def best_of(fn, n=5):
    "Fastest wall time of `n` runs, and the last result."
    times = []
    for _ in range(n):
        t = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t)
    return min(times), out


def fragment(ds, n_cuts, max_gap, seed, forced=(340, 1090)):
    """Cut each track at `n_cuts` random frames and at `forced`, drop up to `max_gap` frames after each cut, shuffle:
    (pieces, `ds` on the kept frames)."""
    rng, T = np.random.default_rng(seed), ds.sizes["time"]
    pieces = []
    for i in range(ds.sizes["individual"]):
        cuts = np.unique(np.r_[rng.choice(np.arange(1, T), n_cuts, replace=False), forced])
        pieces += [(np.arange(s + rng.integers(0, max_gap + 1), e), i) for s, e in zip(np.r_[0, cuts], np.r_[cuts, T])]
    order = rng.permutation(len(pieces))
    frames, src, dst = (
        np.concatenate(x)
        for x in zip(*[(f, np.full(len(f), i), np.full(len(f), order[k])) for k, (f, i) in enumerate(pieces)])
    )
    kept = np.zeros((T, ds.sizes["individual"]), bool)
    kept[frames, src] = True
    return _gather(ds, frames, src, dst, [f"piece_{k}" for k in range(len(pieces))]), ds.where(
        xr.DataArray(kept, dims=("time", "individual"))
    )


def fragments_per_identity(tracks):
    "SLEAP track ids held by each identity."
    return {
        str(n): sorted(set(r[r >= 0].tolist()))
        for n, r in zip(tracks.individual.values, tracks.sleap_track.transpose("individual", "time").values)
    }


if __name__ == "__main__":
    print("machine:", machine())
    dets, sleap = read_sleap_predictions(SLP, fps=30), read_sleap_predictions(SLP, fps=30, by_track=True)
    main2 = sleap.isel(individual=np.argsort(-(sleap.sleap_track >= 0).sum("time").values)[:2])
    print(
        f"SLEAP predictions: {dets.sizes['time']} frames, {int((dets.sleap_track >= 0).sum())} instances, "
        f"{sleap.sizes['individual']} SLEAP tracks "
        f"(two cover {int((main2.sleap_track >= 0).sum())} instances)"
    )

    st = stitch_tracklets(sleap, n_tracks=2)
    m = mot_metrics(st, sleap).iloc[0]
    print(
        f"\n1) stitch_tracklets on SLEAP's 27 tracks -> {st.sizes['individual']} identities holding SLEAP tracks "
        f"{fragments_per_identity(st)}; "
        f"identity switches vs SLEAP track ids: {m.num_switches}; instances kept {int((st.sleap_track >= 0).sum())}"
    )

    t_track, tl = best_of(lambda: convert_detections2tracklets(dets))
    t_stitch, tracks = best_of(lambda: stitch_tracklets(tl, n_tracks=2))
    print(
        f"\n2) our pipeline from unordered detections: {tl.sizes['individual']} tracklets -> "
        f"{tracks.sizes['individual']} identities"
    )
    scores = pd.concat(
        [
            mot_metrics(tl, sleap, name="tracklets vs 27 SLEAP tracks"),
            mot_metrics(tracks, sleap, name="stitched vs 27 SLEAP tracks"),
            mot_metrics(tracks, main2, name="stitched vs SLEAP's 2 main tracks"),
        ]
    )
    pd.set_option("display.width", 200)
    print(
        scores[["num_frames", "mota", "idf1", "num_switches", "num_misses", "num_false_positives"]].round(4).to_string()
    )
    print("identity switch = a SLEAP track matched to a different identity than at its previous match (motmetrics);")
    print("misses vs 27 tracks = SLEAP's duplicate instances that stitching drops.")

    print(
        "\n3) SLEAP's 2 long tracks cut at random frames and at the flies' two closest encounters (340, 1090), up to "
        "`gap` frames"
    )
    print(
        "   dropped after each cut, pieces shuffled; stitched back and scored against SLEAP's tracks on the kept "
        "frames:"
    )
    rows = []
    for cuts, gap in ((30, 5), (60, 30)):
        for seed in range(5):
            pieces, kept = fragment(main2, n_cuts=cuts, max_gap=gap, seed=seed)
            m = mot_metrics(stitch_tracklets(pieces, n_tracks=2), kept).iloc[0]
            rows.append(
                dict(
                    cuts_per_track=cuts,
                    gap=gap,
                    seed=seed,
                    pieces=pieces.sizes["individual"],
                    mota=m.mota,
                    idf1=m.idf1,
                    id_switches=m.num_switches,
                )
            )
    print(pd.DataFrame(rows).round(4).to_string(index=False))

    n = dets.sizes["time"]
    print(
        f"\n4) throughput on {n} frames (best of 5): tracking {n / t_track:,.0f} frames/s ({t_track * 1e3:.0f} ms), "
        f"stitching {t_stitch * 1e3:.0f} ms, tracking + stitching {n / (t_track + t_stitch):,.0f} frames/s"
    )
