"""Issue 16's bar: the interop matrix. Rows: a peer's function or file (DeepLabCut 3, movement 0.15 and 0.17,
sleap-io); columns: we -> peer (the peer reads or uses what dlcnb wrote) and peer -> us (dlcnb reads or uses what the
peer wrote); pass/fail each, n/a where the peer has no such direction (the reason is printed).

Runs the scenario of `tests/interop/dlc3_scenario.py` (DeepLabCut 3.0.2 from the registry in its own environment,
made by `tools/peer_env.py dlc3` and cached) in a temporary folder and the rows of `_formats_matrix.py` (movement in
its environments, sleap-io in ours), then prints the matrix and what DeepLabCut 3 cannot do with dlcnb's models.
Each entry of `CHECKS` is a function of a temporary folder returning `Check`s (`row`, `direction`, `ok`, `detail`).

Run from the repository root: `python benchmarks/interop_matrix.py` (`--only dlc3` or `--only formats`: one part)."""

import argparse, sys, tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
sys.path.insert(0, str(Path(__file__).parents[1] / "tests" / "interop"))
from _machine import machine
import dlc3_scenario
from dlc3_scenario import Check, WE_TO_PEER, PEER_TO_US


def formats_checks(tmp: Path) -> list[Check]:
    "The rows of `_formats_matrix.ROWS` (movement, sleap-io) as `Check`s; n/a directions are left out."
    from _formats_matrix import ROWS

    checks = []
    for name, *fns in ROWS:
        for direction, fn in zip((WE_TO_PEER, PEER_TO_US), fns):
            if fn is None:
                continue
            try:
                fn()
                checks.append(Check(name, direction, True, (fn.__doc__ or "").strip()))
            except Exception as e:
                checks.append(Check(name, direction, False, f"{type(e).__name__}: {str(e).splitlines()[0][:300]}"))
    return checks


CHECKS = {"dlc3": dlc3_scenario.run, "formats": formats_checks}  # each `f(tmp) -> list[Check]`
LABELS = {WE_TO_PEER: "we -> peer", PEER_TO_US: "peer -> us"}  # the columns, for DeepLabCut 3 and the other peers

CANNOT = """DeepLabCut 3 cannot, by design:
- run dlcnb's own networks (EfficientNet-Lite, the default; MobileNetV3; ResNet-18; the multi-animal resnet_50, a
  feature pyramid with part affinity fields): its PoseConfig accepts only its own net_type names, so dlcnb's
  pytorch_config.yaml shows them as `resnet_50` (the real net is in train/dlcnb.yaml); DeepLabCut's analyze_videos /
  evaluate_network on such a shuffle build DeepLabCut's ResNet-50 and refuse dlcnb's weights. Their predictions are
  therefore named DLC_Resnet50_..., and DeepLabCut's post-processing works on them (rows above).
  A single-animal resnet_50 that dlcnb trains is DeepLabCut's own network (resnet50_gn + deconvolution heads) and
  runs in DeepLabCut (analyze_videos, evaluate_network rows); its heatmaps are logits (apply_sigmoid: true,
  WeightedBCECriterion in its pytorch_config.yaml), the one change from DeepLabCut's template.
- analyse such a resnet_50 at dlcnb's input scale: DeepLabCut 3 has no scale factor (only a fixed resize), so a model
  trained at scale != 1 gives other poses there; dlcnb warns at training. The rows use scale 1.
- (not tested) continue training a dlcnb-trained resnet_50 with DeepLabCut's train_network.
- snapshotindex -1 means 'best if any' to DeepLabCut and 'latest periodic' to dlcnb's `snapshot=-1`; the default
  snapshot ('best' in dlcnb's analysis, -1 in DeepLabCut's config) names the same files."""


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", choices=sorted(CHECKS), help="run one part of the matrix")
    args = parser.parse_args(argv)
    print(machine())
    rows = []
    for name, f in CHECKS.items():
        if args.only in (None, name):
            rows += f(Path(tempfile.mkdtemp()))
    dirs = [WE_TO_PEER, PEER_TO_US]
    width = max(len(c.row) for c in rows)
    print(f"\n{'peer function or file':<{width}}  {LABELS[dirs[0]]:<10} {LABELS[dirs[1]]:<10}")
    for row in dict.fromkeys(c.row for c in rows):
        cell = {c.direction: ("pass" if c.ok else "FAIL") for c in rows if c.row == row}
        print(f"{row:<{width}}  {cell.get(dirs[0], 'n/a'):<10} {cell.get(dirs[1], 'n/a'):<10}")
    print("\nDetails:")
    for c in rows:
        print(f"  [{'pass' if c.ok else 'FAIL'}] {c.row} ({LABELS[c.direction]}): {c.detail}")
    from _formats_matrix import NOT_APPLICABLE

    na = "".join(f"\n- {row}: {why}" for row, why in NOT_APPLICABLE.items() if args.only != "dlc3")
    print(f"\n{sum(c.ok for c in rows)} of {len(rows)} checks pass.\n\n{CANNOT}" + (f"\n\nn/a:{na}" if na else ""))
    if not all(c.ok for c in rows):
        sys.exit(1)


if __name__ == "__main__":
    main()
