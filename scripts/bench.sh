#!/usr/bin/env bash
# `make bench`: the benchmarks under bench/ (not tests; they print numbers).
#   scripts/bench.sh [webhooks|import] [args...]   one of them, with its options
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
"$REPO_ROOT/scripts/setup.sh" >/dev/null
export LEADS_BUILD_DIR="$BUILD_DIR"
export PYTHONPATH="$CACHE_DIR/odoo-src"
if [ $# -gt 0 ]; then
    name=$1
    shift
    exec "$VENV/bin/python" "$REPO_ROOT/bench/$name.py" "$@"
fi
"$VENV/bin/python" "$REPO_ROOT/bench/webhooks.py"
"$VENV/bin/python" "$REPO_ROOT/bench/import.py"
