"Run a script in a peer environment (DeepLabCut 3, movement, EKS): arguments and results cross as JSON."

import json, subprocess, sys
from pathlib import Path
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "tools"))
from peer_env import ensure_env


def run_peer(name: str, script: str, args: dict) -> dict:
    "Run `script` in the peer environment `name` with `args` (JSON); its last output line, as JSON."
    try:
        python = str(ensure_env(name))
    except RuntimeError as e:
        pytest.fail(f"The {name} environment could not be made: {e}")
    run = subprocess.run([python, "-c", script, json.dumps(args)], capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, run.stderr[-3000:]
    return json.loads(run.stdout.strip().splitlines()[-1])
