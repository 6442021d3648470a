#!/usr/bin/env bash
# A throwaway PostgreSQL server for the tests, from the Debian `postgresql` package's binaries.
# It installs nothing (CI runs `apt-get install -y postgresql` first).
#
#   scripts/postgres-test-server.sh [start]   start (or find running) and print the SQLAlchemy URL
#   scripts/postgres-test-server.sh url       print the URL of the running server
#   scripts/postgres-test-server.sh stop      stop it and delete its files
#
# Only the URL goes to stdout, so:  export OVERAGE_TEST_POSTGRES_URL="$(scripts/postgres-test-server.sh)"
# The cluster lives in $PGTEST_DIR (default /tmp/overage-pg-test), listens on 127.0.0.1 at a free
# port (or $PGTEST_PORT) and on a unix socket there, trusts local connections (test data only),
# and runs without fsync. initdb refuses root: as root the server runs as the `postgres` user
# (created by the Debian package). Database: $PGTEST_DB (default overage_test), user postgres.
set -euo pipefail

STATE_DIR="${PGTEST_DIR:-/tmp/overage-pg-test}"
DATA_DIR="$STATE_DIR/data"
SOCKET_DIR="$STATE_DIR/socket"
LOG_FILE="$STATE_DIR/server.log"
PORT_FILE="$STATE_DIR/port"
DB_NAME="${PGTEST_DB:-overage_test}"
DB_USER=postgres

log() { echo "postgres-test-server: $*" >&2; }
die() { log "$*"; exit 1; }

find_bin_dir() {
    local dir
    dir="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)"
    [ -n "$dir" ] && [ -x "$dir/initdb" ] \
        || die "no PostgreSQL binaries under /usr/lib/postgresql/*/bin (apt-get install postgresql)"
    echo "$dir"
}

# Run a command as the cluster's owner: `postgres` when we are root, else ourselves.
as_owner() {
    if [ "$(id -u)" -eq 0 ]; then
        runuser -u postgres -- "$@"
    else
        "$@"
    fi
}

port_is_free() {
    ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

pick_port() {
    if [ -n "${PGTEST_PORT:-}" ]; then echo "$PGTEST_PORT"; return; fi
    local port
    for port in $(seq 55432 55531); do
        case " ${PGTEST_SKIP_PORT:-} " in *" $port "*) continue ;; esac
        if port_is_free "$port"; then echo "$port"; return; fi
    done
    die "no free port in 55432-55531 (set PGTEST_PORT)"
}

url() {
    echo "postgresql+psycopg://$DB_USER@127.0.0.1:$(cat "$PORT_FILE")/$DB_NAME"
}

is_running() {
    [ -f "$DATA_DIR/postmaster.pid" ] && [ -f "$PORT_FILE" ] \
        && as_owner "$BIN/pg_ctl" -D "$DATA_DIR" status >/dev/null 2>&1
}

# Delete the state directory, refusing one that holds anything but a cluster of ours.
remove_state_dir() {
    [ -e "$STATE_DIR" ] || return 0
    if [ -n "$(ls -A "$STATE_DIR")" ] && [ ! -f "$PORT_FILE" ]; then
        die "$STATE_DIR is not empty and holds no test cluster: not deleting it"
    fi
    rm -rf "$STATE_DIR"
}

start() {
    if is_running; then
        log "already running"
        url
        return
    fi
    remove_state_dir
    mkdir -p "$DATA_DIR" "$SOCKET_DIR"
    if [ "$(id -u)" -eq 0 ]; then
        id postgres >/dev/null 2>&1 || die "user postgres missing (it comes with apt-get install postgresql)"
        chown -R postgres: "$STATE_DIR"
    fi
    cd "$STATE_DIR"  # the owner must be able to stand in the working directory
    as_owner "$BIN/initdb" -D "$DATA_DIR" -U "$DB_USER" --auth=trust -E UTF8 --locale=C.UTF-8 \
        >"$STATE_DIR/initdb.log" 2>&1 || { cat "$STATE_DIR/initdb.log" >&2; die "initdb failed"; }
    local port attempt
    for attempt in 1 2 3 4 5; do
        port="$(pick_port)"
        as_owner sh -c "echo $port > '$PORT_FILE'"
        if as_owner "$BIN/pg_ctl" -D "$DATA_DIR" -l "$LOG_FILE" -w -t 60 start -o \
            "-p $port -c listen_addresses=127.0.0.1 -c unix_socket_directories=$SOCKET_DIR \
             -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200" \
            >&2; then
            break
        fi
        # A port that accepted no connection may still be bound (a client's ephemeral port: the
        # kernel hands out 32768-60999): try the next free one, unless the port was asked for.
        if [ -z "${PGTEST_PORT:-}" ] && grep -q "could not bind" "$LOG_FILE" && [ "$attempt" -lt 5 ]; then
            log "port $port is taken, trying another"
            PGTEST_SKIP_PORT="${PGTEST_SKIP_PORT:-} $port"
            continue
        fi
        cat "$LOG_FILE" >&2
        die "the server did not start"
    done
    as_owner "$BIN/createdb" -h "$SOCKET_DIR" -p "$port" -U "$DB_USER" "$DB_NAME"
    log "running on 127.0.0.1:$port, data in $DATA_DIR"
    url
}

stop() {
    if [ -f "$DATA_DIR/postmaster.pid" ]; then
        cd "$STATE_DIR"
        as_owner "$BIN/pg_ctl" -D "$DATA_DIR" -m fast -w stop >&2 || log "pg_ctl stop failed"
    fi
    remove_state_dir
    log "stopped"
}

BIN="$(find_bin_dir)"
case "${1:-start}" in
    start) start ;;
    stop) stop ;;
    url) is_running || die "not running"; url ;;
    *) die "usage: $0 [start|stop|url]" ;;
esac
