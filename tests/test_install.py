"Installing dlcnb keeps the user's torch: setup.py asks for ranges, the exact tested versions live in constraints.txt."

import json, subprocess, sys
from pathlib import Path
from packaging.requirements import Requirement
import setuptools  # noqa: F401  (needed by --no-build-isolation below)

ROOT = Path(__file__).resolve().parents[1]


def install_requires():
    from configparser import ConfigParser

    cfg = ConfigParser(delimiters=["="])
    cfg.read(ROOT / "settings.ini")
    return [Requirement(r) for r in cfg["DEFAULT"]["requirements"].split()]


def test_no_exact_pins_for_the_heavy_stack():
    reqs = {r.name: r for r in install_requires()}
    for name in ("torch", "torchvision", "fastai", "fastcore", "numpy", "pandas"):
        assert not any(s.operator == "==" for s in reqs[name].specifier), f"{name} is pinned exactly in settings.ini"
    assert reqs["torch"].specifier.contains("2.13.0+cpu", prereleases=True)
    pinned = (ROOT / "constraints.txt").read_text()
    assert "torch==2.14.1" in pinned and "torchvision==0.29.1" in pinned


def test_pip_install_keeps_another_torch(tmp_path):
    "pip install -e . into an environment that has torch 2.13.0 (CPU build) would install nothing new for torch."
    env_python = (
        subprocess.run(
            [sys.executable, str(ROOT / "tools" / "peer_env.py"), "torch213"],
            check=True,
            capture_output=True,
            text=True,
        )
        .stdout.strip()
        .splitlines()[-1]
    )
    version = subprocess.run(
        [env_python, "-c", "import torch; print(torch.__version__)"], check=True, capture_output=True, text=True
    ).stdout.strip()
    assert version.startswith("2.13.0"), version
    report = tmp_path / "report.json"
    subprocess.run(
        [
            env_python,
            "-m",
            "pip",
            "install",
            "--quiet",
            "--dry-run",
            "--no-build-isolation",
            "--report",
            str(report),
            "-e",
            str(ROOT),
        ],
        check=True,
    )
    installs = {item["metadata"]["name"].lower() for item in json.loads(report.read_text())["install"]}
    assert "torch" not in installs and "torchvision" not in installs, installs
