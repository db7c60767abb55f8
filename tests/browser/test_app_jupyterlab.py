"The notebook app in a real JupyterLab, by clicks (and typing in its forms) only: bundled example to labeled video."

import time
from pathlib import Path
import nbformat
import fastcore.test as ft
from dlcnb.core import read_config
from dlcnb.io import labels_path
from _wait import wait_for_labels

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"  # kept by CI; ignored by git
TIMEOUT = 600_000  # ms for one job on a busy 2-core machine (training, analysis)


def shot(page, name):
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"app-{name}.png"), full_page=True)


def tab(page, title):
    page.locator(".dlcnb-app").get_by_role("tab", name=title, exact=True).click()
    return page.locator(".dlcnb-panel:visible")


def run_job(page, panel, button):
    "Click a tab's button and wait until its job is done; fail with the tab's error text."
    panel.locator(f"button:has-text('{button}')").first.click()
    status = panel.locator(".dlcnb-status[data-state='done'], .dlcnb-status[data-state='error']")
    status.first.wait_for(timeout=TIMEOUT)
    err = panel.locator(".dlcnb-error")
    assert err.count() == 0, err.first.inner_text()


def field(panel, label):
    box = panel.locator(".widget-inline-hbox", has=panel.page.locator("label", has_text=label))
    return box.locator("input, select, textarea").first


def test_app_click_through(page, lab):
    try:
        click_through(page, lab)
    except Exception:
        shot(page, "failed")  # what the app showed when the scenario broke
        raise


def click_through(page, lab):
    t0 = time.time()
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("import dlcnb as dlc\ndlc.app()")])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(nb, lab.root / "app.ipynb")
    page.goto(f"{lab.url}/lab/tree/app.ipynb?reset&token={lab.token}")
    page.wait_for_selector(".jp-NotebookPanel .jp-Cell", timeout=60_000)
    page.locator("#jp-main-statusbar").get_by_text("| Idle").wait_for(timeout=60_000)
    page.evaluate("window.jupyterapp.commands.execute('notebook:run-all-cells')")
    page.wait_for_selector(".dlcnb-app", timeout=180_000)
    # Project: the bundled example, in the notebook's folder
    p = tab(page, "Project")
    run_job(page, p, "Bundled example")
    page.locator(".dlcnb-app", has_text="openfield").wait_for()
    config = lab.root / "openfield-Pranav-2018-10-30" / "config.yaml"
    assert config.exists()
    shot(page, "01-project")
    # Extract frames: 4 frames, uniformly over the video
    p = tab(page, "Extract frames")
    field(p, "Algorithm").select_option("uniform")
    field(p, "Frames per video").fill("4")
    run_job(page, p, "Extract frames")
    p.locator(".widget-image").nth(3).wait_for()
    shot(page, "02-extract")
    # Label: two frames of the new folder, four bodyparts on the first, two on the second, saved
    p = tab(page, "Label")
    p.locator("button:has-text('Refresh')").click()
    field(p, "Folder").select_option("m3v1mp4")
    run_job(page, p, "Open labeler")
    page.wait_for_selector(".dlcnb-labeler[data-ready='1']", timeout=60_000)
    canvas = p.locator(".dlcnb-labeler canvas")
    for xy in [(300, 200), (320, 190), (320, 215), (200, 210)]:
        canvas.click(position=dict(zip("xy", xy)))
    page.keyboard.press("ArrowRight")
    page.wait_for_selector(".dlcnb-labeler[data-frame='1'][data-ready='1']")
    for xy in [(310, 205), (330, 195)]:
        canvas.click(position=dict(zip("xy", xy)))
    p.locator(".dlcnb-labeler .dlcnb-save").click()
    df = wait_for_labels(labels_path(read_config(config), "m3v1mp4"), lambda d: d.notna().to_numpy().sum() == 12)
    ft.test_eq(df.notna().sum(axis=1).tolist()[:2], [8, 4])
    shot(page, "03-label")
    # Check labels
    p = tab(page, "Check labels")
    run_job(page, p, "Check labels")
    p.locator(".js-plotly-plot .main-svg").first.wait_for(timeout=60_000)
    shot(page, "04-check")
    # Training set, then one tiny epoch
    p = tab(page, "Training set")
    run_job(page, p, "Create training dataset")
    p = tab(page, "Train")
    field(p, "Epochs").fill("1")
    run_job(page, p, "Train")
    p.locator(".dlcnb-epoch[data-epoch='1']").wait_for()
    assert p.locator("svg.dlcnb-plot polyline").count() >= 2
    shot(page, "05-train")
    # Evaluate, and one image's labels vs predictions
    p = tab(page, "Evaluate")
    run_job(page, p, "Evaluate")
    assert "test rmse" in p.locator(".dlcnb-table").inner_text()
    field(p, "Image").select_option(index=1)
    p.locator(".js-plotly-plot .main-svg").first.wait_for(timeout=60_000)
    shot(page, "06-evaluate")
    # Analyze the first 100 frames of the video
    p = tab(page, "Analyze videos")
    field(p, "Videos").select_option(str(config.parent / "videos" / "m3v1mp4.mp4"))
    field(p, "First frames only").fill("100")
    run_job(page, p, "Analyze")
    p.get_by_text("done: m3v1mp4_first100.avi").wait_for()
    shot(page, "07-analyze")
    clip = str(config.parent / "videos" / "m3v1mp4_first100.avi")
    # Filter & plot
    p = tab(page, "Filter & plot")
    field(p, "Video").select_option(clip)
    run_job(page, p, "Filter")
    p.locator(".js-plotly-plot .main-svg").nth(1).wait_for(timeout=60_000)
    shot(page, "08-filter")
    # Labeled video, previewed
    p = tab(page, "Labeled video")
    field(p, "Video").select_option(clip)
    run_job(page, p, "Create video")
    p.locator("img.dlcnb-preview, .dlcnb-preview").first.wait_for()
    assert list((config.parent / "videos").glob("*_labeled.mp4"))
    shot(page, "09-labeled-video")
    for t in ["Refine", "3D", "Tracking"]:
        tab(page, t)
        shot(page, f"10-{t.lower()}")
    print(f"click-through took {time.time() - t0:.0f} s")
