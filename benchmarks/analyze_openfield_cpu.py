"""Bar 1 of issues 3 and 21: the default model on the whole 2,330-frame 640x480 openfield video, end to end (decode +
inference + writing the .h5, _meta.pickle and .nc), on torch (traced, frozen) and on onnxruntime in the same run, with
the decode-only rate as the ceiling, onnxruntime's rate per batch size and, with `--int8`, a dynamically quantised
int8 copy of the ONNX model.

Accuracy (`--trained CONFIG`): a trained project's shuffle 1 predicts its labelled frames with both runtimes (and
int8); the mean keypoint error against the labels is printed for each, with the largest difference between them.

Run from the repo root: `python benchmarks/analyze_openfield_cpu.py [--device cuda] [--int8] [--trained CONFIG]`. The
speed model has random weights: speed does not depend on them. The machine may be shared: the load average is printed
beside each figure, and the ratio of the two runtimes (same run) is the figure that load changes least."""

import os

os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")  # idle OpenMP threads sleep instead of spinning on a shared CPU
import argparse, sys, tempfile, time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
import numpy as np, torch, cv2
from _machine import machine
from _infer_setup import DEFAULT_SCALE, load, project_with_snapshot, timed, cpu_note
from dlcnb.core import read_config
from dlcnb.io import load_labels
from dlcnb.models import DEFAULT_NET_TYPE
from dlcnb.inference import analyze_videos, export_model, load_predictor, OnnxPredictor
from dlcnb.video import VideoReader, iter_batches


def decode_only(video, batch_size):
    with VideoReader(video) as r:
        return sum(len(idx) for idx, _ in iter_batches(r, batch_size))


def rate(predictor, frames, batch, seconds=4.0) -> float:
    "Frames/s of `predictor` alone on batches of `batch` frames."
    predictor(frames[:batch])
    n, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds:
        predictor(frames[:batch])
        n += batch
    return n / (time.perf_counter() - start)


def int8_copy(onnx_file) -> Path:
    "A dynamically quantised (int8 weights) copy of an ONNX model."
    from onnxruntime.quantization import quantize_dynamic, QuantType

    out = Path(onnx_file).with_name(Path(onnx_file).stem + "-int8.onnx")
    quantize_dynamic(str(onnx_file), str(out), weight_type=QuantType.QUInt8)
    return out


def analyse(config, video, tmp, device, batch_size, runtime):
    ds, s, cpu = timed(
        analyze_videos, config, video, batch_size=batch_size, device=device, runtime=runtime, destfolder=tmp / runtime
    )
    n = ds.sizes["time"]
    print(
        f"analyze_videos, {DEFAULT_NET_TYPE} at scale {DEFAULT_SCALE} on {device}, runtime {runtime}, batch "
        f"{batch_size or 'default'}: {n} frames in {s:.1f} s = {n / s:.1f} frames/s end to end; {cpu_note(n, cpu)} "
        f"[{load()}]"
    )
    return ds, n / s


def speed(device, batch_size, int8):
    tmp = Path(tempfile.mkdtemp())
    config, video = project_with_snapshot(tmp, DEFAULT_NET_TYPE, DEFAULT_SCALE)
    n, s, cpu = timed(decode_only, video, 16)
    print(
        f"decode only (threaded OpenCV, the ceiling): {n} frames in {s:.1f} s = {n / s:.1f} frames/s; "
        f"{cpu_note(n, cpu)} [{load()}]"
    )
    onnx_file, s, _ = timed(export_model, config, format="onnx")
    print(f"export_model(format='onnx'): {s:.1f} s")
    torch_ds, torch_fps = analyse(config, video, tmp, device, batch_size, "torch")
    onnx_ds, onnx_fps = analyse(config, video, tmp, device, batch_size, "onnx")
    diff = np.nanmax(np.abs(torch_ds.position.values - onnx_ds.position.values))
    print(
        f"onnxruntime / torch, same run: {onnx_fps / torch_fps:.2f}x (bar: >= 120 frames/s with onnxruntime); "
        f"largest keypoint difference {diff:.4f} px"
    )
    with VideoReader(video) as r:
        frames = np.stack(list(r.iter_frames(0, 32)))
    predictors = {"onnx": OnnxPredictor(onnx_file, device)} | (
        {"int8": OnnxPredictor(int8_copy(onnx_file), device)} if int8 else {}
    )
    for name, p in predictors.items():
        print(
            f"{name} model alone, frames/s by batch size: "
            + ", ".join(f"{b}: {rate(p, frames, b):.1f}" for b in (1, 2, 4, 8, 16, 32))
            + f" [{load()}]"
        )
    return onnx_file


def labelled_error(predictor, cfg) -> np.ndarray:
    "Per-keypoint Euclidean errors (px) of `predictor` on the project's labelled frames (NaN where unlabelled)."
    labels = load_labels(cfg)
    root, errors = Path(cfg["project_path"]), []
    for image, row in labels.iterrows():
        rgb = cv2.cvtColor(cv2.imread(str(root.joinpath(*image))), cv2.COLOR_BGR2RGB)
        xy = row.to_numpy(float).reshape(-1, 2)
        errors.append(np.linalg.norm(predictor(rgb[None])[0, :, :2] - xy, axis=1))
    return np.array(errors)


def accuracy(config, device, int8):
    cfg = read_config(config)
    torch_p, onnx_p = load_predictor(cfg, device=device), load_predictor(cfg, device=device, runtime="onnx")
    preds = {"torch": torch_p, "onnx": onnx_p} | (
        {"int8": OnnxPredictor(int8_copy(onnx_p.path), device)} if int8 else {}
    )
    errs = {name: labelled_error(p, cfg) for name, p in preds.items()}
    for name, e in errs.items():
        change = np.nanmean(e) - np.nanmean(errs["torch"])
        print(
            f"{name}: mean error on the {len(e)} labelled frames {np.nanmean(e):.3f} px (change vs torch "
            f"{change:+.4f} px; "
            f"bar <= 0.1), RMSE {np.sqrt(np.nanmean(e**2)):.3f} px"
        )


if __name__ == "__main__":
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--device", default="cpu")
    p.add_argument("--batch-size", type=int, default=None)
    p.add_argument("--int8", action="store_true")
    p.add_argument("--trained", default=None)
    a = p.parse_args()
    print(machine())
    if a.device == "cuda" and not torch.cuda.is_available():
        sys.exit("No GPU here: run without --device cuda.")
    if a.trained:
        accuracy(a.trained, a.device, a.int8)
    else:
        speed(a.device, a.batch_size, a.int8)
