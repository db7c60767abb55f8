"The labeler's ES module in Chromium without a server: a fake anywidget model wired to the real Python widget."

import base64
from pathlib import Path
import pytest
import fastcore.test as ft
from dlcnb.core import example_project, read_config, create_project
from dlcnb.io import read_labels, labels_path
from dlcnb.labeling import label_frames
from _recorder import Recorder

HTML = "<!doctype html><html><body style='margin:0'><div id='host' style='padding:20px'></div></body></html>"

HARNESS = """async ({esm, state}) => {
  const decode = s => { const b = Uint8Array.from(atob(s), c => c.charCodeAt(0)); return new DataView(b.buffer); };
  const data = {...state, image: decode(state.image)}, handlers = {};
  let pending = {};
  const apply = changes => {
    for (const [k, v] of Object.entries(changes)) data[k] = k === "image" ? decode(v) : v;
    for (const k of Object.keys(changes)) (handlers["change:" + k] || []).forEach(f => f());
  };
  const model = {
    get: k => data[k],
    set: (k, v) => { data[k] = v; pending[k] = v; },
    save_changes: () => { const s = pending; pending = {}; window.py_sync(s).then(apply); },
    send: msg => { window.py_msg(msg).then(apply); },
    on: (ev, f) => { (handlers[ev] = handlers[ev] || []).push(f); },
    off: (ev, f) => { handlers[ev] = (handlers[ev] || []).filter(g => g !== f); },
  };
  const url = URL.createObjectURL(new Blob([esm], {type: "text/javascript"}));
  const mod = await import(url);
  mod.default.render({model, el: document.getElementById("host")});
}"""


class Bridge:
    "Carries the page's model changes and messages to the Python widget and its replies back."

    def __init__(self, page, w):
        self.w, w.comm = w, Recorder()
        page.expose_function("py_sync", self.sync)
        page.expose_function("py_msg", self.msg)

    def _replies(self):
        out = {}
        for data, buffers in self.w.comm.sent:
            if data.get("method") != "update":
                continue  # echo_update: the browser already has it
            state = dict(data["state"])
            for path, buf in zip(data.get("buffer_paths", []), buffers or []):
                state[path[0]] = base64.b64encode(bytes(buf)).decode()
            out.update(state)
        self.w.comm.sent.clear()
        return out

    def sync(self, state):
        self.w._handle_msg(
            {"content": {"data": {"method": "update", "state": state, "buffer_paths": []}}, "buffers": []}
        )
        return self._replies()

    def msg(self, content):
        self.w._handle_msg({"content": {"data": {"method": "custom", "content": content}}, "buffers": []})
        return self._replies()


def mount(page, w):
    "Render widget `w` in `page`; return the canvas locator once the first frame is drawn."
    Bridge(page, w)
    page.route("http://dlcnb.test/**", lambda route: route.fulfill(body=HTML, content_type="text/html"))
    page.goto("http://dlcnb.test/")
    state = {k: v for k, v in w.get_state().items() if not k.startswith("_")}
    state["image"] = base64.b64encode(w.image).decode()
    page.evaluate(HARNESS, {"esm": w._esm, "state": state})
    page.wait_for_selector(".dlcnb-labeler[data-ready='1']")
    return page.locator(".dlcnb-labeler canvas")


@pytest.fixture(scope="module")
def template(tmp_path_factory):
    "A 3-frame openfield project (640x480 frames) without labels, copied for each test."
    cfg = example_project(tmp_path_factory.mktemp("template"), n_frames=3)
    for f in cfg.parent.glob("labeled-data/m4s1/CollectedData_*"):
        f.unlink()
    return cfg.parent


@pytest.fixture
def project(template, tmp_path):
    import shutil

    return shutil.copytree(template, tmp_path / template.name) / "config.yaml"


def synced(page, w):
    "The widget's points once the page's pending messages have reached Python (a round trip flushes them)."
    page.evaluate("() => new Promise(r => setTimeout(r, 0))")
    return w.points


def img(css, scale=0.5):
    return css / scale - 0.5  # image pixel under a CSS position, pixel centres on integers


