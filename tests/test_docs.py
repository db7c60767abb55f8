"""The docs, proven offline: README in sync, small notebooks with fresh outputs, clean nbdev doc processing, pages that
render with figures and tables."""

import ast, json, re, shutil, subprocess, sys, tempfile
from pathlib import Path
import fastcore.test as ft
import pytest
from dlcnb.docs import SHOWN, check_notebook_sizes, check_outputs, execute_notebook, readme_text, render_html

ROOT = Path(__file__).resolve().parents[1]
NBS = ROOT / "nbs"
sys.path.insert(0, str(ROOT / "tools"))
from notebook_outputs import _decode, figure_html, merge_streams, shrink_figure, shrink_output, stable_text  # noqa: E402

SHOWN_NBS = sorted(p for pattern in SHOWN for p in NBS.glob(pattern))


def test_readme_is_generated_from_index():
    assert (ROOT / "README.md").read_text() == readme_text(NBS / "index.ipynb"), (
        "README.md is stale: run `make readme` (python -c 'from dlcnb.docs import write_readme; write_readme()')"
    )


def test_notebooks_are_small():
    check_notebook_sizes(NBS, max_bytes=1_000_000)


def test_outputs_only_where_the_tool_made_them_from_the_code_as_it_is():
    "Outputs are allowed only where `make outputs` wrote them, recording the hash of the code cells they came from."
    records = {nb: check_outputs(nb) for nb in sorted(NBS.rglob("*.ipynb")) if ".ipynb_checkpoints" not in nb.parts}
    missing = [nb.relative_to(NBS) for nb in SHOWN_NBS if records[nb] is None]
    assert not missing, f"these notebooks must show their outputs: run `make outputs` ({missing})"


def _texts(nb: dict):
    "(cell index, text) of every text output of a notebook."
    for i, c in enumerate(nb["cells"]):
        for o in c.get("outputs", []):
            for v in [o.get("text", "")] + [v for k, v in o.get("data", {}).items() if k.startswith("text/")]:
                yield i, "".join(v)


@pytest.mark.parametrize("nb", SHOWN_NBS, ids=lambda p: p.name)
def test_saved_outputs_are_small_and_stable(nb, tmp_path):
    "What the tool writes: plotly figures decimated, no machine paths or ports, nothing nbdev_clean would change."
    saved = json.loads(nb.read_text())
    assert any(c.get("outputs") for c in saved["cells"]), f"{nb.name} shows no output"
    unstable = [i for i, t in _texts(saved) if stable_text(t, max_lines=10_000) != t]
    assert not unstable, f"{nb.name}: outputs of cells {unstable} hold machine paths, ports or timings"
    copy = Path(shutil.copy(nb, tmp_path / nb.name))
    subprocess.run(["nbdev_clean", "--fname", str(copy)], cwd=ROOT, check=True, capture_output=True)
    assert json.loads(copy.read_text()) == saved, f"nbdev_clean changes {nb.name}: run `make outputs`"


def test_tool_decimates_figures_and_images_and_stabilises_text():
    "The tool's shrinking on a known figure: traces cut to 400 points along their long axis, a big image re-encoded."
    import base64, io
    import numpy as np
    import plotly.graph_objects as go
    from PIL import Image

    rng = np.random.default_rng(0)
    noise = Image.fromarray(rng.integers(0, 255, (600, 1200, 3), dtype=np.uint8))
    buf = io.BytesIO()
    noise.save(buf, "PNG")
    uri = "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode()
    fig = go.Figure([go.Scatter(x=np.arange(1000.0), y=rng.normal(size=1000), text=[str(i) for i in range(1000)])])
    fig.add_heatmap(z=rng.random((4, 1000)), x=np.arange(1000), y=list("abcd"))
    fig.add_layout_image(source=uri, x=0, y=0, sizex=1, sizey=1)
    before = json.loads(fig.to_json())
    small = shrink_figure(before)
    scatter, heatmap = (
        {k: _decode(v) for k, v in trace.items() if k in {"x", "y", "z", "text"}} for trace in small["data"]
    )
    ft.test_eq((len(scatter["x"]), len(scatter["y"]), len(scatter["text"])), (334, 334, 334))
    ft.test_eq(list(scatter["text"][:2]), ["0", "3"])
    ft.test_eq(heatmap["z"].shape, (4, 334))
    ft.test_eq(list(heatmap["y"]), list("abcd"))
    ft.test_close(heatmap["z"][:, 1], _decode(before["data"][1]["z"])[:, 3], eps=1e-6)
    assert len(small["layout"]["images"][0]["source"]) < len(uri) / 2
    html = figure_html(small)
    ft.test_eq(html, figure_html(small))  # the div id comes from the figure, not a random uuid
    out = shrink_output(
        {"output_type": "display_data", "metadata": {}, "data": {"application/vnd.plotly.v1+json": before}}
    )
    ft.test_eq(out["data"]["text/html"], html)
    folder = tempfile.mkdtemp()
    text = stable_text(f"{folder}/project/config.yaml\n" + "".join(f"line {i}\n" for i in range(100)))
    assert folder not in text and "/tmp/…/project/config.yaml" in text and "lines left out" in text
    ft.test_eq(stable_text(text), text)
    ft.test_eq(len(text.splitlines()), 39)
    bars = [
        {"output_type": "stream", "name": "stdout", "text": t} for t in ("0% [0/2]", "\r50% [1/2]", "\r100%\ndone\n")
    ]
    ft.test_eq([stable_text(o["text"]) for o in merge_streams(bars)], ["100%\ndone\n"])


