# shellcheck shell=bash
# Shared helpers for scripts/run.sh and scripts/test.sh. Source it, don't run it.
#
#   ensure_packages            install the Debian 12 packages the build and tests need
#   ensure_private_postgis DB  start (or reuse) a private PostgreSQL 15 + PostGIS cluster
#                              and export DATABASE_URL pointing at database DB
#   ensure_test_tools          the test-only reference tools: PySAL mapclassify in a venv
#                              (.venv-test), the MapLibre style validator (tests/js) and
#                              QGIS's Python bindings (python3-qgis, for its style converter)
#                              Debian's Chromium (browser test, driven by playwright-core)
#                              and nginx-light (serves the static-site export to Chromium,
#                              and balances two replicas in tests/replicas.rs)
#
# Environment knobs:
#   DATABASE_URL            if already set, ensure_private_postgis uses it and starts nothing
#   CLUSTER_ATLAS_PGPORT    port of the private cluster (default 54329)
#   CLUSTER_ATLAS_PGDATA    data directory of the private cluster (default <repo>/.pgdata)
#   CLUSTER_ATLAS_PG_FAST   1 = test profile: fsync, synchronous_commit and full_page_writes off
#                           (throw-away data only); anything else = durable settings

set -euo pipefail

CA_REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)"
CA_PG_BIN=/usr/lib/postgresql/15/bin
CA_PG_DEFAULT_PORT=54329
CA_APT_UPDATED=0

ca_log() { printf '[cluster-atlas] %s\n' "$*" >&2; }
ca_die() {
    printf '[cluster-atlas] ERROR: %s\n' "$*" >&2
    exit 1
}

ca_is_root() { [ "$(id -u)" -eq 0 ]; }

# runuser lives in /usr/sbin, which a stripped-down environment may leave off PATH.
if ca_is_root; then
    case ":$PATH:" in
    *:/usr/sbin:*) ;;
    *) export PATH="$PATH:/usr/sbin:/sbin" ;;
    esac
fi

# Run a command with root rights: directly as root, through sudo otherwise.
ca_as_root() {
    if ca_is_root; then
        "$@"
    elif command -v sudo >/dev/null 2>&1; then
        sudo "$@"
    else
        ca_die "need root rights to run '$*', but not root and sudo is not installed"
    fi
}

# Run a command as the user that owns the private cluster: `postgres` when we are root
# (PostgreSQL refuses to run as root), the current user otherwise. cd / first, so that a
# cwd the postgres user cannot read (e.g. under /root) does not upset initdb or pg_ctl.
ca_as_pg() {
    if ca_is_root; then
        (cd / && runuser -u postgres -- "$@")
    else
        (cd / && "$@")
    fi
}

ca_pkg_installed() {
    [ "$(dpkg-query -W -f='${db:Status-Abbrev}' "$1" 2>/dev/null)" = "ii " ]
}

ca_apt_install() {
    if [ "$CA_APT_UPDATED" -eq 0 ]; then
        ca_log "apt-get update"
        ca_as_root env DEBIAN_FRONTEND=noninteractive apt-get update -q
        CA_APT_UPDATED=1
    fi
    ca_log "apt-get install -y $*"
    ca_as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q "$@"
}

# Put ~/.cargo/bin on PATH when rustup installed there but the shell profile was not read
# (e.g. CI running a non-login shell).
ca_find_cargo() {
    if ! command -v cargo >/dev/null 2>&1 && [ -x "${HOME:-/nonexistent}/.cargo/bin/cargo" ]; then
        export PATH="$HOME/.cargo/bin:$PATH"
    fi
    command -v cargo >/dev/null 2>&1
}

