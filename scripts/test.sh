#!/usr/bin/env bash
# `make test`: set up, install the module with its demo data into a fresh
# database (failing on any warning in the install log), then run the whole
# suite with pytest-odoo, browser tours included. Extra arguments go to pytest.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

"$REPO_ROOT/scripts/setup.sh"

ODOO="$REPO_ROOT/scripts/odoo.sh"
CONF="$BUILD_DIR/odoo.conf"
LOG_DIR="$BUILD_DIR/test-logs"
mkdir -p "$LOG_DIR"
DEPENDS="base_setup,contacts,mail,phone_validation,sms,sms_twilio,utm"

# A template database with Odoo's own modules saves their install on every run.
odoo_id=$(basename "$(readlink -f "$CACHE_DIR/odoo-src/../../../..")")
template="leads_tmpl_$(printf '%s %s' "$odoo_id" "$DEPENDS" | sha256sum | cut -c1-10)"
if ! psql -h "$PG_HOST" -U "$DB_USER" -d "$template" -tAc \
    "select 1 from ir_module_module where name='utm' and state='installed'" 2>/dev/null | grep -q 1; then
    log "Creating template database $template (Odoo's modules, once)"
    dropdb -h "$PG_HOST" -U "$DB_USER" --if-exists "$template"
    "$ODOO" -c "$CONF" -d "$template" -i "$DEPENDS" --with-demo --stop-after-init \
        --log-level=warn >"$LOG_DIR/template.log" 2>&1 ||
        { tail -50 "$LOG_DIR/template.log"; die "Template database creation failed."; }
fi

DB="leads_test_$$"
# A free port, so that several runs (and `make run`) can coexist.
PORT=$("$VENV/bin/python" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
cleanup() { [ -n "${KEEP_DB:-}" ] || dropdb -h "$PG_HOST" -U "$DB_USER" --if-exists "$DB"; }
trap cleanup EXIT
createdb -h "$PG_HOST" -U "$DB_USER" -T "$template" "$DB"

log "Installing leads_management with --test-enable into $DB"
install_log="$LOG_DIR/install.log"
"$ODOO" -c "$CONF" -d "$DB" -i leads_management --test-enable --http-port="$PORT" \
    --test-tags=at_install/leads_management --stop-after-init --log-level=info \
    >"$install_log" 2>&1 || { tail -80 "$install_log"; die "Install failed."; }
if grep -E '^[0-9-]+ [0-9:,]+ [0-9]+ (WARNING|ERROR|CRITICAL) ' "$install_log" |
    grep -v 'Running as user .root. is a security risk'; then
    die "The install log above has warnings or errors (full log: $install_log)."
fi

log "Running the test suite (pytest-odoo, browser tours in Chromium)"
cd "$BUILD_DIR/addons/leads_management"
set +e
LEADS_BUILD_DIR="$BUILD_DIR" PYTHONPATH="$CACHE_DIR/odoo-src:$REPO_ROOT/scripts" "$VENV/bin/python" -m pytest \
    -p no:cacheprovider -p pytest_odoo19 \
    --rootdir="$BUILD_DIR/addons/leads_management" \
    --odoo-config="$CONF" --odoo-database="$DB" --odoo-http --odoo-log-level=warn \
    --odoo-extra=http-port="$PORT" --odoo-extra=screenshots="$LOG_DIR/screenshots" \
    "$BUILD_DIR/addons/leads_management/tests" "$@"
rc=$?
set -e
exit $rc
