# The README's two commands. Everything else is in scripts/setup.sh.
.PHONY: serve test lint bench

## Start the portal with a seeded demo on http://127.0.0.1:5000
serve:
	bash scripts/setup.sh serve

## Set up without the server, then run the whole test suite
test:
	bash scripts/setup.sh test $(PYTEST_ARGS)

lint:
	.venv/bin/ruff check ckanext benchmarks

bench:
	.venv/bin/python benchmarks/run_all.py
