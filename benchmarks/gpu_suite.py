"""The GPU suite of issue 21, one script (at most ~8 minutes on a GPU): training images/s (float32 vs mixed precision,
contiguous vs channels-last), analysis frames/s at 640x480 and 1024x1024 for torch and, when installed,
onnxruntime (`onnxruntime-gpu` on a GPU), peak GPU memory of each, and the same-run ratio of dlcnb's `analyze_videos`
to DeepLabCut 3's (ResNet-50, 640x480 clip) when DeepLabCut 3's environment exists (`python tools/peer_env.py dlc3`
makes it; this script only uses it).

Run from the repository root: `python benchmarks/gpu_suite.py [--device cuda] [--tiny] [--json out.json]`.
`--device cpu --tiny` runs every step on tiny inputs in seconds (`tests/test_gpu_suite.py`), so the script works the
first time it meets a GPU. Models have random weights: speed does not depend on them. Each measurement runs for a
fixed time (`--seconds`), so the whole suite has a bounded duration."""

import os

os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
import argparse, json, subprocess, sys, tempfile, time, warnings
from contextlib import nullcontext
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
sys.path.insert(0, str(Path(__file__).parents[1] / "tools"))
import numpy as np, torch
from _machine import machine
from _infer_setup import load, project_with_snapshot, make_clip, timed
from peer_env import envs_root
from dlcnb.core import example_project
from dlcnb.models import DEFAULT_NET_TYPE, build_model
from dlcnb.training import PoseLoss
from dlcnb.inference import Predictor, OnnxPredictor, export_onnx, analyze_videos

SIZES = {
    "full": {"train": (16, 256, 256), "frames": [(480, 640), (1024, 1024)], "clip": 200},
    "tiny": {"train": (2, 64, 64), "frames": [(48, 64), (96, 96)], "clip": 8},
}


def timed_loop(step, seconds: float, sync) -> float:
    "Calls per second of `step()` over `seconds` (after one warm-up call)."
    step()
    sync()
    n, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds or n < 2:
        step()
        n += 1
    sync()
    return n / (time.perf_counter() - start)


def peak_memory(device) -> str:
    "Peak GPU memory since the last reset (and reset it), or n/a on a CPU."
    if device.type != "cuda":
        return "n/a (CPU)"
    peak = torch.cuda.max_memory_allocated(device) / 2**20
    torch.cuda.reset_peak_memory_stats(device)
    return f"{peak:.0f} MiB"


def train_rate(device, mixed: bool, channels_last: bool, size, seconds, sync) -> float:
    "Training images/s of the default model: forward, DeepLabCut's loss, backward and an AdamW step on one batch."
    torch.manual_seed(0)
    batch, h, w = size
    fmt = torch.channels_last if channels_last else torch.contiguous_format
    model = build_model(DEFAULT_NET_TYPE, 4, pretrained=False).to(device, memory_format=fmt).train()
    opt, loss_fn = torch.optim.AdamW(model.parameters(), lr=1e-4), PoseLoss()
    x = torch.randn(batch, 3, h, w, device=device).contiguous(memory_format=fmt)
    kp = torch.rand(batch, 4, 2, device=device) * torch.tensor([w, h], device=device)
    scaler = torch.amp.GradScaler(device.type, enabled=mixed and device.type == "cuda")
    dtype = torch.float16 if device.type == "cuda" else torch.bfloat16

    def step():
        with torch.autocast(device.type, dtype=dtype) if mixed else nullcontext():
            loss = loss_fn(model(x), kp)
        scaler.scale(loss).backward()
        scaler.step(opt)
        scaler.update()
        opt.zero_grad(set_to_none=True)

    return batch * timed_loop(step, seconds, sync)


