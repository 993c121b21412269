#!/usr/bin/env bash
# Prepare everything needed to run and test the module on a Debian machine:
# Odoo 19 (from Debian's odoo-19 package, extracted, never installed), the few
# Debian packages the web client and browser tests need, PostgreSQL, a pinned
# virtualenv and an addons path exposing the repository as `leads_management`.
# Idempotent: a second run only checks and reuses the cache.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

mkdir -p "$CACHE_DIR" "$BUILD_DIR"

# ---------------------------------------------------------------- Debian mirror
debian_mirror() {
    local uri=""
    shopt -s nullglob
    for f in /etc/apt/sources.list.d/*.sources; do
        # deb822: the first URIs line of a stanza whose Suites are not *-security
        uri=$(awk '
            /^URIs:/ {u=$2}
            /^Suites:/ {if ($0 !~ /security/ && u != "") {print u; exit}}
            /^$/ {u=""}' "$f")
        [ -n "$uri" ] && break
    done
    if [ -z "$uri" ]; then
        for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
            [ -f "$f" ] || continue
            uri=$(awk '$1 == "deb" && $0 !~ /security/ {
                for (i = 2; i <= NF; i++) if ($i ~ /^[a-z]+:\/\//) {print $i; exit}}' "$f")
            [ -n "$uri" ] && break
        done
    fi
    shopt -u nullglob
    [ -n "$uri" ] || die "No Debian mirror found in /etc/apt/sources.list{,.d}."
    printf '%s\n' "${uri%/}"
}

# ------------------------------------------------------------------ Odoo itself
fetch_odoo() {
    local debs=("$CACHE_DIR"/debs/odoo-19_"$ODOO_SERIES"*_all.deb)
    if [ -f "${debs[0]}" ]; then
        ODOO_DEB="${debs[0]}"
        return
    fi
    local mirror apt_dir suite version tried=()
    mirror=$(debian_mirror)
    apt_dir="$CACHE_DIR/apt"
    mkdir -p "$apt_dir/lists/partial" "$apt_dir/archives/partial" "$CACHE_DIR/debs"
    for suite in sid forky trixie-backports; do
        tried+=("$suite")
        log "Looking for odoo-19 in Debian $suite"
        printf 'deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] %s %s main\n' \
            "$mirror" "$suite" >"$apt_dir/sources.list"
        local apt_opts=(
            -o "Dir::Etc::SourceList=$apt_dir/sources.list"
            -o "Dir::Etc::SourceParts=/dev/null"
            -o "Dir::State::Lists=$apt_dir/lists"
            -o "Dir::Cache::Archives=$apt_dir/archives"
            -o "Dir::State::Status=/dev/null"
            -o "APT::Get::List-Cleanup=0"
            -o "Debug::NoLocking=1"
            -o "APT::Sandbox::User=$(id -un)"
        )
        # The suite's Release may be signed by keys newer than this machine's
        # keyring; the package's checksum still comes from the Packages index.
        if ! apt-get "${apt_opts[@]}" -qq update 2>"$apt_dir/update.err"; then
            apt-get "${apt_opts[@]}" -o "Acquire::AllowInsecureRepositories=1" \
                -qq update 2>>"$apt_dir/update.err" || continue
            apt_opts+=(-o "APT::Get::AllowUnauthenticated=1")
        fi
        # awk reads everything: an early exit would SIGPIPE apt-cache (pipefail).
        version=$(apt-cache "${apt_opts[@]}" show odoo-19 2>/dev/null |
            awk '/^Version:/ && !v {v = $2} END {print v}')
        case "$version" in
        "$ODOO_SERIES"*) ;;
        *) continue ;;
        esac
        log "Downloading odoo-19 $version from $suite (~125 MB, cached afterwards)"
        (cd "$CACHE_DIR/debs" && apt-get "${apt_opts[@]}" -qq download "odoo-19=$version") ||
            die "Download of odoo-19 $version failed."
        debs=("$CACHE_DIR"/debs/odoo-19_*_all.deb)
        ODOO_DEB="${debs[0]}"
        return
    done
    die "odoo-19 $ODOO_SERIES.* not found in Debian suites: ${tried[*]}."
}

extract_odoo() {
    local name
    name=$(basename "$ODOO_DEB" .deb)
    ODOO_ROOT="$CACHE_DIR/$name"
    if [ ! -f "$ODOO_ROOT/.extracted" ]; then
        log "Extracting $name"
        rm -rf "$ODOO_ROOT"
        dpkg -x "$ODOO_DEB" "$ODOO_ROOT"
        touch "$ODOO_ROOT/.extracted"
    fi
    # Repair 1: the +dfsg tree links its JS libraries and fonts relatively into
    # usr/share beside it; point those at the system copies.
    local d
    for d in javascript fonts fonts-font-awesome; do
        if [ ! -e "$ODOO_ROOT/usr/share/$d" ] || [ -L "$ODOO_ROOT/usr/share/$d" ]; then
            ln -sfn "/usr/share/$d" "$ODOO_ROOT/usr/share/$d"
        fi
    done
    # Repair 2: the mail manifest lists a file Debian removed; without it every
    # backend page logs an error and tours fail.
    local selfie="$ODOO_ROOT/usr/lib/python3/dist-packages/odoo/addons/mail/static/lib/selfie_segmentation/selfie_segmentation.js"
    if [ ! -f "$selfie" ]; then
        mkdir -p "$(dirname "$selfie")"
        : >"$selfie"
    fi
    ln -sfn "$ODOO_ROOT/usr/lib/python3/dist-packages" "$CACHE_DIR/odoo-src"
}

# ------------------------------------------------------------ system packages
SYSTEM_PACKAGES=(libjs-jquery libjs-jquery-form libjs-underscore fonts-font-awesome
    fonts-inconsolata fonts-ocr-b fonts-roboto-unhinted chromium libmagic1)

system_packages() {
    local missing=() p
    for p in "${SYSTEM_PACKAGES[@]}"; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" ||
            missing+=("$p")
    done
    [ ${#missing[@]} -eq 0 ] && return
    log "Installing Debian packages: ${missing[*]}"
    as_root apt-get -qq update
    DEBIAN_FRONTEND=noninteractive as_root apt-get -qq install -y --no-install-recommends \
        "${missing[@]}" >/dev/null ||
        die "Could not install ${missing[*]} with apt-get; install them by hand and retry."
}

# ------------------------------------------------------------------ PostgreSQL
postgres() {
    if ! pg_isready -q -h "$PG_HOST" 2>/dev/null; then
        log "Starting PostgreSQL"
        local version
        version=$(ls /etc/postgresql 2>/dev/null | sort -V | tail -1)
        [ -n "$version" ] || die "PostgreSQL is not installed: apt-get install postgresql"
        as_root pg_ctlcluster --skip-systemctl-redirect "$version" main start ||
            die "Could not start PostgreSQL $version."
        for _ in $(seq 30); do pg_isready -q -h "$PG_HOST" && break; sleep 1; done
    fi
    if ! psql -h "$PG_HOST" -U "$DB_USER" -d postgres -tAc 'select 1' >/dev/null 2>&1; then
        log "Creating PostgreSQL role $DB_USER"
        if [ "$(id -u)" = 0 ]; then
            su postgres -c "createuser -s '$DB_USER'"
        elif command -v sudo >/dev/null 2>&1; then
            sudo -u postgres createuser -s "$DB_USER"
        else
            die "No PostgreSQL role for $DB_USER. As root, run: su postgres -c 'createuser -s $DB_USER'"
        fi
    fi
}

# ------------------------------------------------------------------ virtualenv
virtualenv() {
    local hash venv python
    python=${PYTHON:-python3}
    hash=$( (cat "$REPO_ROOT/scripts/requirements.txt"; "$python" --version) | sha256sum | cut -c1-12)
    venv="$CACHE_DIR/venv-$hash"
    if [ ! -x "$venv/bin/python" ] || [ ! -f "$venv/.complete" ]; then
        log "Creating virtualenv $venv"
        rm -rf "$venv"
        "$python" -m venv "$venv" || die "python3 -m venv failed: apt-get install python3-venv"
        "$venv/bin/pip" install -q --upgrade pip >/dev/null 2>&1
        "$venv/bin/pip" install -q -r "$REPO_ROOT/scripts/requirements.txt" 2> >(grep -v "^WARNING: Location" >&2) ||
            die "pip install of scripts/requirements.txt failed."
        touch "$venv/.complete"
    fi
    ln -sfn "$venv" "$VENV"
}

# ------------------------------------------------------- addons path and config
odoo_config() {
    mkdir -p "$BUILD_DIR/addons" "$BUILD_DIR/data"
    ln -sfn "$REPO_ROOT" "$BUILD_DIR/addons/leads_management"
    cat >"$BUILD_DIR/odoo.conf" <<CONF
[options]
addons_path = $CACHE_DIR/odoo-src/odoo/addons,$BUILD_DIR/addons
data_dir = $BUILD_DIR/data
db_host = $PG_HOST
db_user = $DB_USER
admin_passwd = admin
http_interface = 127.0.0.1
http_port = ${HTTP_PORT:-8069}
without_demo = False
CONF
}

fetch_odoo
extract_odoo
system_packages
postgres
virtualenv
odoo_config
log "Ready: Odoo $(basename "$ODOO_ROOT"), virtualenv $(readlink "$VENV"), build folder $BUILD_DIR"
