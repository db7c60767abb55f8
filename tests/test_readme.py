"The README's tour runs as a reader copies it: every python block, in order, in a fresh interpreter and empty folder."

import json, os, re, subprocess, sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RUNNER = """
import json, sys
from pathlib import Path
ns = {}
for i, block in enumerate(json.loads(Path(sys.argv[1]).read_text())):
    exec(compile(block, f"README block {i + 1}", "exec"), ns)
video, config = ns["video"], ns["config"]
print(json.dumps({"config": str(config), "video": str(video), "figure": type(ns["filtered"]).__name__,
                  "labeled": [str(p) for p in Path(video).parent.glob("*_labeled.mp4")]}))
"""


def readme_blocks() -> list[str]:
    return re.findall(r"```python\n(.*?)\n```", (ROOT / "README.md").read_text(), re.S)


def test_readme_tour_runs_as_copied(tmp_path):
    blocks = readme_blocks()
    assert blocks[0].splitlines() == ["import tempfile", "import dlcnb as dlc"], "the tour starts with its imports"
    (tmp_path / "blocks.json").write_text(json.dumps(blocks))
    env = {**os.environ, "PYTHONPATH": str(ROOT), "MPLBACKEND": "Agg"}
    run = subprocess.run(
        [sys.executable, "-c", RUNNER, str(tmp_path / "blocks.json")],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=1500,
    )
    assert run.returncode == 0, run.stderr[-4000:]
    out = json.loads(run.stdout.strip().splitlines()[-1])
    assert Path(out["config"]).exists() and out["figure"] == "Dataset"
    assert len(out["labeled"]) == 1 and Path(out["labeled"][0]).stat().st_size > 10_000
    assert "openfield" in run.stdout and "test rmse" in run.stdout
