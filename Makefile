# The two commands of the README: `make demo` (install, then run the demo pipeline) and `make test` (install, then run every test).
SHELL := /bin/bash
PY ?= python3
PIP := $(PY) -m pip install --quiet --disable-pip-version-check
TORCH := torch==2.14.1 torchvision==0.29.1

.PHONY: install install-dev demo test export-check nbtest pytest interop readme

install:
	$(PIP) $(TORCH)
	$(PIP) -e .

install-dev: install
	$(PIP) -e ".[dev]"
	command -v chromium >/dev/null || (apt-get update -qq && apt-get install -y -qq chromium >/dev/null)

demo: install
	dlcnb demo --out dlcnb-demo

export-check:
	nbdev_export
	@test -z "$$(git status --porcelain dlcnb)" || (git status --porcelain dlcnb; echo "dlcnb/ differs from the notebooks: run nbdev_export and commit"; exit 1)

nbtest:
	nbdev_test --n_workers 2 --timing

pytest:
	$(PY) -m pytest tests -q -p no:cacheprovider -m "not interop"

# DeepLabCut 3 on dlcnb's projects and back, in its own environment (tools/peer_env.py; needs the package registry once)
interop:
	$(PY) -m pytest tests/interop -q -p no:cacheprovider -m interop

test: install-dev export-check nbtest pytest interop
	@test -z "$$(git status --porcelain --untracked-files=all nbs tests)" || (git status --porcelain nbs tests; echo "tests left files behind"; exit 1)

readme:
	$(PY) -c 'from dlcnb.docs import write_readme; write_readme()'