# Test-only reference tools. mapclassify is the reference classifier the Rust breaks are
# checked against; OWSLib the Python OGC API client; @maplibre/maplibre-gl-style-spec provides the official style validator.
# Both are pinned (requirements file, package-lock.json) and installed only when missing.
ensure_test_tools() {
    local want=()
    command -v node >/dev/null 2>&1 && command -v npm >/dev/null 2>&1 || want+=(nodejs npm)
    python3 -c 'import venv, ensurepip' >/dev/null 2>&1 || want+=(python3-venv)
    command -v python3 >/dev/null 2>&1 || want+=(python3)
    # QGIS itself (Debian 12: 3.22), to import our styles with its own converter.
    /usr/bin/python3 -c 'import qgis.core' >/dev/null 2>&1 || want+=(python3-qgis qgis-providers)
    # Debian's Chromium for the browser test (test tools must never download a browser).
    [ -x /usr/bin/chromium ] || want+=(chromium)
    # nginx serves the static-site export to Chromium (tests/site.rs), as a CDN would, and
    # balances two replicas round robin (tests/replicas.rs).
    [ -x /usr/sbin/nginx ] || want+=(nginx-light)
    if [ "${#want[@]}" -gt 0 ]; then
        ca_log "installing test tools from Debian: ${want[*]}"
        ca_apt_install "${want[@]}"
    fi
    local venv="$CA_REPO_ROOT/.venv-test"
    # OWSLib: the standard Python OGC API client, run by the OGC tests with its defaults.
    if ! "$venv/bin/python" -c 'import mapclassify, owslib' >/dev/null 2>&1; then
        ca_log "creating $venv with mapclassify (reference classifier) and OWSLib"
        python3 -m venv "$venv"
        "$venv/bin/pip" install --quiet --disable-pip-version-check -r "$CA_REPO_ROOT/tests/reference/requirements.txt"
    fi
    export CLUSTER_ATLAS_PYTHON="$venv/bin/python"
    local js="$CA_REPO_ROOT/tests/js"
    if [ ! -x "$js/node_modules/.bin/gl-style-validate" ] || [ "$js/package-lock.json" -nt "$js/node_modules/.package-lock.json" ]; then
        ca_log "installing the MapLibre style validator (npm ci in tests/js)"
        (cd "$js" && npm ci --no-audit --no-fund --loglevel=error)
    fi
    export CLUSTER_ATLAS_STYLE_VALIDATOR="$js/node_modules/.bin/gl-style-validate"
    export CLUSTER_ATLAS_QGIS_PYTHON=/usr/bin/python3
}

ensure_packages() {
    command -v dpkg-query >/dev/null 2>&1 ||
        ca_die "dpkg-query not found: these scripts expect Debian 12 (bookworm); install PostgreSQL 15, PostGIS 3, GDAL (libgdal-dev, gdal-bin), pkg-config and a C toolchain by hand, then set DATABASE_URL"

    local wanted=(postgresql-15 postgresql-15-postgis-3 libgdal-dev gdal-bin pkg-config build-essential)
    local missing=() pkg
    for pkg in "${wanted[@]}"; do
        ca_pkg_installed "$pkg" || missing+=("$pkg")
    done
    if [ "${#missing[@]}" -gt 0 ]; then
        ca_log "installing missing Debian packages: ${missing[*]}"
        ca_apt_install "${missing[@]}"
    fi

    # Probe the files we rely on, not just the package database.
    [ -x "$CA_PG_BIN/initdb" ] || ca_die "$CA_PG_BIN/initdb missing after installing postgresql-15"
    [ -f /usr/share/postgresql/15/extension/postgis.control ] ||
        ca_die "postgis.control missing after installing postgresql-15-postgis-3"
    command -v gdal-config >/dev/null 2>&1 || ca_die "gdal-config missing after installing libgdal-dev"
    pkg-config --exists gdal || ca_die "pkg-config cannot find gdal.pc (libgdal-dev)"
    if ca_is_root; then
        command -v runuser >/dev/null 2>&1 || ca_die "runuser missing (package util-linux)"
    fi

    if ! ca_find_cargo; then
        cat >&2 <<'EOF'
[cluster-atlas] ERROR: cargo not found. Install Rust with rustup:
    curl --proto '=https' --tlsv1.2 -sSf https://sh.rustup.rs | sh -s -- -y --profile minimal -c rustfmt -c clippy
    . "$HOME/.cargo/env"
then run this script again.
EOF
        exit 1
    fi
}

