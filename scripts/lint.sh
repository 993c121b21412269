#!/usr/bin/env bash
# `make lint`: ruff (lint + format check) and pylint-odoo's mandatory checks.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
"$REPO_ROOT/scripts/setup.sh" >/dev/null
cd "$REPO_ROOT"
.venv/bin/ruff check .
.venv/bin/ruff format --check .
PYTHONPATH="$CACHE_DIR/odoo-src" .venv/bin/pylint --rcfile=.pylintrc-mandatory \
    --ignore-paths='^(\.build|\.venv|scripts|bench|tests)/.*' \
    "$REPO_ROOT"
