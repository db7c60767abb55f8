"extract_outlier_frames on the bundled openfield project: files, names and layout DeepLabCut's refinement expects."

from pathlib import Path
import numpy as np, pandas as pd, cv2
import fastcore.test as ft
from dlcnb.core import read_config, write_config
from dlcnb.poses import make_poses, write_dlc_file
from dlcnb.video import VideoReader
from dlcnb.outliers import extract_outlier_frames, find_outliers

SCORER = "DLC_resnet50_openfieldOct30shuffle1_5000"


def analysed(config, jumps=(100, 700, 1500, 2000), n_frames=2330):
    "Write single-animal predictions with planted jumps for the project's video, as analyze_videos would."
    cfg = read_config(config)
    video = Path(cfg["project_path"]) / "videos" / "m3v1mp4.mp4"
    rng = np.random.default_rng(0)
    pos = rng.normal(0, 0.5, (n_frames, 2, 4, 1)).cumsum(0) + 200
    for j in jumps:
        pos[j:] += 60
    conf = np.full((n_frames, 4, 1), 0.95)
    conf[[50, 60], 2, 0] = 0.001
    ds = make_poses(pos, conf, cfg["bodyparts"])
    write_dlc_file(ds, video.parent / f"{video.stem}{SCORER}.h5", SCORER)
    return cfg, video, ds


def test_jump_outliers_written_for_refinement(openfield):
    cfg, video, ds = analysed(openfield)
    cfg["iteration"] = 2
    write_config(openfield, cfg)
    out = extract_outlier_frames(
        openfield, video, "jump", epsilon=30, numframes2extract=3, extractionalgorithm="uniform"
    )
    ft.test_eq(len(out), 3)
    assert set(out.frame) <= {100, 700, 1500, 2000}
    folder = Path(cfg["project_path"]) / "labeled-data" / "m3v1mp4"
    for f, img in zip(out.frame, out.image):
        ft.test_eq(Path(img), folder / f"img{f:04d}.png")
        with VideoReader(video) as r:
            ft.test_eq(cv2.imread(img)[..., ::-1], r[int(f)])
    ml = pd.read_hdf(folder / "machinelabels-iter2.h5")
    ft.test_eq(ml.columns.names, ["scorer", "bodyparts", "coords"])
    ft.test_eq(list(ml.columns.unique("bodyparts")), cfg["bodyparts"])
    ft.test_eq(list(ml.index), [("labeled-data", "m3v1mp4", f"img{f:04d}.png") for f in out.frame])
    np.testing.assert_allclose(
        ml.xs("x", axis=1, level="coords").to_numpy(), ds.position.sel(space="x").values[out.frame, :, 0]
    )


def test_second_run_skips_extracted_frames_and_respects_start_stop(openfield):
    cfg, video, _ = analysed(openfield)
    cfg["start"], cfg["stop"] = 0.0, 0.5
    write_config(openfield, cfg)
    first = extract_outlier_frames(openfield, video, "jump", epsilon=30, numframes2extract=10)
    ft.test_eq(sorted(first.frame), [100, 700])  # 1500 and 2000 are past stop=0.5
    again = extract_outlier_frames(openfield, video, "jump", epsilon=30, numframes2extract=10)
    ft.test_eq(len(again), 0)
    unsure = extract_outlier_frames(openfield, video, "uncertain", p_bound=0.01, numframes2extract=10)
    ft.test_eq(sorted(unsure.frame), [50, 60])
    ml = pd.read_hdf(Path(cfg["project_path"]) / "labeled-data" / "m3v1mp4" / "machinelabels-iter0.h5")
    ft.test_eq(sorted(int(i[2][3:7]) for i in ml.index), [50, 60, 100, 700])


def test_kmeans_picks_are_candidates(openfield):
    cfg, video, ds = analysed(openfield, jumps=tuple(range(100, 2300, 100)))
    cands = find_outliers(ds, "jump", epsilon=30)
    out = extract_outlier_frames(
        openfield, video, "jump", epsilon=30, numframes2extract=4, extractionalgorithm="kmeans"
    )
    ft.test_eq(len(out), 4)
    assert set(out.frame) <= set(cands.tolist())