# Is 127.0.0.1:$1 taken? Either something accepts connections there, or the port cannot be
# bound: a client socket can hold it as its ephemeral source port (the kernel's ephemeral
# range includes ports like 54330), which a connect test does not see but PostgreSQL's bind
# does.
ca_port_in_use() {
    timeout 2 bash -c "exec 3<>/dev/tcp/127.0.0.1/$1" >/dev/null 2>&1 && return 0
    command -v python3 >/dev/null 2>&1 || return 1
    ! python3 -c 'import socket, sys
s = socket.socket()
try:
    s.bind(("127.0.0.1", int(sys.argv[1])))
except OSError:
    sys.exit(1)' "$1" 2>/dev/null
}

# Escape a value for a single-quoted postgresql.conf string.
ca_conf_quote() { printf "'%s'" "${1//\'/\'\'}"; }

ca_pg_running() {
    # pg_ctl status: 0 = running, 3 = not running, 4 = no accessible data directory
    ca_as_pg "$CA_PG_BIN/pg_ctl" -D "$1" status >/dev/null 2>&1
}

# Choose the data directory and log file; sets CA_PGDATA and CA_PGLOG.
ca_choose_pgdata() {
    if [ -n "${CLUSTER_ATLAS_PGDATA:-}" ]; then
        CA_PGDATA="$CLUSTER_ATLAS_PGDATA"
        CA_PGLOG="${CLUSTER_ATLAS_PGDATA%/}.log"
        return
    fi
    CA_PGDATA="$CA_REPO_ROOT/.pgdata"
    CA_PGLOG="$CA_REPO_ROOT/.pgdata.log"
    if ca_is_root; then
        if ! id postgres >/dev/null 2>&1; then
            ca_die "user postgres does not exist; is postgresql-15 installed? (run ensure_packages first)"
        fi
        # postgres must be able to reach the data directory and write the log; a repo under
        # /root (mode 700) rules that out, so fall back to a directory of its own in /var/tmp.
        if ! runuser -u postgres -- test -x "$CA_REPO_ROOT"; then
            local hash base
            hash="$(printf '%s' "$CA_REPO_ROOT" | sha1sum | cut -c1-10)"
            base="/var/tmp/cluster-atlas-pg-$hash"
            CA_PGDATA="$base/data"
            CA_PGLOG="$base/postgres.log"
            ca_log "user postgres cannot traverse $CA_REPO_ROOT; using $base for the private cluster instead"
            mkdir -p "$base"
            chown postgres:postgres "$base"
            chmod 700 "$base"
        fi
    fi
}

# Write the settings of the private cluster into <data>/cluster-atlas.conf (included from
# postgresql.conf). Static settings take effect at the next start.
ca_write_pg_conf() {
    local data="$1" port="$2"
    local sockdir="$data"
    # A Unix socket path must fit in 107 bytes; with a long path go TCP-only.
    if [ "${#sockdir}" -gt 90 ]; then
        sockdir=""
    fi
    local conf="$data/cluster-atlas.conf"
    {
        echo "# Written by scripts/common.sh (ensure_private_postgis) at every start; edits are lost."
        echo "listen_addresses = '127.0.0.1'"
        echo "port = $port"
        echo "unix_socket_directories = $(ca_conf_quote "$sockdir")"
        echo "max_connections = 200"
        echo "shared_buffers = 256MB"
        echo "work_mem = 16MB"
        echo "maintenance_work_mem = 128MB"
        echo "effective_cache_size = 1GB"
        echo "max_worker_processes = 4"
        echo "max_parallel_workers = 2"
        echo "max_parallel_workers_per_gather = 1"
        echo "jit = off"
        echo "logging_collector = off"
        echo "log_min_messages = warning"
        echo "log_min_duration_statement = 1000"
        echo "timezone = 'UTC'"
    } | ca_as_pg tee "$conf" >/dev/null
    if ! grep -q "^include_if_exists = 'cluster-atlas.conf'" "$data/postgresql.conf"; then
        echo "include_if_exists = 'cluster-atlas.conf'" | ca_as_pg tee -a "$data/postgresql.conf" >/dev/null
    fi
}

