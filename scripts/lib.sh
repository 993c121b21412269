# Shared settings for the dev scripts. Sourced, never executed.
# shellcheck shell=bash
set -euo pipefail

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)"
# The cache is shared by every clone of the repository, so a fresh clone
# reuses the downloaded Odoo package and the virtualenv.
CACHE_DIR="${LEADS_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/leads_management}"
# Per-clone build folder (Odoo config, addons path, data, logs, venv link) kept
# OUTSIDE the module: Odoo walks a module's folder following symlinks (e.g. to
# extract translations), and an addons link back to the repository would loop.
BUILD_DIR="${LEADS_BUILD_DIR:-$CACHE_DIR/build/$(printf '%s' "$REPO_ROOT" | sha256sum | cut -c1-12)}"
VENV="$BUILD_DIR/venv"
ODOO_SERIES="19.0"
PG_HOST="${PGHOST:-/var/run/postgresql}"
DB_USER="${DB_USER:-$(id -un)}"

log() { printf '\033[1;34m==>\033[0m %s\n' "$*" >&2; }
die() { printf '\033[1;31mERROR:\033[0m %s\n' "$*" >&2; exit 1; }

as_root() {
    if [ "$(id -u)" = 0 ]; then
        "$@"
    elif command -v sudo >/dev/null 2>&1; then
        sudo "$@"
    else
        die "'$*' needs root; run it as root or install sudo."
    fi
}
