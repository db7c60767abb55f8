import pytest
from dlcnb.core import example_project


@pytest.fixture
def openfield(tmp_path):
    "A fresh copy of the bundled openfield example project; yields its config.yaml path."
    return example_project(tmp_path)
