"The docs, proven offline: README in sync, small notebooks, clean nbdev doc processing, pages that render with figures."

import ast, json, re, subprocess, sys
from pathlib import Path
import pytest
from dlcnb.docs import readme_text, check_notebook_sizes, render_html

ROOT = Path(__file__).resolve().parents[1]
NBS = ROOT / "nbs"


def test_readme_is_generated_from_index():
    assert (ROOT / "README.md").read_text() == readme_text(NBS / "index.ipynb"), (
        "README.md is stale: run `make readme` (python -c 'from dlcnb.docs import write_readme; write_readme()')"
    )


def test_notebooks_are_small_and_output_free():
    check_notebook_sizes(NBS, max_bytes=1_000_000)
    for nb in NBS.rglob("*.ipynb"):
        cells = json.loads(nb.read_text())["cells"]
        assert not any(c.get("outputs") for c in cells if c["cell_type"] == "code"), (
            f"{nb} has saved outputs: run nbdev_clean"
        )


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
    """nbdev's doc pre-processing (what `nbdev_docs` runs before Quarto) executes every notebook's exported, import
    and show_doc cells."""
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


@pytest.mark.parametrize("nb", plotly_notebooks(), ids=lambda p: p.name)
def test_rendered_page_shows_plotly_figures(nb, browser, tmp_path):
    html = render_html(nb, tmp_path / f"{nb.stem}.html")
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
    page.close()
