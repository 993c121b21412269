#!/usr/bin/env bash
# `make pot`: regenerate i18n/leads_management.pot from the dev database
# (created by `make run`), after changing translatable strings.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
"$REPO_ROOT/scripts/setup.sh" >/dev/null
DB="${LEADS_DB:-leads_dev}"
"$REPO_ROOT/scripts/odoo.sh" -c "$BUILD_DIR/odoo.conf" -d "$DB" -u leads_management \
    --stop-after-init --log-level=warn
"$REPO_ROOT/scripts/odoo.sh" i18n export -c "$BUILD_DIR/odoo.conf" -d "$DB" \
    -o "$REPO_ROOT/i18n/leads_management.pot" leads_management
