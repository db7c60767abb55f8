"""The Python of a peer package's environment for the benchmarks: `$<NAME>_PYTHON` if set, else the environment
`tools/peer_env.py` makes from the registry (cached; built on first use)."""

import os, sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tools"))
from peer_env import ensure_env


def peer_python(
    name: str,  # a recipe of tools/peer_env.py: dlc3, movement015, movement017, anipose
    env_var: str | None = None,  # an environment variable that overrides it, e.g. DLC3_PYTHON
) -> str:
    "The interpreter of the peer environment `name`."
    return os.environ.get(env_var or "") or str(ensure_env(name))