ca_psql() { # ca_psql PORT DB psql-args...
    local port="$1" db="$2"
    shift 2
    "$CA_PG_BIN/psql" -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$port" -U postgres -d "$db" "$@"
}

ca_wait_ready() { # ca_wait_ready PORT LOGFILE
    local port="$1" log="$2" _
    for _ in $(seq 1 60); do
        if "$CA_PG_BIN/pg_isready" -q -h 127.0.0.1 -p "$port" -U postgres -t 1; then
            return 0
        fi
        sleep 0.5
    done
    ca_log "PostgreSQL on 127.0.0.1:$port did not become ready within about 30-90 s; last lines of $log:"
    tail -n 40 "$log" >&2 || true
    ca_die "private PostgreSQL is not ready"
}

# Set the durability profile at run time (ALTER SYSTEM + reload), so one cluster can switch
# between the test profile and the durable one without a restart.
ca_apply_profile() {
    local port="$1"
    if [ "${CLUSTER_ATLAS_PG_FAST:-0}" = 1 ]; then
        ca_psql "$port" postgres \
            -c "ALTER SYSTEM SET fsync = off" \
            -c "ALTER SYSTEM SET synchronous_commit = off" \
            -c "ALTER SYSTEM SET full_page_writes = off" \
            -c "SELECT pg_reload_conf()" >/dev/null
        ca_log "test profile: fsync, synchronous_commit and full_page_writes are off"
    else
        local was_fast
        was_fast="$(ca_psql "$port" postgres -tAc "SHOW fsync")"
        ca_psql "$port" postgres \
            -c "ALTER SYSTEM RESET fsync" \
            -c "ALTER SYSTEM RESET synchronous_commit" \
            -c "ALTER SYSTEM RESET full_page_writes" \
            -c "SELECT pg_reload_conf()" >/dev/null
        if [ "$was_fast" = off ]; then
            sleep 0.2 # let the reload reach the checkpointer before flushing everything
            ca_psql "$port" postgres -c "CHECKPOINT" >/dev/null
            ca_log "durable profile restored (fsync on) and a checkpoint taken"
        fi
    fi
}

