"Stitching the bundled two-fly SLEAP predictions into 2 identities, identity switches against SLEAP's tracks, throughput."
import sys, time
from pathlib import Path
sys.path[:0] = [str(Path(__file__).parent), str(Path(__file__).parents[1])]  # _machine, and this checkout's dlcnb
import numpy as np, pandas as pd
from _machine import machine
from dlcnb.core import example_data
from dlcnb.tracking import read_sleap_predictions, convert_detections2tracklets, stitch_tracklets, mot_metrics

SLP = example_data("flies") / "centered_pair_predictions.slp"


def best_of(fn, n=5):
    "Fastest wall time of `n` runs, and the last result."
    times = []
    for _ in range(n):
        t = time.perf_counter(); out = fn(); times.append(time.perf_counter() - t)
    return min(times), out


def fragments_per_identity(tracks):
    "SLEAP track ids held by each identity."
    return {str(n): sorted(set(r[r >= 0].tolist())) for n, r in zip(tracks.individual.values, tracks.sleap_track.transpose("individual", "time").values)}


if __name__ == "__main__":
    print("machine:", machine())
    dets, sleap = read_sleap_predictions(SLP, fps=30), read_sleap_predictions(SLP, fps=30, by_track=True)
    main2 = sleap.isel(individual=np.argsort(-(sleap.sleap_track >= 0).sum("time").values)[:2])
    print(f"SLEAP predictions: {dets.sizes['time']} frames, {int((dets.sleap_track >= 0).sum())} instances, {sleap.sizes['individual']} SLEAP tracks "
          f"(two cover {int((main2.sleap_track >= 0).sum())} instances)")

    st = stitch_tracklets(sleap, n_tracks=2)
    m = mot_metrics(st, sleap).iloc[0]
    print(f"\n1) stitch_tracklets on SLEAP's 27 tracks -> {st.sizes['individual']} identities holding SLEAP tracks {fragments_per_identity(st)}; "
          f"identity switches vs SLEAP track ids: {m.num_switches}; instances kept {int((st.sleap_track >= 0).sum())}")

    t_track, tl = best_of(lambda: convert_detections2tracklets(dets))
    t_stitch, tracks = best_of(lambda: stitch_tracklets(tl, n_tracks=2))
    print(f"\n2) our pipeline from unordered detections: {tl.sizes['individual']} tracklets -> {tracks.sizes['individual']} identities")
    scores = pd.concat([mot_metrics(tl, sleap, name="tracklets vs 27 SLEAP tracks"), mot_metrics(tracks, sleap, name="stitched vs 27 SLEAP tracks"),
                        mot_metrics(tracks, main2, name="stitched vs SLEAP's 2 main tracks")])
    pd.set_option("display.width", 200)
    print(scores[["num_frames", "mota", "idf1", "num_switches", "num_misses", "num_false_positives"]].round(4).to_string())
    print("identity switch = a SLEAP track matched to a different identity than at its previous match (motmetrics);")
    print("misses vs 27 tracks = SLEAP's duplicate instances that stitching drops.")

    n = dets.sizes["time"]
    print(f"\n3) throughput on {n} frames (best of 5): tracking {n / t_track:,.0f} frames/s ({t_track * 1e3:.0f} ms), "
          f"stitching {t_stitch * 1e3:.0f} ms, tracking + stitching {n / (t_track + t_stitch):,.0f} frames/s")
