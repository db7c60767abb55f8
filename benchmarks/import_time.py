"""How long `import dlcnb` takes and that it imports no torch; then the first `dlc.train_network` (imports torch).

Run from the repo root: `python benchmarks/import_time.py [repeats]`. Each measurement is a fresh interpreter; the
median of `repeats` runs (default 5) is printed, with the machine.
"""

import statistics, subprocess, sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from _machine import machine

ROOT = Path(__file__).resolve().parent.parent
PROBE = """
import sys, time
t = time.perf_counter(); import dlcnb as dlc; t_import = time.perf_counter() - t
heavy = [m for m in ("torch", "fastai", "cv2", "pandas", "ipywidgets") if m in sys.modules]
t = time.perf_counter(); dlc.train_network; t_first = time.perf_counter() - t
print(t_import, t_first, ",".join(heavy) or "-")
"""


def measure():
    out = subprocess.run(
        [sys.executable, "-c", PROBE],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
        env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"},
    ).stdout.split()
    return float(out[0]), float(out[1]), out[2]


if __name__ == "__main__":
    runs = [measure() for _ in range(int(sys.argv[1]) if len(sys.argv) > 1 else 5)]
    heavy = {r[2] for r in runs}
    ms, first = statistics.median(r[0] for r in runs) * 1000, statistics.median(r[1] for r in runs)
    print(
        f"import dlcnb: {ms:.1f} ms (median of {len(runs)} fresh interpreters); heavy modules it imported: "
        f"{', '.join(heavy)}"
    )
    print(f"first dlc.train_network (imports dlcnb.training, torch, fastai): {first:.2f} s")
    print(machine())
