# The two commands of the README: `make demo` (install, then run the demo pipeline) and `make test` (install, then run every test).
# Installs use the exact tested versions in constraints.txt (torch 2.14.1 from this machine's disk among them);
# setup.py itself only asks for ranges, so `pip install dlcnb` on Colab keeps Colab's torch.
SHELL := /bin/bash
PY ?= python3
PIP := $(PY) -m pip install --quiet --disable-pip-version-check -c constraints.txt

.PHONY: install install-dev demo test lint export-check nbtest pytest interop readme outputs constraints

install:
	$(PIP) -e .

install-dev: install
	$(PIP) -e ".[dev]"
	command -v chromium >/dev/null || (apt-get update -qq && apt-get install -y -qq chromium >/dev/null)

demo: install
	dlcnb demo --out dlcnb-demo

lint:
	ruff check dlcnb nbs tests benchmarks tools
	ruff format --check nbs tests benchmarks tools

export-check:
	nbdev_export
	@test -z "$$(git status --porcelain dlcnb)" || (git status --porcelain dlcnb; echo "dlcnb/ differs from the notebooks: run nbdev_export and commit"; exit 1)

nbtest:
	nbdev_test --n_workers 2 --timing

pytest:
	$(PY) -m pytest tests -q -p no:cacheprovider -m "not interop"

# DeepLabCut 3 and movement 0.15/0.17 on dlcnb's files and back, each in its own environment (tools/peer_env.py;
# made from the package registry once, then cached)
interop:
	$(PY) -m pytest tests/interop -q -p no:cacheprovider -m interop

test: install-dev lint export-check nbtest pytest interop
	@test -z "$$(git status --porcelain --untracked-files=all nbs tests)" || (git status --porcelain nbs tests; echo "tests left files behind"; exit 1)

readme:
	$(PY) -c 'from dlcnb.docs import write_readme; write_readme()'

# Run every notebook (or only NBS="nbs/13_viz.ipynb ...") and save small outputs in them
# (tools/notebook_outputs.py; tests/test_docs.py fails when a notebook's code changed since), then the README.
outputs:
	nice -n 10 $(PY) tools/notebook_outputs.py $(NBS)
	$(MAKE) --no-print-directory readme

# Refresh constraints.txt from the environment the tests just passed in (run after adding a dependency).
constraints:
	$(PY) -m pip freeze --exclude-editable | grep -v '^dlcnb' > constraints.txt
