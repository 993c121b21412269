#!/usr/bin/env bash
# `make lint`: ruff (lint + format check) and pylint-odoo's mandatory checks.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
"$REPO_ROOT/scripts/setup.sh" >/dev/null
cd "$REPO_ROOT"
"$VENV/bin/ruff" check .
"$VENV/bin/ruff" format --check .
PYTHONPATH="$CACHE_DIR/odoo-src" "$VENV/bin/pylint" --rcfile=.pylintrc-mandatory \
    --ignore-paths='.*/(scripts|bench|docs)/.*' \
    "$REPO_ROOT"
