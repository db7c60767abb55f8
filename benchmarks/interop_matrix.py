"""Issue 16's bar: the interop matrix. Rows: a DeepLabCut 3 function or file; columns: dlcnb -> DLC 3 (DeepLabCut 3
reads or uses what dlcnb wrote) and DLC 3 -> dlcnb (dlcnb reads or uses what DeepLabCut 3 wrote); pass/fail each.

Runs the scenario of `tests/interop/dlc3_scenario.py` (DeepLabCut 3.0.2 from the registry in its own environment,
made by `tools/peer_env.py dlc3` and cached) in a temporary folder, then prints the matrix and what DeepLabCut 3
cannot do with dlcnb's models. Other peers join through `CHECKS`: each entry is a function of a temporary folder
returning `Check`s (`row`, `direction`, `ok`, `detail`), e.g. the movement and file-format rows.

Run from the repository root: `python benchmarks/interop_matrix.py`."""

import sys, tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
sys.path.insert(0, str(Path(__file__).parents[1] / "tests" / "interop"))
from _machine import machine
import dlc3_scenario

CHECKS = [dlc3_scenario.run]  # add the movement / formats checks here: each `f(tmp) -> list[Check]`

CANNOT = """DeepLabCut 3 cannot, by design:
- run dlcnb's own networks (EfficientNet-Lite, MobileNetV3, dlcnb's ResNets with a feature-pyramid head): its
  PoseConfig accepts only its own net_type names, so dlcnb's pytorch_config.yaml shows them as `resnet_50`
  (dlcnb's real settings are in train/dlcnb.yaml); DeepLabCut's analyze_videos / evaluate_network on such a shuffle
  build DeepLabCut's ResNet-50 and refuse dlcnb's weights. Predictions are therefore named DLC_Resnet50_...
- snapshotindex -1 means 'best if any' to DeepLabCut and 'latest periodic' to dlcnb's `snapshot=-1`; the default
  snapshot ('best' in dlcnb's analysis, -1 in DeepLabCut's config) names the same files."""


def main():
    print(machine())
    rows = []
    for f in CHECKS:
        rows += f(Path(tempfile.mkdtemp()))
    dirs = [dlc3_scenario.WE_TO_PEER, dlc3_scenario.PEER_TO_US]
    width = max(len(c.row) for c in rows)
    print(f"\n{'DeepLabCut 3 function or file':<{width}}  {dirs[0]:<15} {dirs[1]:<15}")
    for row in dict.fromkeys(c.row for c in rows):
        cell = {c.direction: ("pass" if c.ok else "FAIL") for c in rows if c.row == row}
        print(f"{row:<{width}}  {cell.get(dirs[0], '-'):<15} {cell.get(dirs[1], '-'):<15}")
    print("\nDetails:")
    for c in rows:
        print(f"  [{'pass' if c.ok else 'FAIL'}] {c.row} ({c.direction}): {c.detail}")
    print(f"\n{sum(c.ok for c in rows)} of {len(rows)} checks pass.\n\n{CANNOT}")
    if not all(c.ok for c in rows):
        sys.exit(1)


if __name__ == "__main__":
    main()
