"Helpers shared by the JupyterLab browser tests."

import time
from pathlib import Path
from dlcnb.core import DLCNBError
from dlcnb.io import read_labels


def wait_for_labels(h5: Path, done, timeout: float = 20):
    "Poll the labels file the kernel writes until `done(df)`; return the table."
    df, deadline = None, time.time() + timeout
    while time.time() < deadline:
        if h5.exists():
            try:
                df = read_labels(h5)
            except DLCNBError:
                pass
            if df is not None and done(df):
                return df
        time.sleep(0.2)
    raise AssertionError(f"{h5} never got the expected labels; last read:\n{df}")