def test_click_drag_remove_undo(page, project):
    w = label_frames(project, display_width=320)  # 640 px frames shown at half size
    canvas = mount(page, w)
    ft.test_eq(canvas.bounding_box()["width"], 320)
    canvas.click(position={"x": 100, "y": 50})
    canvas.click(position={"x": 150, "y": 60})
    ft.test_eq(synced(page, w), [["", "snout", img(100), img(50)], ["", "leftear", img(150), img(60)]])
    ft.test_eq(page.get_attribute(".dlcnb-labeler", "data-bodypart"), "rightear")  # moved on to the next bodypart
    box = canvas.bounding_box()
    page.mouse.move(box["x"] + 150, box["y"] + 60)
    page.mouse.down()
    page.mouse.move(box["x"] + 170, box["y"] + 80, steps=4)
    page.mouse.up()
    ft.test_eq(synced(page, w)[1], ["", "leftear", img(170), img(80)])
    canvas.click(button="right", position={"x": 100, "y": 50})
    ft.test_eq([p[1] for p in synced(page, w)], ["leftear"])
    page.keyboard.press("Control+z")
    ft.test_eq([p[1] for p in synced(page, w)], ["snout", "leftear"])  # back as before the removal
    page.keyboard.press("Delete")  # the current bodypart (leftear, picked by the drag)
    ft.test_eq(synced(page, w), [["", "snout", img(100), img(50)]])


def test_keys_change_frame_and_bodypart_and_save(page, project):
    w = label_frames(project, display_width=320)
    canvas = mount(page, w)
    canvas.click(position={"x": 40, "y": 30})
    page.keyboard.press("ArrowUp")
    ft.test_eq(page.get_attribute(".dlcnb-labeler", "data-bodypart"), "snout")
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowDown")
    ft.test_eq(page.get_attribute(".dlcnb-labeler", "data-bodypart"), "rightear")
    page.keyboard.press("ArrowRight")
    page.wait_for_selector(".dlcnb-labeler[data-frame='1'][data-ready='1']")
    ft.test_eq(w.frame_index, 1)
    h5 = labels_path(read_config(project), "m4s1")
    ft.test_eq(read_labels(h5).iloc[0, :2].tolist(), [img(40), img(30)])  # saved on the frame change
    ft.test_eq(page.get_attribute(".dlcnb-labeler", "data-npoints"), "0")
    page.keyboard.press("ArrowLeft")
    page.wait_for_selector(".dlcnb-labeler[data-frame='0'][data-ready='1']")
    ft.test_eq(page.get_attribute(".dlcnb-labeler", "data-npoints"), "1")  # its label is shown again
    canvas.click(position={"x": 60, "y": 30})  # a frame opens on its first unlabeled bodypart: leftear
    page.click(".dlcnb-save")
    page.wait_for_function("document.querySelector('.dlcnb-status').textContent.startsWith('saved')")
    ft.test_eq(read_labels(h5).iloc[0, 2:4].tolist(), [img(60), img(30)])


def test_zoom_keeps_image_coordinates(page, project):
    w = label_frames(project, display_width=320)
    canvas = mount(page, w)
    box = canvas.bounding_box()
    page.mouse.move(box["x"] + 160, box["y"] + 120)
    page.mouse.wheel(0, -100)
    page.wait_for_selector(".dlcnb-labeler[data-zoom='1.25']")
    canvas.click(position={"x": 160, "y": 120})  # the point under the cursor stays put when zooming
    canvas.click(position={"x": 185, "y": 120})  # 25 CSS px right at 0.625 CSS px per image px
    ft.test_eq(synced(page, w), [["", "snout", img(160), img(120)], ["", "leftear", img(160) + 40, img(120)]])
    page.keyboard.down("Shift")  # shift-drag pans the image 40 CSS px to the left
    page.mouse.move(box["x"] + 200, box["y"] + 200)
    page.mouse.down()
    page.mouse.move(box["x"] + 160, box["y"] + 200, steps=4)
    page.mouse.up()
    page.keyboard.up("Shift")
    ft.test_eq(len(synced(page, w)), 2)  # panning places nothing
    canvas.click(position={"x": 160, "y": 120})
    ft.test_eq(synced(page, w)[2], ["", "rightear", img(160) + 64, img(120)])
    page.keyboard.press("0")
    ft.test_eq(page.get_attribute(".dlcnb-labeler", "data-zoom"), "1")
    canvas.click(position={"x": 100, "y": 100})
    ft.test_eq(synced(page, w)[3], ["", "tailbase", img(100), img(100)])


