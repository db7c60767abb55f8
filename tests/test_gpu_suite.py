"""`benchmarks/gpu_suite.py --device cpu --tiny` runs every step of the GPU suite on the CPU, so it works on its first
GPU."""

import json, os, subprocess, sys
from pathlib import Path
import fastcore.test as ft

ROOT = Path(__file__).parents[1]


def test_gpu_suite_runs_on_cpu(tmp_path):
    env = {**os.environ, "DLCNB_PEER_ENVS": str(tmp_path / "no-peers"), "PYTHONPATH": str(ROOT)}
    run = subprocess.run(
        [
            sys.executable,
            str(ROOT / "benchmarks" / "gpu_suite.py"),
            "--device",
            "cpu",
            "--tiny",
            "--seconds",
            "0.1",
            "--json",
            str(tmp_path / "out.json"),
        ],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
    )
    assert run.returncode == 0, run.stderr[-3000:]
    out = json.loads((tmp_path / "out.json").read_text())
    ft.test_eq(
        sorted(out["train"]),
        [
            "float32, channels-last",
            "float32, contiguous",
            "mixed precision, channels-last",
            "mixed precision, contiguous",
        ],
    )
    ft.test_eq(sorted(out["analysis"]), ["onnxruntime 64x48", "onnxruntime 96x96", "torch 64x48", "torch 96x96"])
    assert all(v["images_per_s"] > 0 for v in out["train"].values())
    assert all(v["frames_per_s"] > 0 and v["peak_gpu_memory"] == "n/a (CPU)" for v in out["analysis"].values())
    ft.test_eq(out["dlc3"], {})
    assert "DeepLabCut 3 environment not found: ratio not measured" in run.stdout
