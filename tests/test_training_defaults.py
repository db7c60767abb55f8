"Training's data-derived settings and its handling of bad labels, on synthetic projects (no training)."

import warnings
import numpy as np, cv2, pytest
import fastcore.test as ft
from hypothesis import given, settings, strategies as st, HealthCheck
from dlcnb.core import DLCNBError, read_config
from dlcnb.io import load_labels, write_labels, labels_path
from dlcnb.data import (
    create_training_dataset,
    training_settings,
    settings_dict,
    label_geometry,
    TrainingDataWarning,
    INPUT_AREA,
)
from dlcnb.synthetic import synthetic_project
from dlcnb.training import train_network


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    H=st.integers(120, 720),
    aspect=st.floats(1.0, 1.8),
    size=st.floats(0.1, 0.8),
    spread=st.floats(0.2, 1.0),
    seed=st.integers(0, 99),
)
def test_crop_holds_the_animal(tmp_path_factory, H, aspect, size, spread, seed):
    W = int(H * aspect)
    config = synthetic_project(
        tmp_path_factory.mktemp("s"), n_frames=10, frame_size=(H, W), animal_size=size * H, spread=spread, seed=seed
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", TrainingDataWarning)
        s = settings_dict(training_settings(config))
    ft.test_eq(0 < s["scale"] <= 1, True)
    ft.test_eq(round(H * s["scale"]) * round(W * s["scale"]) <= INPUT_AREA * 1.02 or s["scale"] == 1, True)
    if s["crop"] is None:
        return
    labels = load_labels(config)
    reach = label_geometry(labels, [(H, W)] * len(labels)).reach
    half = s["crop"][0] / 2 * 0.8 / 1.2  # what the crop holds around the animal's centre after zoom and shift
    ft.test_eq((reach * s["scale"] <= half).mean() >= 0.95, True)
    ft.test_eq(s["crop"][0] % 32, 0)


def test_all_nan_project_is_an_error_not_a_zero_loss(tmp_path):
    config = synthetic_project(tmp_path, n_frames=8, frame_size=(96, 128), animal_size=40)
    labels = load_labels(config) * np.nan
    write_labels(labels, labels_path(read_config(config), "synth"))
    create_training_dataset(config)
    with pytest.raises(DLCNBError, match="No keypoint is labelled in the training images of shuffle 1"):
        train_network(config, epochs=1)


def test_bad_frames_are_named(tmp_path):
    config = synthetic_project(tmp_path, n_frames=8, frame_size=(96, 128), animal_size=40, visibility=[1, 1, 0, 1])
    cfg = read_config(config)
    labels = load_labels(config)
    labels.iloc[2] = np.nan
    write_labels(labels, labels_path(cfg, "synth"))
    odd = cfg["project_path"] + "/labeled-data/synth/img005.png"
    cv2.imwrite(odd, cv2.resize(cv2.imread(odd), (160, 120)))
    create_training_dataset(config, train_fraction=1.0)
    cfg["TrainingFraction"] = [1.0]
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        train_network(cfg, epochs=0)
    said = " ".join(str(w.message) for w in caught if issubclass(w.category, TrainingDataWarning))
    for text in [
        "1 frames of the training images of shuffle 1 have no labels: labeled-data/synth/img002.png",
        "never labelled in the training images of shuffle 1: ['bp3']",
        "differ in size",
        "img005.png",
    ]:
        ft.test_eq(text in said, True)