def test_multianimal_choose_individual(page, tmp_path, project):
    cfg = read_config(
        create_project("mice", "ann", working_directory=tmp_path / "ma", multianimal=True, individuals=["m1", "m2"])
    )
    folder = Path(cfg["project_path"]) / "labeled-data/cage"
    folder.mkdir()
    (folder / "a.png").write_bytes((project.parent / "labeled-data/m4s1/img0000.png").read_bytes())
    w = label_frames(cfg, display_width=320)
    canvas = mount(page, w)
    canvas.click(position={"x": 10, "y": 10})
    page.select_option(".dlcnb-individual", label="m2")
    canvas.click(position={"x": 200, "y": 10})
    canvas.click(position={"x": 220, "y": 10})
    ft.test_eq(
        synced(page, w),
        [
            ["m1", "bodypart1", img(10), img(10)],
            ["m2", "bodypart1", img(200), img(10)],
            ["m2", "bodypart2", img(220), img(10)],
        ],
    )
    canvas.click(position={"x": 300, "y": 10})
    page.keyboard.press("i")  # cycles through the individuals
    ft.test_eq(page.get_attribute(".dlcnb-labeler", "data-individual"), "m1")


def test_refine_predictions_on_a_high_dpi_screen(browser, project):
    "Drag a predicted point in `refine_labels` on a 2x screen; the correction lands in MachineLabelsRefine.h5."
    import pandas as pd
    from dlcnb.io import write_table, label_columns
    from dlcnb.label_checks import refine_labels

    cfg = read_config(project)
    pred = pd.DataFrame(
        0.9,
        index=pd.MultiIndex.from_tuples([("labeled-data", "m4s1", "img0001.png")]),
        columns=label_columns({**cfg, "scorer": "DLC_net"}, ("x", "y", "likelihood")),
    )
    pred.loc[:, pd.IndexSlice[:, :, "x"]] = [199.5, 299.5, 399.5, 499.5]
    pred.loc[:, pd.IndexSlice[:, :, "y"]] = 99.5
    write_table(pred, project.parent / "labeled-data/m4s1/machinelabels-iter0.h5")
    ctx = browser.new_context(viewport={"width": 1000, "height": 700}, device_scale_factor=2)
    page = ctx.new_page()
    w = refine_labels(project, display_width=320)
    canvas = mount(page, w)
    ft.test_eq(page.evaluate("document.querySelector('.dlcnb-labeler canvas').width"), 640)  # 2 device px per CSS px
    box = canvas.bounding_box()
    page.mouse.move(box["x"] + 150, box["y"] + 50)
    page.mouse.down()  # leftear, predicted at (299.5, 99.5)
    page.mouse.move(box["x"] + 160, box["y"] + 70, steps=4)
    page.mouse.up()
    page.click(".dlcnb-save")
    page.wait_for_function("document.querySelector('.dlcnb-status').textContent.startsWith('saved')")
    refined = read_labels(project.parent / "labeled-data/m4s1/MachineLabelsRefine.h5")
    ft.test_eq(refined.iloc[0].tolist(), [199.5, 99.5, img(160), img(70), 399.5, 99.5, 499.5, 99.5])
    ctx.close()


def test_edits_are_saved_within_a_second(page, project):
    "No frame change, no S: the edit reaches the file by itself (debounced save), and the state says so."
    w = label_frames(project, display_width=320)
    canvas = mount(page, w)
    h5 = labels_path(read_config(project), "m4s1")
    canvas.click(position={"x": 100, "y": 50})
    page.wait_for_selector(".dlcnb-state[data-state='saved']", timeout=1500)
    ft.test_eq(read_labels(h5).iloc[0, :2].tolist(), [img(100), img(50)])


def test_failed_save_is_shown_and_edits_kept_for_retry(page, project, monkeypatch):
    "A full disk: the widget says the save failed and why, stays usable, and a retry (S) writes every edit."
    import errno, pandas as pd

    page.set_viewport_size({"width": 640, "height": 700})  # a narrow notebook: long messages wrap
    w = label_frames(project, display_width=320)
    canvas = mount(page, w)

    def full(*args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(pd.DataFrame, "to_hdf", full)
    box = canvas.bounding_box()
    canvas.click(position={"x": 100, "y": 50})
    page.wait_for_selector(".dlcnb-state[data-state='failed']", timeout=3000)
    assert "No space left on device" in page.text_content(".dlcnb-status")
    ft.test_eq(canvas.bounding_box(), box)  # a long message does not move the image under the user's mouse
    ft.test_eq(page.text_content(".dlcnb-state"), "failed")
    canvas.click(position={"x": 150, "y": 60})  # still usable
    ft.test_eq(len(synced(page, w)), 2)
    h5 = labels_path(read_config(project), "m4s1")
    ft.test_eq(h5.exists(), False)
    monkeypatch.undo()
    page.keyboard.press("s")
    page.wait_for_selector(".dlcnb-state[data-state='saved']", timeout=3000)
    ft.test_eq(read_labels(h5).iloc[0, :4].tolist(), [img(100), img(50), img(150), img(60)])
