"""DeepLabCut 3's side of `analyze_resnet50_vs_dlc3.py`; run with DeepLabCut's own Python
(`python tools/peer_env.py dlc3` prints it).

Usage: python _dlc3_analyze.py CONFIG VIDEO BATCH_SIZE DEVICE. Makes shuffle 1 (ResNet-50, random weights: ImageNet
weights
cannot be downloaded here and speed does not depend on them), saves it as a snapshot, times `deeplabcut.analyze_videos`
on VIDEO and prints one JSON line {"seconds", "cpu_seconds", "frames", "params", "h5"}."""

import json, sys, time
from pathlib import Path


def make_shuffle(config):
    "Create shuffle 1 with ResNet-50 and save an untrained snapshot so `analyze_videos` can run."
    import deeplabcut, torch
    from deeplabcut.pose_estimation_pytorch.models import PoseModel
    from deeplabcut.pose_estimation_pytorch.config import read_config_as_dict, write_config

    deeplabcut.create_training_dataset(config, num_shuffles=1, net_type="resnet_50", engine=deeplabcut.Engine.PYTORCH)
    train_dir = next(Path(config).parent.glob("dlc-models-pytorch/iteration-0/*/train"))
    cfg_path = train_dir / "pytorch_config.yaml"
    cfg = read_config_as_dict(cfg_path)
    cfg["model"]["backbone"]["pretrained"] = False
    write_config(cfg_path, cfg)
    model = PoseModel.build(cfg["model"])
    torch.save({"model": model.state_dict(), "metadata": {"epoch": 1}}, train_dir / "snapshot-001.pt")
    return sum(p.numel() for p in model.parameters())


def main(config, video, batch_size, device):
    import deeplabcut, pandas as pd

    params = make_shuffle(config)
    start, cpu = time.perf_counter(), time.process_time()
    deeplabcut.analyze_videos(config, [video], shuffle=1, batch_size=batch_size, device=device, save_as_csv=False)
    seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
    h5 = sorted(Path(video).parent.glob(Path(video).stem + "DLC_*.h5"))
    print(
        json.dumps(
            {
                "seconds": seconds,
                "frames": len(pd.read_hdf(h5[0])),
                "params": params,
                "cpu_seconds": cpu,
                "h5": str(h5[0]),
            }
        )
    )


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4])
