import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))  # dlc3_scenario, shared with benchmarks/interop_matrix.py