NUMBER = re.compile(r"\d+(\.\d+)?(e[-+]?\d+)?")


def test_index_outputs_reproduce(tmp_path):
    "index.ipynb, run again in an empty folder, prints what its saved outputs show (numbers aside)."
    shutil.copy(NBS / "index.ipynb", tmp_path / "index.ipynb")
    fresh = execute_notebook(tmp_path / "index.ipynb")
    saved = json.loads((NBS / "index.ipynb").read_text())

    def masked(nb, cells):
        return [(i, NUMBER.sub("N", stable_text(t))) for i, t in _texts(nb) if i in cells]

    ran = {i for i, c in enumerate(fresh["cells"]) if c.get("outputs")}
    assert ran, "index.ipynb printed nothing"
    assert masked(fresh, ran) == masked(saved, ran)


def test_imports_have_cells_of_their_own():
    "nbdev's doc processing runs every cell holding an import on its own: such cells must hold only imports."
    bad = []
    for nb in sorted(NBS.rglob("*.ipynb")):
        for i, c in enumerate(json.loads(nb.read_text())["cells"]):
            lines = "".join(c["source"]).splitlines()
            if c["cell_type"] != "code" or any(l.startswith("#|") and "export" in l for l in lines):
                continue
            code = "\n".join(l for l in lines if not l.startswith(("%", "!")))
            kinds = [isinstance(s, (ast.Import, ast.ImportFrom)) for s in ast.parse(code).body]
            if any(kinds) and not all(kinds):
                bad.append(f"{nb.name} cell {i}")
    assert not bad, f"cells mixing imports with other code (split them, e.g. with a notebook editor): {bad}"


def test_nbdev_doc_processing_runs_clean():
    "nbdev's doc pre-processing (`nbdev_docs` runs it before Quarto) runs each notebook's export, import, doc cells."
    # In a subprocess: nbdev's process pool must not fork this test process (it holds a browser and Dask threads).
    run = subprocess.run(
        [sys.executable, "-c", "from nbdev.serve import proc_nbs; proc_nbs(force=True, n_workers=2)"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=1200,
    )
    assert run.returncode == 0, run.stderr[-5000:]
    processed = sorted(p.relative_to(ROOT / "_proc") for p in (ROOT / "_proc").rglob("*.ipynb"))
    assert processed == sorted(p.relative_to(NBS) for p in NBS.rglob("*.ipynb") if not p.name.startswith("_"))


def plotly_notebooks():
    "Notebooks that draw plotly figures: by convention (CONTRIBUTING.md) they set plotly's renderer in a code cell."

    def draws(nb):
        return any(
            c["cell_type"] == "code" and "renderers.default" in "".join(c["source"])
            for c in json.loads(nb.read_text())["cells"]
        )

    return [p for p in sorted(NBS.rglob("*.ipynb")) if draws(p)]


def serve_plotly_locally(page):
    "The pages load plotly.js from its CDN; offline, answer those requests with the copy inside the plotly package."
    import plotly

    js = (Path(plotly.__file__).parent / "package_data" / "plotly.min.js").read_bytes()
    page.route(
        re.compile(r"https://cdn\.plot\.ly/.*"), lambda route: route.fulfill(body=js, content_type="text/javascript")
    )
    page.route(
        re.compile(r"https://cdnjs\.cloudflare\.com/.*"),
        lambda route: route.fulfill(body=b"", content_type="text/javascript"),
    )


def open_page(browser, nb, html):
    "Open a rendered notebook, wait until all its plotly figures are drawn, screenshot it; return the page."
    expected = html.read_text().count('class="plotly-graph-div"')
    assert expected > 0, f"{nb.name} produced no plotly figure"
    page = browser.new_page()
    serve_plotly_locally(page)
    page.goto(html.as_uri())
    page.wait_for_function(
        f"document.querySelectorAll('.plotly-graph-div .main-svg').length >= {expected}", timeout=60_000
    )
    out = ROOT / "test-artifacts"
    out.mkdir(exist_ok=True)
    page.screenshot(path=str(out / f"docs-{nb.stem}.png"), full_page=False)
    return page


@pytest.mark.parametrize("nb", plotly_notebooks(), ids=lambda p: p.name)
def test_rendered_page_shows_plotly_figures(nb, browser, tmp_path):
    "Notebooks with saved outputs render from them, as the docs site does; the others are executed first."
    html = render_html(nb, tmp_path / f"{nb.stem}.html", execute=check_outputs(nb) is None)
    open_page(browser, nb, html).close()


def test_tutorial_page_shows_its_saved_figures_and_tables(browser, tmp_path):
    "The first tutorial's page, rendered from its saved outputs without running it, shows tables and drawn figures."
    nb = NBS / "tutorials" / "01_single_animal.ipynb"
    page = open_page(browser, nb, render_html(nb, tmp_path / "tutorial.html", execute=False))
    scores = page.locator("table.dataframe", has_text="test rmse")
    assert scores.count() == 1 and scores.is_visible()
    assert page.locator(".plotly-graph-div .main-svg").first.bounding_box()["height"] > 200
    assert page.locator(".jp-OutputArea-output img").count() > 0, "the matplotlib speed plot is missing"
    page.close()
