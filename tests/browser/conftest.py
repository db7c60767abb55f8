"""Browser fixtures: Debian's Chromium driven by Playwright, and a throw-away JupyterLab server (see README's test
set-up)."""

import json, os, secrets, socket, subprocess, sys, time, urllib.request
from pathlib import Path
from types import SimpleNamespace
import pytest

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def page(browser):
    ctx = browser.new_context(viewport={"width": 1280, "height": 900}, device_scale_factor=1)
    yield ctx.new_page()
    ctx.close()


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _get(url, timeout=2):
    with urllib.request.urlopen(url, timeout=timeout) as r:
        return json.loads(r.read() or b"null")


@pytest.fixture(scope="session")
def lab(tmp_path_factory):
    "A JupyterLab server on 127.0.0.1 with every Jupyter folder in a temp dir; kernels import dlcnb from this checkout."
    base = tmp_path_factory.mktemp("jupyter")
    root = base / "root"
    root.mkdir()
    dirs = {
        k: base / k.lower()
        for k in (
            "JUPYTER_CONFIG_DIR",
            "JUPYTER_DATA_DIR",
            "JUPYTER_RUNTIME_DIR",
            "JUPYTERLAB_SETTINGS_DIR",
            "JUPYTERLAB_WORKSPACES_DIR",
        )
    }
    news = dirs["JUPYTERLAB_SETTINGS_DIR"] / "@jupyterlab/apputils-extension/notification.jupyterlab-settings"
    news.parent.mkdir(parents=True)
    news.write_text(json.dumps({"fetchNews": "false", "checkForUpdates": False}))
    env = {
        **os.environ,
        **{k: str(v) for k, v in dirs.items()},
        "PYTHONPATH": os.pathsep.join([str(REPO), *filter(None, [os.environ.get("PYTHONPATH")])]),
    }
    port, token = _free_port(), secrets.token_hex(16)
    log = open(base / "jupyterlab.log", "w")
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "jupyterlab",
            "--no-browser",
            "--ServerApp.ip=127.0.0.1",
            f"--ServerApp.port={port}",
            "--ServerApp.port_retries=0",
            f"--IdentityProvider.token={token}",
            f"--ServerApp.root_dir={root}",
            "--ServerApp.allow_root=True",
            "--LabApp.expose_app_in_browser=True",
            "--LabApp.extension_manager=readonly",
        ],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    for _ in range(120):
        try:
            _get(f"{url}/api/status?token={token}")
            break
        except OSError:
            time.sleep(0.5)
        if proc.poll() is not None:
            break
    else:
        proc.kill()
    if proc.poll() is not None:
        pytest.fail(f"JupyterLab did not start; its log:\n{(base / 'jupyterlab.log').read_text()[-3000:]}")
    yield SimpleNamespace(
        url=url, token=token, root=root, runtime=dirs["JUPYTER_RUNTIME_DIR"], log=base / "jupyterlab.log"
    )
    try:
        urllib.request.urlopen(urllib.request.Request(f"{url}/api/shutdown?token={token}", method="POST"), timeout=5)
    except OSError:
        pass
    for stop in (lambda: None, proc.terminate, proc.kill):  # a loaded machine can take long to shut kernels down
        stop()
        try:
            proc.wait(30)
            break
        except subprocess.TimeoutExpired:
            pass
    log.close()
