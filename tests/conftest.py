import os, shutil
from pathlib import Path
import pytest
from dlcnb.core import example_project


@pytest.fixture
def openfield(tmp_path):
    "A fresh copy of the bundled openfield example project; yields its config.yaml path."
    return example_project(tmp_path)


CHROMIUM = os.environ.get("DLCNB_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-quic",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture(scope="session")
def browser():
    "One headless Chromium for the whole run (Debian's `chromium` package; never `playwright install`)."
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        pytest.fail(f"No Chromium at {CHROMIUM}: `apt-get install -y chromium` (or set DLCNB_CHROMIUM to its path).")
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield b
        b.close()
