"""Make (or reuse) the virtual environment of a peer package, and print its Python.

Peer packages (DeepLabCut 3, movement, aniposelib) cannot share dlcnb's environment (DeepLabCut 3 needs numpy < 2,
movement 0.17 needs Python >= 3.12), so interop tests and benchmarks run them in their own environments, made here
from the package registry only and cached:

    python tools/peer_env.py dlc3          # prints the path of that environment's python
    python tools/peer_env.py --list        # the environments this script knows

Environments live under `$DLCNB_PEER_ENVS` (default `~/.cache/dlcnb/peer-envs`), one folder each, and are rebuilt
only when their recipe changes (a stamp file holds the recipe). Interpreters other than the running one are found on
PATH (`python3.12`) or through pyenv. torch is never downloaded: the environments that need it see this machine's
torch through `--system-site-packages` and pip's constraints.
"""

from __future__ import annotations
import argparse, json, os, shutil, subprocess, sys
from pathlib import Path

# name: (python version, system site-packages?, pip requirements)
RECIPES = {
    "dlc3": ("3.11", True, ["deeplabcut==3.0.2", "numpy<2"]),
    "movement015": ("3.11", False, ["movement==0.15.*"]),
    "movement017": ("3.12", False, ["movement==0.17.*"]),
    "anipose": ("3.11", True, ["aniposelib==0.8.0"]),
    "eks": ("3.11", False, ["ensemble-kalman-smoother==4.6.2"]),  # Lightning Pose's EKS (jax), for test_eks.py
    # not a peer: a user's environment holding another torch (2.13.0, CPU build), for tests/test_install.py
    "torch213": ("3.11", True, ["torch==2.13.0", "torchvision==0.28.0"]),
}


def envs_root() -> Path:
    "Where the peer environments are cached."
    return Path(os.environ.get("DLCNB_PEER_ENVS", Path.home() / ".cache" / "dlcnb" / "peer-envs")).expanduser()


def find_python(version: str) -> str:
    "An interpreter for Python `version` (`3.12`): the running one, one on PATH, or pyenv's."
    if f"{sys.version_info.major}.{sys.version_info.minor}" == version:
        return sys.executable
    for candidate in (shutil.which(f"python{version}"),):
        if candidate and subprocess.run([candidate, "--version"], capture_output=True).returncode == 0:
            return candidate
    pyenv = shutil.which("pyenv")
    if pyenv:
        root = Path(subprocess.run([pyenv, "root"], capture_output=True, text=True).stdout.strip())
        found = sorted((root / "versions").glob(f"{version}.*/bin/python{version}"))
        if found:
            return str(found[-1])
    sys.exit(f"peer_env: no Python {version} found (on PATH or through pyenv); install it to make this environment.")


def ensure_env(name: str) -> Path:
    "Create the environment `name` unless a matching one is cached; return its python."
    version, system_site, reqs = RECIPES[name]
    env = envs_root() / name
    python = env / "bin" / "python"
    recipe = json.dumps([version, system_site, reqs])
    stamp = env / "dlcnb-recipe.json"
    if python.exists() and stamp.exists() and stamp.read_text() == recipe:
        return python
    if env.exists():
        shutil.rmtree(env)
    env.parent.mkdir(parents=True, exist_ok=True)
    cmd = [find_python(version), "-m", "venv", str(env)] + (["--system-site-packages"] if system_site else [])
    subprocess.run(cmd, check=True)
    pip = [str(python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check"]
    subprocess.run(pip + ["--upgrade", "pip"], check=True)
    subprocess.run(pip + reqs, check=True)
    stamp.write_text(recipe)
    return python


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("name", nargs="?", choices=sorted(RECIPES))
    parser.add_argument("--list", action="store_true", help="list the known environments and their recipes")
    args = parser.parse_args(argv)
    if args.list or not args.name:
        for name, (version, system_site, reqs) in RECIPES.items():
            print(f"{name}: Python {version}, {'system' if system_site else 'own'} site-packages, {' '.join(reqs)}")
        return
    print(ensure_env(args.name))


if __name__ == "__main__":
    main()
