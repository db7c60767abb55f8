"""Label safety (issue 15): runs tests/test_label_safety.py, prints the number of fault scenarios and how many lost
labels, and the cost of a save."""

import statistics, subprocess, sys, tempfile, time
import xml.etree.ElementTree as ET
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from _machine import machine
from dlcnb.core import example_project
from dlcnb.labeling import label_frames

REPO = Path(__file__).resolve().parents[1]

with tempfile.TemporaryDirectory() as tmp:
    report = Path(tmp) / "safety.xml"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            str(REPO / "tests/test_label_safety.py"),
            "-q",
            "-p",
            "no:cacheprovider",
            f"--junitxml={report}",
        ],
        cwd=REPO,
        capture_output=True,
    )
    cases = ET.parse(report).getroot().iter("testcase")
    outcome = {
        c.get("name"): "lost or broken"
        if c.find("failure") is not None or c.find("error") is not None
        else "skipped"
        if c.find("skipped") is not None
        else "ok"
        for c in cases
    }
    config = example_project(Path(tmp) / "p", n_frames=6)
    w, times = label_frames(config), []
    for k in range(10):
        w.points = [["", "snout", float(k), 1.0]]
        t = time.perf_counter()
        w.save()
        times.append(time.perf_counter() - t)
for name, result in outcome.items():
    print(f"{result:>14}  {name}")
losses = sum(r != "ok" for r in outcome.values())
print(f"{len(outcome)} fault and bad-input scenarios, {losses} with a lost label, executed code or a wrong error")
print(
    "one labeler save of a 116-frame folder (.h5, .csv, .bak, history, change check): "
    f"{statistics.median(times) * 1000:.0f} ms median"
)
print(machine())