def analysis_rates(device, frames_hw, seconds, sync, tmp) -> dict:
    "Frames/s of the default model's predictor on uint8 frames of each size: torch (auto optimisation) and onnxruntime."
    torch.manual_seed(0)
    model, meta = (
        build_model(DEFAULT_NET_TYPE, 4, pretrained=False),
        dict(net_type=DEFAULT_NET_TYPE, bodyparts=list("abcd"), stride=8, scale=1.0),
    )
    runtimes = {"torch": Predictor(model, meta, str(device))}
    try:
        runtimes["onnxruntime"] = OnnxPredictor(
            export_onnx(build_model(DEFAULT_NET_TYPE, 4, pretrained=False), meta, tmp / "m.onnx"), device.type
        )
    except Exception as e:
        print(f"onnxruntime not measured: {e}")
    out = {}
    for h, w in frames_hw:
        frames = np.random.default_rng(0).integers(0, 255, (runtimes["torch"].batch_size, h, w, 3), dtype=np.uint8)
        for name, p in runtimes.items():
            fps = len(frames) * timed_loop(lambda: p(frames), seconds, sync)
            out[f"{name} {w}x{h}"] = dict(
                frames_per_s=round(fps, 2), batch=len(frames), peak_gpu_memory=peak_memory(device)
            )
            print(
                f"analysis, {DEFAULT_NET_TYPE} at full resolution, {name}, {w}x{h}, batch {len(frames)}: {fps:.1f} "
                "frames/s, "
                f"peak GPU memory {out[f'{name} {w}x{h}']['peak_gpu_memory']} [{load()}]",
                flush=True,
            )
    return out


def dlc3_ratio(device, n_frames, tmp) -> dict:
    "Same-run ratio of our ResNet-50 `analyze_videos` to DeepLabCut 3's on a 640x480 clip, when its environment exists."
    python = envs_root() / "dlc3" / "bin" / "python"
    if not python.exists():
        print("DeepLabCut 3 environment not found: ratio not measured")
        return {}
    config, video = project_with_snapshot(tmp / "ours", "resnet_50", 1.0)
    clip = make_clip(video, tmp / "clip.mp4", n_frames)
    ds, ours, _ = timed(analyze_videos, config, clip, batch_size=8, device=device.type, destfolder=tmp / "ours-out")
    run = subprocess.run(
        [
            str(python),
            str(Path(__file__).parent / "_dlc3_analyze.py"),
            str(example_project(tmp / "dlc")),
            str(clip),
            "8",
            device.type,
        ],
        capture_output=True,
        text=True,
    )
    if run.returncode:
        print(f"DeepLabCut 3 failed, ratio not measured:\n{run.stderr[-2000:]}")
        return {}
    dlc = json.loads(run.stdout.strip().splitlines()[-1])
    print(
        f"ResNet-50 analyze_videos, {n_frames} frames 640x480: dlcnb {n_frames / ours:.1f} frames/s, DeepLabCut 3 "
        f"{dlc['frames'] / dlc['seconds']:.1f} frames/s, ratio {dlc['seconds'] / ours:.2f}x [{load()}]"
    )
    return {"dlcnb_s": ours, "dlc3_s": dlc["seconds"], "ratio": dlc["seconds"] / ours}


def main(device: str, tiny: bool, seconds: float, out_json: str | None):
    device = torch.device(device)
    if device.type == "cuda" and not torch.cuda.is_available():
        sys.exit("No GPU here: run with --device cpu (and --tiny).")
    sizes, tmp = SIZES["tiny" if tiny else "full"], Path(tempfile.mkdtemp())
    sync = (lambda: torch.cuda.synchronize(device)) if device.type == "cuda" else (lambda: None)
    print(f"{machine()}\n[{load()}]", flush=True)
    warnings.simplefilter("ignore")
    results = {"machine": machine(), "device": str(device), "tiny": tiny, "train": {}}
    for mixed in (False, True):
        for cl in (False, True):
            name = f"{'mixed precision' if mixed else 'float32'}, {'channels-last' if cl else 'contiguous'}"
            rate = train_rate(device, mixed, cl, sizes["train"], seconds, sync)
            results["train"][name] = dict(images_per_s=round(rate, 2), peak_gpu_memory=peak_memory(device))
            print(
                f"training, {DEFAULT_NET_TYPE}, batch {sizes['train'][0]} at "
                f"{sizes['train'][2]}x{sizes['train'][1]}, {name}: "
                f"{rate:.1f} images/s, peak GPU memory {results['train'][name]['peak_gpu_memory']} [{load()}]",
                flush=True,
            )
    results["analysis"] = analysis_rates(device, sizes["frames"], seconds, sync, tmp)
    results["dlc3"] = dlc3_ratio(device, sizes["clip"], tmp)
    if out_json:
        Path(out_json).write_text(json.dumps(results, indent=1))
    return results


if __name__ == "__main__":
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    p.add_argument("--tiny", action="store_true", help="tiny inputs, seconds in all (the CPU test)")
    p.add_argument("--seconds", type=float, default=None, help="time per measurement (default 10, 0.3 with --tiny)")
    p.add_argument("--json", default=None, help="also write the figures to this JSON file")
    a = p.parse_args()
    main(a.device, a.tiny, a.seconds or (0.3 if a.tiny else 10.0), a.json)
