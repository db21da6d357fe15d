# Every target delegates to tasks.py so that Windows (`py tasks.py ...`) does exactly the same.
PYTHON ?= python3

.PHONY: install lab test bench lock dataset clean
install:
	$(PYTHON) tasks.py install
lab:
	$(PYTHON) tasks.py lab
test:
	$(PYTHON) tasks.py test
bench:
	$(PYTHON) tasks.py bench
lock:
	$(PYTHON) tasks.py lock
# Regenerate the committed default dataset (tests check it is byte-identical).
dataset: install
	.venv/bin/kit dataset --customers 2000 --seed 20261129 --out datasets/default --force
clean:
	rm -rf .venv .venv-lock .pytest_cache build *.egg-info
