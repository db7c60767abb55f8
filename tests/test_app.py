"`import dlcnb as dlc` (lazy, DeepLabCut 3's names) and the notebook app's tabs, clicked from Python (no browser)."

import html, subprocess, sys
from pathlib import Path
import ipywidgets as W
import fastcore.test as ft
import dlcnb as dlc
from dlcnb.gui import App

ROOT = Path(__file__).resolve().parents[1]

# DeepLabCut 3's top-level names (deeplabcut/__init__.py of DeepLabCut 3.0, read from its repository)
DLC3_TOP_LEVEL = """launch_dlc label_frames refine_labels refine_tracklets SkeletonBuilder Engine add_new_videos
create_new_project create_new_project_3d create_pretrained_human_project create_pretrained_project load_demo_data
adddatasetstovideolistandviceversa check_labels comparevideolistsanddatafolders create_multianimaltraining_dataset
create_training_dataset create_training_dataset_from_existing_split create_training_model_comparison
dropannotationfileentriesduetodeletedimages dropduplicatesinannotatinfiles dropimagesduetolackofannotation
dropunlabeledframes extract_frames mergeandsplit video_inference_superanimal analyze_videos_converth5_to_csv
analyze_videos_converth5_to_nwb auxfun_videos auxiliaryfunctions convert2_maDLC convertcsv2h5 create_labeled_video
create_video_with_all_detections plot_trajectories transformer_reID analyze_images analyze_time_lapse_frames
analyze_videos convert_detections2tracklets create_tracking_dataset evaluate_network export_model extract_maps
extract_save_all_maps return_evaluate_network_data return_train_network_path train_network visualize_locrefs
visualize_paf visualize_scoremaps calibrate_cameras check_undistortion create_labeled_video_3d triangulate
analyzeskeleton filterpredictions extract_outlier_frames find_outliers_in_raw_data merge_datasets stitch_tracklets
CropVideo DownSampleVideo ShortenVideo check_video_integrity""".split()


def test_import_is_light():
    "`import dlcnb` imports none of the heavy libraries; the first use of a name imports its module."
    probe = (
        "import sys, dlcnb as dlc; heavy = [m for m in ('torch', 'fastai', 'cv2', 'pandas') if m in sys.modules]; "
        "assert not heavy, heavy; dlc.read_config; assert 'dlcnb.core' in sys.modules; "
        "assert 'torch' not in sys.modules"
    )
    subprocess.run([sys.executable, "-c", probe], cwd=ROOT, check=True)


def test_dlc3_names_we_implement_are_exported():
    "Every DeepLabCut 3 top-level name a dlcnb module defines is in `dlc.__all__`, and so are the issue's names."
    from dlcnb._api import NAMES
    import importlib

    defined = set()
    for m in NAMES:
        try:
            defined |= set(getattr(importlib.import_module(f"dlcnb.{m}"), "__all__", []))
        except ModuleNotFoundError:
            pass
    implemented = [n for n in DLC3_TOP_LEVEL if n in defined]
    ft.test_eq([n for n in implemented if n not in dlc.__all__], [])
    issue = (
        "create_new_project add_new_videos load_demo_data extract_frames label_frames check_labels "
        "create_training_dataset train_network evaluate_network analyze_videos filterpredictions "
        "create_labeled_video plot_trajectories "
        "extract_outlier_frames refine_labels merge_datasets create_new_project_3d calibrate_cameras triangulate "
        "convert_detections2tracklets stitch_tracklets launch_dlc analyze_images export_model check_undistortion "
        "refine_tracklets"
    ).split()
    ft.test_eq([n for n in issue if n not in dlc.__all__ or n not in DLC3_TOP_LEVEL], [])


def test_every_name_resolves():
    for name in dlc.__all__:
        assert callable(getattr(dlc, name)), name
    ft.test_fail(lambda: dlc.not_a_function, contains="dlcnb.__all__")


def test_nbdev_export_keeps_init():
    "nbdev_export rewrites only the version line of __init__.py: the namespace import stays."
    assert "from ._api import __getattr__, __dir__, __all__" in (ROOT / "dlcnb" / "__init__.py").read_text()


def buttons(w):
    if isinstance(w, W.Button):
        yield w
    for c in getattr(w, "children", ()):
        yield from buttons(c)


def click(app, tab, text):
    panel = app.panel(tab)
    next(b for b in buttons(panel.form) if b.description == text).click()
    assert not panel.error.value, html.unescape(panel.error.value)
    return panel


def field(app, tab, description):
    return next(w for w in app.panel(tab).form.children if getattr(w, "description", None) == description)


def test_tabs_train_to_labeled_video(openfield):
    "Training set → one epoch → evaluate → analyse a 100-frame clip → filter → labeled video → outliers → refine."
    a = App(openfield, background=False)
    click(a, "Training set", "Create training dataset")
    field(a, "Train", "Epochs (0: auto)").value = 1
    tr = click(a, "Train", "Train")
    assert "data-epoch='1'" in tr.results.children[0].value and "<polyline" in tr.results.children[1].children[0].value
    assert "learn = dlc.train_network(config, shuffle=1, epochs=1, " in html.unescape(tr.call.value)
    ev = click(a, "Evaluate", "Evaluate")
    assert "test rmse" in ev.results.children[0].value
    image = ev.results.children[1]
    image.value = image.options[0][1]
    ft.test_eq(type(ev.shown.children[0]).__name__, "FigureWidget")  # labels vs predictions of one image
    video = str(openfield.parent / "videos" / "m3v1mp4.mp4")
    field(a, "Analyze videos", "Videos").value = (video,)
    field(a, "Analyze videos", "First frames only").value = 100
    an = click(a, "Analyze videos", "Analyze")
    assert "done: m3v1mp4_first100.avi" in an.results.children[0].value
    clip = str(openfield.parent / "videos" / "m3v1mp4_first100.avi")
    field(a, "Filter & plot", "Video").value = clip
    ft.test_eq(len(click(a, "Filter & plot", "Filter").shown.children), 2)  # raw vs filtered, trajectories
    field(a, "Labeled video", "Video").value = clip
    lv = click(a, "Labeled video", "Create video")
    ft.test_eq(len(list((openfield.parent / "videos").glob("*_labeled.mp4"))), 1)
    ft.test_eq(lv.results.children[0].children[1].value[:2], b"\xff\xd8")  # the preview shows JPEG frames
    field(a, "Refine", "Video").value, field(a, "Refine", "Frames").value = clip, 3
    click(a, "Refine", "Extract outliers")
    ft.test_eq(type(click(a, "Refine", "Refine labels").results.children[0]).__name__, "Labeler")
    code = a.log.value
    for name in [
        "create_training_dataset",
        "train_network",
        "evaluate_network",
        "short_clip",
        "analyze_videos",
        "filterpredictions",
        "create_labeled_video",
        "extract_outlier_frames",
        "refine_labels",
    ]:
        assert f"dlc.{name}(" in code, name


def test_background_job_and_errors(openfield):
    "Jobs run in a thread; a job's DLCNBError shows in its tab as is."
    a = App(openfield)
    field(a, "Filter & plot", "Video").value = str(openfield.parent / "videos" / "m3v1mp4.mp4")
    next(b for b in buttons(a.panel("Filter & plot").form) if b.description == "Filter").click()
    a.wait(60)
    err = html.unescape(a.panel("Filter & plot").error.value)
    assert "No predictions for m3v1mp4.mp4" in err and "Analyze the video first" in err and "traceback" not in err
    assert "data-state='error'" in a.panel("Filter & plot").status.value
    assert not a.job.is_alive()
