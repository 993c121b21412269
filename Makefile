# Two commands for a newcomer: `make run` and `make test`. See README.md.
.PHONY: run test lint bench pot setup clean help

help:
	@echo "make run    set up everything and serve the module with demo data on http://127.0.0.1:8069"
	@echo "make test   set up everything, then run the whole test suite on a fresh database"
	@echo "make lint   ruff and pylint-odoo"
	@echo "make bench  webhook and import benchmarks against Odoo's own mechanisms"
	@echo "make clean  drop the dev and test databases and the build folder"

setup:
	@scripts/setup.sh

run:
	@scripts/run.sh

test:
	@scripts/test.sh

lint:
	@scripts/lint.sh

bench:
	@scripts/bench.sh

pot:
	@scripts/pot.sh

clean:
	@scripts/clean.sh
