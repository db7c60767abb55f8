"""Execute notebooks and save small, reproducible outputs in them (`make outputs`).

    python tools/notebook_outputs.py                       # every notebook (`dlcnb.docs.SHOWN`)
    python tools/notebook_outputs.py nbs/13_viz.ipynb ...  # only these

Each notebook runs from its own folder as `nbdev_test` runs it: cells marked `#| eval: false`, `#| slow` or `#| gpu`
are not run and keep no output (with `--slow`, and for the `SLOW` notebooks, only the `#| eval: false` ones). Its
outputs are then made small and stable: plotly figures keep their JSON (JupyterLab) and HTML (nbconvert, Quarto) with
at most `MAX_POINTS` points a trace, stored as float32; images are re-encoded (PNG palettes, JPEG) and at most
`MAX_SIDE` pixels wide; long text keeps its head and tail; temporary folders, the repository path, ports and fastai's
epoch timings are replaced by placeholders; widget views (which need a live kernel) keep their text. The notebook's
metadata records the hash of its code cells (`dlcnb.docs.code_hash`), the dlcnb version and the commit, so
`tests/test_docs.py` can tell when outputs are stale. Finally `nbdev_clean` runs, so a later `nbdev_clean` leaves the
notebook as it is.
"""

from __future__ import annotations
import argparse, base64, copy, io, json, math, os, re, subprocess, sys, tempfile, time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
MAX_POINTS = 400  # points per plotly trace
MAX_SIDE = 900  # pixels, the widest image kept
MAX_LINES = 40  # lines of a text output kept (head and tail)
PLOTLY = "application/vnd.plotly.v1+json"
WIDGET = "application/vnd.jupyter.widget-view+json"
DATA_URI = re.compile(r"data:image/(png|jpeg);base64,([A-Za-z0-9+/=]{20000,})")
PLACEHOLDERS = [
    (re.compile(r"/[\w./-]*/site-packages/"), "…/site-packages/"),
    (re.compile(re.escape(tempfile.gettempdir()) + r"/tmp[\w.-]+"), "/tmp/…"),
    (re.compile(re.escape(str(ROOT))), "…"),
    (re.compile(re.escape(str(Path.home()))), "~"),
    (re.compile(r"(127\.0\.0\.1|localhost):\d{4,5}"), r"\1:…"),
    (re.compile(r"<td>\d\d:\d\d</td>"), "<td>…</td>"),  # fastai's epoch times
    (re.compile(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d+ - "), ""),  # logging's time stamps
]
sys.path.insert(0, str(ROOT))
from dlcnb.core import atomic_write_bytes  # noqa: E402
from dlcnb.docs import NOT_RUN, OUTPUTS_KEY, SHOWN, SKIPPED_CELLS, code_hash, execute_notebook  # noqa: E402

DEFAULT = [f"nbs/{p}" for p in SHOWN]
SLOW = {ROOT / "nbs/index.ipynb"}  # run with their `#| slow` cells: the home page's tour is what it shows


def _decode(a):
    "A plotly array (list or base64 typed array) as numpy."
    import numpy as np

    if isinstance(a, dict) and "bdata" in a:
        shape = [int(s) for s in str(a.get("shape", "-1")).split(",")]
        return np.frombuffer(base64.b64decode(a["bdata"]), dtype=a["dtype"]).reshape(shape)
    return np.asarray(a, dtype=object)


def _encode(a):
    "Numpy back to plotly JSON: numbers as typed arrays (floats as float32), anything else as a list."
    if a.dtype == object:
        return a.tolist()
    if a.dtype.kind == "f":
        a = a.astype("f4")
    out = {"dtype": a.dtype.str.lstrip("<|"), "bdata": base64.b64encode(a.tobytes()).decode()}
    return out | ({"shape": ", ".join(map(str, a.shape))} if a.ndim > 1 else {})


def _arrays(trace: dict, prefix=()):
    "(path, value) of the array-valued entries of a trace, nested dicts (marker, line) included."
    for k, v in trace.items():
        if isinstance(v, dict) and "bdata" not in v:
            yield from _arrays(v, prefix + (k,))
        elif (isinstance(v, dict) and "bdata" in v) or (isinstance(v, list) and v and not isinstance(v[0], dict)):
            yield prefix + (k,), v


def _set(trace: dict, path: tuple, value):
    for k in path[:-1]:
        trace = trace[k]
    trace[path[-1]] = value


def decimate_trace(trace: dict, max_points: int = MAX_POINTS) -> dict:
    "Keep every k-th point of a trace's arrays (along each axis as long as its x, y or z) so at most `max_points`."
    arrays = {path: _decode(v) for path, v in _arrays(trace)}
    lengths = [len(arrays[(k,)]) for k in ("x", "y", "z") if (k,) in arrays and arrays[(k,)].ndim >= 1]
    n = max(lengths, default=0)
    step = math.ceil(n / max_points) if n > max_points else 1
    for path, a in arrays.items():
        if a.ndim == 0:
            continue
        index = tuple(slice(None, None, step) if size == n else slice(None) for size in a.shape)
        _set(trace, path, _encode(a[index]))
    return trace


def shrink_figure(fig: dict, max_points: int = MAX_POINTS) -> dict:
    "A plotly figure's JSON with every trace (animation frames too) decimated and big images re-encoded."
    fig = copy.deepcopy(fig)
    for trace in fig.get("data", []) + [t for f in fig.get("frames", []) for t in f.get("data", [])]:
        decimate_trace(trace, max_points)
    return json.loads(shrink_images(json.dumps(fig)))


def figure_html(fig: dict) -> str:
    "The HTML that plotly's `notebook_connected` renderer writes for `fig`, with a div id made from its content."
    import hashlib
    import plotly.io as pio

    html = pio.renderers["notebook_connected"].to_mimebundle(fig)["text/html"]
    div = re.search(r'<div id="([\w-]+)" class="plotly-graph-div"', html).group(1)
    return html.replace(div, "fig-" + hashlib.sha256(json.dumps(fig, sort_keys=True).encode()).hexdigest()[:12])


def _reencode(kind: str, b64: str) -> tuple[str, str]:
    "A base64 image re-encoded smaller: at most MAX_SIDE wide; JPEG quality 75, or a PNG palette."
    from PIL import Image

    im = Image.open(io.BytesIO(base64.b64decode(b64)))
    if im.width > MAX_SIDE:
        im = im.resize((MAX_SIDE, round(im.height * MAX_SIDE / im.width)), Image.LANCZOS)
    buf = io.BytesIO()
    if kind == "jpeg":
        im.convert("RGB").save(buf, "JPEG", quality=75, optimize=True)
    else:
        im.convert("RGB").quantize(256).save(buf, "PNG", optimize=True)
    new = base64.b64encode(buf.getvalue()).decode()
    return kind, new if len(new) < len(b64) else b64


def shrink_images(text: str) -> str:
    "Re-encode the big base64 images inside a text (HTML, JSON)."
    return DATA_URI.sub(lambda m: "data:image/{};base64,{}".format(*_reencode(m.group(1), m.group(2))), text)


def stable_text(text: str, max_lines: int = MAX_LINES) -> str:
    """Text as a terminal shows it (a line redrawn after a carriage return), without this machine's paths, ports and
    timings; at most `max_lines` lines (head and tail)."""
    text = "\n".join(line.rstrip("\r").rsplit("\r", 1)[-1] for line in text.split("\n"))
    for pattern, repl in PLACEHOLDERS:
        text = pattern.sub(repl, text)
    lines = text.splitlines(keepends=True)
    if len(lines) > max_lines:
        half = (max_lines - 1) // 2
        lines = lines[:half] + [f"… ({len(lines) - 2 * half} lines left out)\n"] + lines[-half:]
    return "".join(lines)


def _join(v) -> str:
    return "".join(v) if isinstance(v, list) else v


def shrink_output(out: dict) -> dict:
    "One cell output made small and stable."
    if "text" in out:
        out["text"] = stable_text(_join(out["text"]))
    data = out.get("data", {})
    if PLOTLY in data:
        data[PLOTLY] = shrink_figure(data[PLOTLY])
        data["text/html"] = figure_html(data[PLOTLY])
    if data.pop(WIDGET, None):
        data["text/plain"] = _join(data.get("text/plain", "")) + " (a widget: run the notebook to use it)"
    for kind in ("image/png", "image/jpeg"):
        if kind in data:
            data[kind] = _reencode(kind.split("/")[1], _join(data[kind]).strip())[1]
    for kind in [k for k in data if k.startswith("text/")]:
        data[kind] = stable_text(
            shrink_images(_join(data[kind])), max_lines=10_000 if kind == "text/html" else MAX_LINES
        )
    return out


def _git(*args) -> str:
    return subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True).stdout.strip()


def merge_streams(outputs: list) -> list:
    "Consecutive stdout (or stderr) outputs as one, as Jupyter shows them."
    merged = []
    for o in outputs:
        if merged and o["output_type"] == "stream" and merged[-1].get("name") == o.get("name"):
            merged[-1]["text"] = _join(merged[-1]["text"]) + _join(o["text"])
        else:
            merged.append(o)
    return merged


def _commit() -> str:
    "The commit the package was at (`-dirty` if `dlcnb/` has changes not committed)."
    return _git("rev-parse", "--short", "HEAD") + ("-dirty" if _git("status", "--porcelain", "dlcnb") else "")


def save_outputs(
    path: Path,  # the notebook
    slow: bool = False,  # run its `#| slow` and `#| gpu` cells too
) -> int:
    "Execute one notebook, shrink its outputs, record what made them and write it back; return its size in bytes."
    import dlcnb, nbformat

    os.environ["PYTHONPATH"] = os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])
    nb = execute_notebook(path, timeout=1800, skip=NOT_RUN if slow else SKIPPED_CELLS)
    for c in [c for c in nb.cells if c.cell_type == "code"]:
        c.outputs = [shrink_output(o) for o in merge_streams(c.outputs)]
    nb.metadata[OUTPUTS_KEY] = {"code": code_hash(nb), "dlcnb": dlcnb.__version__, "commit": _commit(), "slow": slow}
    atomic_write_bytes(path, nbformat.writes(nb).encode())
    subprocess.run(["nbdev_clean", "--fname", str(path)], cwd=ROOT, check=True)
    return path.stat().st_size


def _expand(pattern: str) -> list[Path]:
    "The notebooks a path or glob (relative to the repository or absolute) names."
    p = Path(pattern)
    return sorted(ROOT.glob(str(p.resolve().relative_to(ROOT) if p.is_absolute() else p)))


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("paths", nargs="*", help=f"notebooks or globs (default: {' '.join(DEFAULT)})")
    ap.add_argument("--slow", action="store_true", help="run `#| slow` and `#| gpu` cells too")
    args = ap.parse_args(argv)
    for nb in [p for pattern in args.paths or DEFAULT for p in _expand(pattern)]:
        start = time.time()
        size = save_outputs(nb, args.slow or nb in SLOW)
        print(f"{nb.relative_to(ROOT)}: {size:,} bytes in {time.time() - start:.0f} s", flush=True)


if __name__ == "__main__":
    main()
