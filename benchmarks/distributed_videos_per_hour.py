"""Videos per hour: analyze_videos one video after another vs on a Dask LocalCluster,
same clips, same (untrained) model.

python benchmarks/distributed_videos_per_hour.py [n_clips] [frames_per_clip]
"""

import sys, tempfile, time
from pathlib import Path

sys.path[:0] = [str(Path(__file__).parent), str(Path(__file__).parents[1])]
from _machine import machine
from _infer_setup import project_with_snapshot, make_clip, load, DEFAULT_SCALE
from dlcnb.inference import analyze_videos
from dlcnb.models import DEFAULT_NET_TYPE


def main(n_clips: int = 6, frames: int = 300):
    tmp = Path(tempfile.mkdtemp())
    config, video = project_with_snapshot(tmp / "proj", DEFAULT_NET_TYPE, DEFAULT_SCALE)
    clips = [make_clip(video, tmp / f"clip{i}.mp4", frames) for i in range(n_clips)]
    rates = {}
    for name, client in (("sequential", False), ("LocalCluster", None)):
        start = time.perf_counter()
        out = analyze_videos(config, clips, destfolder=tmp / name, client=client)
        seconds = time.perf_counter() - start
        assert len(out) == n_clips
        rates[name] = n_clips / seconds * 3600
        print(
            f"{name:12s}: {n_clips} clips x {frames} frames in {seconds:.1f} s = {rates[name]:.0f} videos/hour "
            f"({load()})"
        )
    print(f"LocalCluster / sequential: {rates['LocalCluster'] / rates['sequential']:.2f}x")
    print(f"machine: {machine()}")


if __name__ == "__main__":
    main(*map(int, sys.argv[1:]))
