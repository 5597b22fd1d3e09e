# The README's two commands. Everything else is in scripts/setup.sh.
.PHONY: serve test lint bench

## Start the portal with a seeded demo on http://127.0.0.1:5000 (gunicorn,
## WEB_WORKERS processes; SERVER=dev for CKAN's development server)
serve:
	bash scripts/setup.sh serve

## Set up without the server, then run the whole test suite and CKAN's own
## search tests against satudata_pgsearch (those only when no PYTEST_ARGS)
test:
	bash scripts/setup.sh test $(PYTEST_ARGS)
	$(if $(PYTEST_ARGS),@true,bash scripts/ckan-core-search-tests.sh --ci)

lint:
	.venv/bin/ruff check ckanext benchmarks

## Benchmarks (figures printed, nothing asserted); each empties its own database
bench:
	SKIP_TESTS=1 bash scripts/setup.sh test
	.venv/bin/python benchmarks/bench_search.py
	.venv/bin/python benchmarks/bench_items.py
	.venv/bin/python benchmarks/bench_provision.py
	.venv/bin/python benchmarks/bench_serve.py
	.venv/bin/python benchmarks/bench_tables.py
