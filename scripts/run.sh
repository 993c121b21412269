#!/usr/bin/env bash
# `make run`: set up, create the demo database when missing, serve it.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
DB="${LEADS_DB:-leads_dev}"

"$REPO_ROOT/scripts/setup.sh"

# Fingerprint of the module's files: when it changes, the module is updated.
fingerprint=$(cd "$REPO_ROOT" && git ls-files -co --exclude-standard -- \
    ':!bench' ':!scripts' ':!.ci' ':!tests' ':!docs' ':!*.md' | sort | xargs cat 2>/dev/null | sha256sum | cut -c1-16)
stamp="$BUILD_DIR/$DB.installed"

if ! psql -h "$PG_HOST" -U "$DB_USER" -d "$DB" -tAc \
    "select 1 from ir_module_module where name='leads_management' and state='installed'" \
    2>/dev/null | grep -q 1; then
    log "Creating database $DB with leads_management and its demo data"
    "$REPO_ROOT/scripts/odoo.sh" -c "$BUILD_DIR/odoo.conf" -d "$DB" -i leads_management \
        --with-demo --stop-after-init --log-level=warn
    echo "$fingerprint" >"$stamp"
elif [ "$(cat "$stamp" 2>/dev/null)" != "$fingerprint" ]; then
    log "Module files changed: updating leads_management in $DB"
    "$REPO_ROOT/scripts/odoo.sh" -c "$BUILD_DIR/odoo.conf" -d "$DB" -u leads_management \
        --stop-after-init --log-level=warn
    echo "$fingerprint" >"$stamp"
fi

log "Serving http://127.0.0.1:${HTTP_PORT:-8069} (login admin / admin); Ctrl-C stops"
exec "$REPO_ROOT/scripts/odoo.sh" -c "$BUILD_DIR/odoo.conf" -d "$DB" --db-filter="^$DB\$"
