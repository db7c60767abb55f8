"The labeler in a real JupyterLab, driven by Playwright in Chromium: what users run. Screenshots go to test-artifacts/."

import shutil
from pathlib import Path
import nbformat, numpy as np
import fastcore.test as ft
from dlcnb.core import example_project, create_project, read_config, write_config
from dlcnb.io import labels_path
from _wait import wait_for_labels

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"  # kept by CI; ignored by git


def run_notebook(page, lab, name: str, source: str):
    "Write a one-cell notebook, open it in JupyterLab, run it and wait for the labeler to draw its first frame."
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(source)])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(nb, lab.root / name)
    page.goto(f"{lab.url}/lab/tree/{name}?reset&token={lab.token}")
    page.wait_for_selector(".jp-NotebookPanel .jp-Cell", timeout=60_000)
    page.locator("#jp-main-statusbar").get_by_text("| Idle").wait_for(timeout=60_000)
    rerun(page)
    return page.locator(".dlcnb-labeler canvas")


def rerun(page):
    page.evaluate("window.jupyterapp.commands.execute('notebook:run-all-cells')")
    page.wait_for_selector(".dlcnb-labeler[data-ready='1']", timeout=60_000)


class Canvas:
    """Mouse actions at whole page pixels (as real mice give), returning the CSS offsets from the canvas' corner they
    hit."""

    def __init__(self, page, locator):
        self.page, self.locator, self.box = page, locator, locator.bounding_box()

    def _at(self, x, y):
        ft.test_eq(self.locator.bounding_box(), self.box)  # the canvas never moves under the mouse (saves, messages)
        X, Y = round(self.box["x"] + x), round(self.box["y"] + y)
        return X, Y, (X - self.box["x"], Y - self.box["y"])

    def click(self, x, y, button="left"):
        X, Y, offset = self._at(x, y)
        self.page.mouse.click(X, Y, button=button)
        return offset

    def drag(self, start, end):
        X0, Y0, _ = self._at(*start)
        X1, Y1, offset = self._at(*end)
        self.page.mouse.move(X0, Y0)
        self.page.mouse.down()
        self.page.mouse.move(X1, Y1, steps=5)
        self.page.mouse.up()
        return offset

    def wheel(self, x, y, dy):
        X, Y, offset = self._at(x, y)
        self.page.mouse.move(X, Y)
        self.page.mouse.wheel(0, dy)
        return offset


def screenshot(page, name):
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / name))


def test_label_two_frames_scaled(page, lab):
    "Three bodyparts on two frames shown at 0.75 CSS px per image px; one dragged, one deleted; exact pixels on disk."
    config = example_project(lab.root / "single", n_frames=2)
    for f in config.parent.glob("labeled-data/m4s1/CollectedData_*"):
        f.unlink()
    cfg = read_config(config)
    cfg["skeleton"] = [["snout", "leftear"], ["snout", "rightear"], ["leftear", "rightear"]]
    write_config(cfg, cfg)  # so the screenshot shows the skeleton too
    canvas = run_notebook(
        page,
        lab,
        "label_single.ipynb",
        f"from dlcnb.labeling import label_frames\nw = label_frames(r'{config}', 'm4s1', display_width=480)\nw",
    )
    ft.test_eq(canvas.bounding_box()["width"], 480)  # 640 px frames, scaled
    c = Canvas(page, canvas)
    img = lambda off: [v * 640 / 480 - 0.5 for v in off]  # image pixels under CSS offsets (pixel centres on integers)
    snout, _, _ = [c.click(*xy) for xy in [(90, 60), (120, 75), (150, 90)]]  # snout, leftear, rightear
    leftear = c.drag((120, 75), (135, 100))
    c.click(150, 90, button="right")  # rightear removed
    removed = ".dlcnb-bp[data-bodypart='rightear'] .dlcnb-done:empty"  # no tick: the browser shows the removal
    page.wait_for_selector(removed, state="attached")
    page.keyboard.press("ArrowRight")  # next frame; saves frame 0
    page.wait_for_selector(".dlcnb-labeler[data-frame='1'][data-ready='1']")
    second = [c.click(*xy) for xy in [(200, 150), (230, 160), (260, 170)]]
    page.click(".dlcnb-labeler .dlcnb-save")
    nan = np.nan
    want = np.array(
        [
            [*img(snout), *img(leftear), nan, nan, nan, nan],
            [*img(second[0]), *img(second[1]), *img(second[2]), nan, nan],
        ]
    )
    h5 = labels_path(read_config(config), "m4s1")
    df = wait_for_labels(h5, lambda d: len(d) == 2 and d.iloc[1].notna().sum() == 6)
    ft.test_eq([k[2] for k in df.index], ["img0000.png", "img0001.png"])
    np.testing.assert_array_equal(np.isnan(df.to_numpy()), np.isnan(want))
    np.testing.assert_allclose(df.to_numpy()[~np.isnan(want)], want[~np.isnan(want)], atol=0.5)
    ft.test_eq(h5.with_suffix(".csv").exists(), True)
    screenshot(page, "labeling-jupyterlab-single.png")


def test_multianimal_zoom_and_reopen(page, lab):
    "Two individuals, labeled while zoomed in; saved with the S key; reopening shows the labels again."
    cfg = read_config(
        create_project("mice", "ann", working_directory=lab.root / "multi", multianimal=True, individuals=["m1", "m2"])
    )
    folder = Path(cfg["project_path"]) / "labeled-data" / "cage"
    folder.mkdir()
    shutil.copy(example_project(lab.root / "frames", n_frames=1).parent / "labeled-data/m4s1/img0000.png", folder)
    canvas = run_notebook(
        page,
        lab,
        "label_multi.ipynb",
        f"from dlcnb.labeling import label_frames\nw = label_frames(r'{cfg['project_path']}', display_width=400)\nw",
    )
    c = Canvas(page, canvas)
    centre = c.wheel(200, 150, -100)
    page.wait_for_selector(".dlcnb-labeler[data-zoom='1.25']")
    c.click(200, 150)  # m1 bodypart1, under the zoom centre
    page.select_option(".dlcnb-labeler .dlcnb-individual", label="m2")
    c.click(240, 150)  # m2 bodypart1, 40 CSS px right at 0.625 * 1.25 CSS px per image px
    screenshot(page, "labeling-jupyterlab-multi.png")
    page.keyboard.press("s")  # the widget has the keyboard since the click
    h5 = labels_path(cfg, "cage")
    df = wait_for_labels(h5, lambda d: d.notna().to_numpy().sum() == 4)
    row = df.loc[("labeled-data", "cage", "img0000.png")]
    m1 = [v / 0.625 - 0.5 for v in centre]
    np.testing.assert_allclose(row[("ann", "m1", "bodypart1")].to_numpy(), m1, atol=0.5)
    np.testing.assert_allclose(row[("ann", "m2", "bodypart1")].to_numpy(), [m1[0] + 40 / 0.78125, m1[1]], atol=0.5)
    rerun(page)  # a new widget on the same project
    page.wait_for_selector(".dlcnb-labeler[data-ready='1'][data-npoints='2']")
