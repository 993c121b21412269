# Two commands for a newcomer: `make run` and `make test`. See README.md.
.PHONY: run test lint setup clean help

help:
	@echo "make run    set up everything and serve the module with demo data on http://127.0.0.1:8069"
	@echo "make test   set up everything, then run the whole test suite on a fresh database"
	@echo "make lint   ruff and pylint-odoo"
	@echo "make clean  drop the dev and test databases and the local build folder"

setup:
	@scripts/setup.sh

run:
	@scripts/run.sh

test:
	@scripts/test.sh

lint:
	@scripts/lint.sh

clean:
	@scripts/clean.sh