ensure_private_postgis() {
    local db="${1:-cluster_atlas}"
    if [ -n "${DATABASE_URL:-}" ]; then
        ca_log "DATABASE_URL is set; using it and starting no private cluster"
        return 0
    fi
    [ -x "$CA_PG_BIN/pg_ctl" ] || ca_die "$CA_PG_BIN/pg_ctl not found; run ensure_packages first"

    local CA_PGDATA CA_PGLOG
    ca_choose_pgdata
    local data="$CA_PGDATA" log="$CA_PGLOG"
    local pg_user
    if ca_is_root; then pg_user=postgres; else pg_user="$(id -un)"; fi

    # 1. initialise once
    if [ -f "$data/PG_VERSION" ]; then
        local ver owner
        ver="$(cat "$data/PG_VERSION")"
        [ "$ver" = 15 ] || ca_die "$data holds a PostgreSQL $ver cluster, not 15; remove it or set CLUSTER_ATLAS_PGDATA"
        owner="$(stat -c %U "$data")"
        [ "$owner" = "$pg_user" ] || ca_die "$data is owned by $owner, but the cluster must run as $pg_user"
    else
        if [ -d "$data" ] && [ -n "$(ls -A "$data")" ]; then
            ca_die "$data exists, is not empty and holds no PostgreSQL cluster; remove it or set CLUSTER_ATLAS_PGDATA"
        fi
        ca_log "initialising a private PostgreSQL 15 cluster in $data"
        mkdir -p "$data"
        if ca_is_root; then chown postgres:postgres "$data"; fi
        chmod 700 "$data"
        local initdb_log
        initdb_log="$(mktemp)"
        if ! ca_as_pg "$CA_PG_BIN/initdb" -D "$data" --auth=trust -U postgres -E UTF8 \
            --locale=C.UTF-8 >"$initdb_log" 2>&1; then
            ca_log "initdb with locale C.UTF-8 failed; retrying with locale C"
            find "$data" -mindepth 1 -delete
            if ! ca_as_pg "$CA_PG_BIN/initdb" -D "$data" --auth=trust -U postgres -E UTF8 \
                --locale=C >"$initdb_log" 2>&1; then
                cat "$initdb_log" >&2
                rm -f "$initdb_log"
                ca_die "initdb failed"
            fi
        fi
        rm -f "$initdb_log"
    fi

    # 2. start unless running
    local port
    if ca_pg_running "$data"; then
        port="$(sed -n 4p "$data/postmaster.pid")"
        ca_log "private cluster already running ($data, port $port)"
        if [ -n "${CLUSTER_ATLAS_PGPORT:-}" ] && [ "$CLUSTER_ATLAS_PGPORT" != "$port" ]; then
            ca_log "note: CLUSTER_ATLAS_PGPORT=$CLUSTER_ATLAS_PGPORT ignored; stop the cluster to change its port:"
            ca_log "  $(ca_is_root && echo 'runuser -u postgres -- ')$CA_PG_BIN/pg_ctl -D $data stop"
        fi
    else
        port="${CLUSTER_ATLAS_PGPORT:-$CA_PG_DEFAULT_PORT}"
        if ca_port_in_use "$port"; then
            if [ -n "${CLUSTER_ATLAS_PGPORT:-}" ]; then
                ca_die "port $port on 127.0.0.1 is already in use by another program (not the cluster in $data); free it or choose another with CLUSTER_ATLAS_PGPORT"
            fi
            local p found=""
            for p in $(seq $((port + 1)) $((port + 20))); do
                if ! ca_port_in_use "$p"; then
                    found="$p"
                    break
                fi
            done
            [ -n "$found" ] || ca_die "port $port and the 20 after it on 127.0.0.1 are in use by other programs; choose a free port with CLUSTER_ATLAS_PGPORT"
            ca_log "port $port on 127.0.0.1 is in use by another program (not the cluster in $data); using port $found instead"
            port="$found"
        fi
        ca_write_pg_conf "$data" "$port"
        if [ ! -e "$log" ]; then
            touch "$log"
        fi
        if ca_is_root; then chown postgres:postgres "$log"; fi
        ca_log "starting the private cluster on 127.0.0.1:$port (log: $log)"
        if ! ca_as_pg "$CA_PG_BIN/pg_ctl" -D "$data" -l "$log" -w -t 60 start >/dev/null; then
            ca_log "pg_ctl start failed; last lines of $log:"
            tail -n 40 "$log" >&2 || true
            ca_die "could not start the private PostgreSQL cluster"
        fi
    fi
    ca_wait_ready "$port" "$log"

    # 3. profile, PostGIS, database
    ca_apply_profile "$port"
    if [ "$(ca_psql "$port" postgres -tAc "SELECT count(*) FROM pg_available_extensions WHERE name = 'postgis'")" != 1 ]; then
        ca_die "the private cluster does not offer the postgis extension (install postgresql-15-postgis-3)"
    fi
    if [ "$(ca_psql "$port" postgres -tA -v db="$db" <<<"SELECT count(*) FROM pg_database WHERE datname = :'db'")" = 0 ]; then
        ca_log "creating database $db"
        ca_psql "$port" postgres -v db="$db" <<<'CREATE DATABASE :"db"'
    fi

    export DATABASE_URL="postgres://postgres@127.0.0.1:$port/$db"
    export CA_PRIVATE_PGDATA="$data" CA_PRIVATE_PGLOG="$log"
    ca_log "DATABASE_URL=$DATABASE_URL"
}
