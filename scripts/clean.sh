#!/usr/bin/env bash
# `make clean`: drop the dev database, leftover test databases and the build folder.
# The shared cache (~/.cache/leads_management) is kept; delete it by hand.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
for db in $(psql -h "$PG_HOST" -U "$DB_USER" -d postgres -tAc \
    "select datname from pg_database where datname = '${LEADS_DB:-leads_dev}' or datname like 'leads_test_%'"); do
    log "Dropping $db"
    dropdb -h "$PG_HOST" -U "$DB_USER" --if-exists "$db"
done
rm -rf "$BUILD_DIR"
