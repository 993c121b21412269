#!/usr/bin/env bash
# Run Odoo 19 from the extracted Debian package with the project virtualenv.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
export PYTHONPATH="$CACHE_DIR/odoo-src${PYTHONPATH:+:$PYTHONPATH}"
exec "$VENV/bin/python" "$REPO_ROOT/scripts/odoo-bin" "$@"
