#!/usr/bin/env bash
# Real uninstall check: install leads_management into a scratch database (a
# copy of the template database made by scripts/test.sh), create custom lead
# fields with data and saved filters, uninstall the module, and check that
# nothing of it is left behind and that it installs again. The scratch
# database is dropped in any case.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

ODOO="$REPO_ROOT/scripts/odoo.sh"
CONF="$BUILD_DIR/odoo.conf"
[ -f "$CONF" ] || "$REPO_ROOT/scripts/setup.sh"
DEPENDS="base_setup,contacts,mail,phone_validation,sms,sms_twilio,utm"
odoo_id=$(basename "$(readlink -f "$CACHE_DIR/odoo-src/../../../..")")
template="leads_tmpl_$(printf '%s %s' "$odoo_id" "$DEPENDS" | sha256sum | cut -c1-10)"
psql -h "$PG_HOST" -U "$DB_USER" -d "$template" -tAc "select 1" >/dev/null 2>&1 ||
    die "Template database $template missing: run scripts/test.sh once."

DB="leads_uninstall_$$"
LOG="$BUILD_DIR/test-logs/uninstall.log"
mkdir -p "$(dirname "$LOG")"
cleanup() { dropdb -h "$PG_HOST" -U "$DB_USER" --if-exists "$DB"; }
trap cleanup EXIT
createdb -h "$PG_HOST" -U "$DB_USER" -T "$template" "$DB"
q() { psql -h "$PG_HOST" -U "$DB_USER" -d "$DB" -tAc "$1"; }

log "Installing leads_management into $DB"
"$ODOO" -c "$CONF" -d "$DB" -i leads_management --stop-after-init --http-port=0 \
    >"$LOG" 2>&1 || { tail -40 "$LOG"; die "Install failed."; }

log "Creating custom lead fields with data"
"$ODOO" shell -c "$CONF" -d "$DB" --http-port=0 --log-level=warn >>"$LOG" 2>&1 <<'PY' ||
Field = env["leads.field"]
Field.create([
    {"name": "Pet Name"},
    {"name": "Species", "field_type": "selection", "selection_options": "Dog\nCat"},
    {"name": "Vaccinated", "field_type": "boolean"},
])
company = env.ref("base.main_company")
company.leads_management_enabled = True
env["leads.lead"].create({
    "name": "Uninstall Lead", "phone": "+1 415 555 0100", "company_id": company.id,
    "x_pet_name": "Rex", "x_species": "dog", "x_vaccinated": True,
})
env["ir.filters"].create({
    "name": "Dogs", "model_id": "leads.lead", "domain": "[('x_species', '=', 'dog')]",
})
env.cr.commit()
PY
    { tail -40 "$LOG"; die "Creating custom fields failed."; }

log "Updating the module: custom fields and their views survive, without warnings"
update_log="$BUILD_DIR/test-logs/uninstall-update.log"
"$ODOO" -c "$CONF" -d "$DB" -u leads_management --stop-after-init --http-port=0 \
    >"$update_log" 2>&1 || { tail -40 "$update_log"; die "Update failed."; }
if grep -E '^[0-9-]+ [0-9:,]+ [0-9]+ (WARNING|ERROR|CRITICAL) ' "$update_log" |
    grep -v 'Running as user .root. is a security risk'; then
    die "The update log above has warnings or errors (full log: $update_log)."
fi
[ "$(q "select count(*) from ir_ui_view where arch_db::text like '%x\_species%'")" -ge 2 ] ||
    die "The custom fields' views did not survive the update."

"$ODOO" shell -c "$CONF" -d "$DB" --http-port=0 --log-level=warn >>"$LOG" 2>&1 <<'PY' ||
env["ir.module.module"].search([("name", "=", "leads_management")]).button_immediate_uninstall()
PY
    { tail -40 "$LOG"; die "Uninstall failed."; }

fail=0
check() { # description, query, expected
    local got
    got=$(q "$2")
    if [ "$got" != "$3" ]; then
        printf 'FAIL: %s (got %s, expected %s)\n' "$1" "$got" "$3" >&2
        fail=1
    else
        printf 'ok: %s\n' "$1"
    fi
}
check "module uninstalled" "select state from ir_module_module where name='leads_management'" uninstalled
check "no lead model left" "select count(*) from ir_model where model like 'leads.%'" 0
check "no lead field left (custom fields included)" \
    "select count(*) from ir_model_fields where model like 'leads.%' or name like 'x\_pet\_name'" 0
check "no selection values left" \
    "select count(*) from ir_model_fields_selection s left join ir_model_fields f on f.id = s.field_id where f.id is null" 0
check "no leads_lead table" "select count(*) from pg_tables where tablename in ('leads_lead', 'leads_field')" 0
check "no view left" "select count(*) from ir_ui_view where model like 'leads.%' or arch_db::text like '%x\_pet\_name%'" 0
check "no xml id left" "select count(*) from ir_model_data where module='leads_management'" 0
check "no saved filter left" "select count(*) from ir_filters where model_id like 'leads.%'" 0
[ "$fail" = 0 ] || die "Uninstall left data behind (log: $LOG)."

log "Installing it again"
"$ODOO" -c "$CONF" -d "$DB" -i leads_management --stop-after-init --http-port=0 \
    >>"$LOG" 2>&1 || { tail -40 "$LOG"; die "Reinstall failed."; }
check "module installed again" "select state from ir_module_module where name='leads_management'" installed
[ "$fail" = 0 ] || die "Reinstall failed (log: $LOG)."
log "Uninstall check passed"
