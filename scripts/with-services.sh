#!/usr/bin/env bash
# Run a command with a throwaway PostgreSQL cluster and a throwaway Redis.
#
#   scripts/with-services.sh <command> [args...]
#
# Starts PostgreSQL (trust auth, 127.0.0.1 only, database `dasv`) and Redis
# (127.0.0.1 only, no persistence) on free TCP ports, exports
#
#   DATABASE_URL=postgres://postgres@127.0.0.1:<port>/dasv
#   CELERY_BROKER_URL=redis://127.0.0.1:<port>/0
#   CELERY_RESULT_BACKEND=redis://127.0.0.1:<port>/1
#   REDIS_URL=redis://127.0.0.1:<port>/2
#
# runs the command, then always stops both services and deletes their
# temporary directories (also when the command fails or the script gets
# SIGINT / SIGTERM). Exits with the command's exit code (128+N after signal N;
# 1 when a service is missing in CI or fails to start; 2 on usage error).
#
# A missing service (no PostgreSQL binaries, no redis-server) is an error
# when CI=true; otherwise a WARNING is printed and the command runs without
# that service (its variables are then left unset).
#
# Overrides (optional):
#   DASV_PG_BINDIR          directory holding initdb/pg_ctl/postgres
#                           (only that directory is tried)
#   DASV_REDIS_SERVER       redis-server executable (name or path)
#   DASV_PG_MAX_CONNECTIONS max_connections (default 100)
#   DASV_SERVICES_KEEP_LOGS=1  copy the service logs to stderr on exit
# Functions below run from traps (cleanup, on_signal), which shellcheck sees as unreachable.
# shellcheck disable=SC2317
set -euo pipefail

readonly PROG="with-services"

log() { printf '%s: %s\n' "$PROG" "$*" >&2; }
warn() { printf '%s: WARNING: %s\n' "$PROG" "$*" >&2; }
err() { printf '%s: ERROR: %s\n' "$PROG" "$*" >&2; }

usage() {
    cat >&2 <<'EOF'
usage: scripts/with-services.sh <command> [args...]

Starts a throwaway PostgreSQL and Redis, exports DATABASE_URL,
CELERY_BROKER_URL, CELERY_RESULT_BACKEND and REDIS_URL, runs the command,
then stops the services. Exits with the command's exit code.
EOF
}

if [ "$#" -eq 0 ]; then
    usage
    exit 2
fi
case "$1" in
    -h | --help)
        usage
        exit 0
        ;;
esac

# A closed stdin (some CI runners) would be inherited by the daemons and
# confuse them (redis-server panics); give ourselves /dev/null instead.
if ! (exec 3<&0) 2>/dev/null; then
    exec </dev/null
fi

is_ci() {
    case "${CI:-}" in
        [Tt][Rr][Uu][Ee] | 1 | [Yy][Ee][Ss]) return 0 ;;
        *) return 1 ;;
    esac
}

# ---------------------------------------------------------------------------
# State and cleanup
# ---------------------------------------------------------------------------
BASE_DIR=""
PG_DIR=""
PG_DATA=""
PG_BINDIR=""
PG_STARTED=0
REDIS_DIR=""
REDIS_PID=""
CHILD_PID=""
CLEANED=0
AM_ROOT=0
[ "$(id -u)" -eq 0 ] && AM_ROOT=1

# Run a PostgreSQL server-side binary as the right OS user: `postgres` when we
# are root (the server refuses to run as root), else ourselves. Runs from /
# so that an unreadable cwd (e.g. /root) does not bother the postgres user.
as_pg() {
    if [ "$AM_ROOT" -eq 1 ]; then
        if command -v runuser >/dev/null 2>&1; then
            (cd / && runuser -u postgres -- "$@")
        else
            local q
            q=$(printf '%q ' "$@")
            (cd / && su -s /bin/sh postgres -c "$q")
        fi
    else
        (cd / && "$@")
    fi
}

tail_log() {
    local file=$1 title=$2
    if [ -f "$file" ]; then
        printf '%s: ---- last lines of %s (%s) ----\n' "$PROG" "$title" "$file" >&2
        tail -n 40 "$file" >&2 || true
        printf '%s: ---- end of %s ----\n' "$PROG" "$title" >&2
    fi
}

# True while the process exists and is not a zombie (daemons are re-parented
# to PID 1, which may be slow to reap them).
alive() {
    local pid=$1 stat
    kill -0 "$pid" 2>/dev/null || return 1
    if [ -r "/proc/$pid/stat" ]; then
        stat=$(cat "/proc/$pid/stat" 2>/dev/null) || return 1
        stat=${stat##*) }
        [ "${stat%% *}" != "Z" ]
    fi
}

wait_gone() { # pid timeout_tenths
    local pid=$1 n=${2:-100}
    while [ "$n" -gt 0 ] && alive "$pid"; do
        sleep 0.1
        n=$((n - 1))
    done
    ! alive "$pid"
}

stop_redis() {
    [ -n "$REDIS_DIR" ] || return 0
    local pid="$REDIS_PID"
    if [ -z "$pid" ] && [ -s "$REDIS_DIR/redis.pid" ]; then
        pid=$(cat "$REDIS_DIR/redis.pid" 2>/dev/null || true)
    fi
    if [ -n "$pid" ] && alive "$pid"; then
        kill -TERM "$pid" 2>/dev/null || true
        if ! wait_gone "$pid" 100; then
            warn "redis-server (pid $pid) did not stop, killing it"
            kill -KILL "$pid" 2>/dev/null || true
            wait_gone "$pid" 50 || true
        fi
    fi
    REDIS_PID=""
}

stop_postgres() {
    [ "$PG_STARTED" -eq 1 ] || [ -n "$PG_DATA" ] || return 0
    [ -f "$PG_DATA/postmaster.pid" ] || return 0
    local pid
    pid=$(head -n 1 "$PG_DATA/postmaster.pid" 2>/dev/null || true)
    # Throwaway cluster: immediate shutdown, nothing to flush.
    as_pg "$PG_BINDIR/pg_ctl" -D "$PG_DATA" -m immediate -w -t 30 stop >/dev/null 2>&1 || true
    if [ -n "$pid" ] && alive "$pid"; then
        kill -QUIT "$pid" 2>/dev/null || true
        if ! wait_gone "$pid" 100; then
            warn "postgres (pid $pid) did not stop, killing it"
            kill -KILL "$pid" 2>/dev/null || true
            wait_gone "$pid" 50 || true
        fi
    fi
    PG_STARTED=0
}

cleanup() {
    local rc=$?
    # Finish the clean-up even if more signals arrive (it is bounded in time).
    trap - EXIT
    trap '' INT TERM HUP
    if [ "$CLEANED" -eq 1 ]; then
        exit "$rc"
    fi
    CLEANED=1
    set +e
    if [ -n "$CHILD_PID" ] && kill -0 "$CHILD_PID" 2>/dev/null; then
        kill -TERM "$CHILD_PID" 2>/dev/null
        wait_gone "$CHILD_PID" 100 || kill -KILL "$CHILD_PID" 2>/dev/null
    fi
    stop_redis
    stop_postgres
    if [ "${DASV_SERVICES_KEEP_LOGS:-0}" = "1" ]; then
        [ -n "$PG_DIR" ] && tail_log "$PG_DIR/postgres.log" "PostgreSQL log"
        [ -n "$REDIS_DIR" ] && tail_log "$REDIS_DIR/redis.log" "Redis log"
    fi
    if [ -n "$BASE_DIR" ] && [ -d "$BASE_DIR" ]; then
        rm -rf -- "$BASE_DIR"
    fi
    exit "$rc"
}

on_signal() {
    local sig=$1 code=$2
    log "received SIG$sig, stopping"
    if [ -n "$CHILD_PID" ] && kill -0 "$CHILD_PID" 2>/dev/null; then
        kill -"$sig" "$CHILD_PID" 2>/dev/null || true
        if ! wait_gone "$CHILD_PID" 100; then
            warn "command (pid $CHILD_PID) did not exit after SIG$sig, killing it"
            kill -KILL "$CHILD_PID" 2>/dev/null || true
        fi
    fi
    exit "$code"
}

trap cleanup EXIT
trap 'on_signal INT 130' INT
trap 'on_signal TERM 143' TERM
trap 'on_signal HUP 129' HUP

# ---------------------------------------------------------------------------
# Helpers
# ---------------------------------------------------------------------------
free_port() {
    if command -v python3 >/dev/null 2>&1; then
        python3 -c 'import socket
s = socket.socket()
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])
s.close()'
    else
        # No python3: a random high port; start-up retries on a clash.
        echo $((20000 + (RANDOM * 32768 + RANDOM) % 40000))
    fi
}

# Base temp dir: under /tmp when root, so that the postgres user can traverse it.
if [ "$AM_ROOT" -eq 1 ]; then
    tmp_root=/tmp
else
    tmp_root=${TMPDIR:-/tmp}
fi
BASE_DIR=$(mktemp -d "$tmp_root/dasv-services.XXXXXXXX")
chmod 0755 "$BASE_DIR"

# ---------------------------------------------------------------------------
# PostgreSQL
# ---------------------------------------------------------------------------
find_pg_bindir() {
    local d
    if [ -n "${DASV_PG_BINDIR:-}" ]; then
        d=$DASV_PG_BINDIR
        [ -x "$d/initdb" ] && [ -x "$d/pg_ctl" ] && [ -x "$d/postgres" ] && {
            echo "$d"
            return 0
        }
        return 1
    fi
    for d in /usr/lib/postgresql/15/bin \
        "$(pg_config --bindir 2>/dev/null || true)" \
        "$(dirname "$(readlink -f "$(command -v initdb 2>/dev/null || echo /nonexistent/initdb)")")"; do
        [ -n "$d" ] || continue
        if [ -x "$d/initdb" ] && [ -x "$d/pg_ctl" ] && [ -x "$d/postgres" ]; then
            echo "$d"
            return 0
        fi
    done
    return 1
}

start_postgres() {
    PG_DIR="$BASE_DIR/pg"
    PG_DATA="$PG_DIR/data"
    mkdir -m 0700 "$PG_DIR"
    if [ "$AM_ROOT" -eq 1 ]; then
        chown postgres: "$PG_DIR"
    fi
    local log="$PG_DIR/postgres.log" initlog="$PG_DIR/initdb.log"

    local initdb_ok=0 loc
    for loc in C.UTF-8 C; do
        rm -rf -- "$PG_DATA"
        if as_pg "$PG_BINDIR/initdb" -D "$PG_DATA" -U postgres --auth=trust \
            -E UTF8 --locale="$loc" --no-sync </dev/null >"$initlog" 2>&1; then
            initdb_ok=1
            break
        fi
    done
    if [ "$initdb_ok" -ne 1 ]; then
        err "initdb failed"
        tail_log "$initlog" "initdb output"
        exit 1
    fi

    cat >>"$PG_DATA/postgresql.conf" <<EOF

# --- with-services.sh: throwaway test cluster ---
listen_addresses = '127.0.0.1'
unix_socket_directories = '$PG_DIR'
max_connections = ${DASV_PG_MAX_CONNECTIONS:-100}
fsync = off
synchronous_commit = off
full_page_writes = off
wal_level = minimal
max_wal_senders = 0
checkpoint_timeout = 30min
max_wal_size = 4GB
logging_collector = off
EOF

    local attempt port
    for attempt in 1 2 3 4 5; do
        port=$(free_port)
        : >"$log"
        [ "$AM_ROOT" -eq 1 ] && chown postgres: "$log"
        if as_pg "$PG_BINDIR/pg_ctl" -D "$PG_DATA" -l "$log" -w -t 60 \
            -o "-p $port" start </dev/null >"$PG_DIR/pg_ctl.log" 2>&1; then
            PG_STARTED=1
            break
        fi
        # A port clash (another run grabbed it) is worth a retry; anything else is not.
        if grep -qi 'could not bind\|address already in use' "$log" 2>/dev/null; then
            log "PostgreSQL port $port taken, retrying"
            stop_postgres
            continue
        fi
        err "PostgreSQL failed to start"
        tail_log "$PG_DIR/pg_ctl.log" "pg_ctl output"
        tail_log "$log" "PostgreSQL log"
        exit 1
    done
    if [ "$PG_STARTED" -ne 1 ]; then
        err "PostgreSQL failed to start (no free port after $attempt attempts)"
        tail_log "$log" "PostgreSQL log"
        exit 1
    fi

    local createdb="$PG_BINDIR/createdb"
    if ! env -u PGSERVICE -u PGPASSWORD PGCONNECT_TIMEOUT=10 \
        "$createdb" -h 127.0.0.1 -p "$port" -U postgres dasv >"$PG_DIR/createdb.log" 2>&1; then
        err "could not create database dasv"
        tail_log "$PG_DIR/createdb.log" "createdb output"
        tail_log "$log" "PostgreSQL log"
        exit 1
    fi

    local version
    version=$("$PG_BINDIR/postgres" --version 2>/dev/null | sed 's/^postgres (PostgreSQL) //')
    export DATABASE_URL="postgres://postgres@127.0.0.1:$port/dasv"
    log "PostgreSQL $version on 127.0.0.1:$port (database dasv, user postgres, data $PG_DATA)"
}

# ---------------------------------------------------------------------------
# Redis
# ---------------------------------------------------------------------------
redis_ping() { # port
    local port=$1 reply=""
    if command -v redis-cli >/dev/null 2>&1; then
        reply=$(redis-cli -h 127.0.0.1 -p "$port" ping 2>/dev/null || true)
    else
        # Plain TCP fallback when redis-cli is not installed.
        reply=$( (
            exec 3<>"/dev/tcp/127.0.0.1/$port" || exit 1
            printf 'PING\r\n' >&3
            IFS= read -r -t 2 line <&3 || true
            printf '%s' "${line%$'\r'}"
        ) 2>/dev/null || true)
        reply=${reply#+}
    fi
    [ "$reply" = "PONG" ]
}

start_redis() {
    local server=$1
    REDIS_DIR="$BASE_DIR/redis"
    mkdir -m 0700 "$REDIS_DIR"
    local log="$REDIS_DIR/redis.log" pidfile="$REDIS_DIR/redis.pid"
    local attempt port n ok=0
    for attempt in 1 2 3 4 5; do
        port=$(free_port)
        rm -f -- "$pidfile"
        : >"$log"
        if ! "$server" --port "$port" --bind 127.0.0.1 --protected-mode yes \
            --save "" --appendonly no \
            --daemonize yes --pidfile "$pidfile" --dir "$REDIS_DIR" \
            --logfile "$log" </dev/null >"$REDIS_DIR/start.log" 2>&1; then
            err "redis-server failed to start"
            tail_log "$REDIS_DIR/start.log" "redis-server output"
            tail_log "$log" "Redis log"
            exit 1
        fi
        # Wait (about 10 s) for PONG, watching the daemon stays alive.
        n=100
        while [ "$n" -gt 0 ]; do
            if [ -z "$REDIS_PID" ] && [ -s "$pidfile" ]; then
                REDIS_PID=$(cat "$pidfile" 2>/dev/null || true)
            fi
            if redis_ping "$port"; then
                ok=1
                break
            fi
            if [ -n "$REDIS_PID" ] && ! alive "$REDIS_PID"; then
                break
            fi
            sleep 0.1
            n=$((n - 1))
        done
        [ "$ok" -eq 1 ] && break
        if grep -qi 'address already in use' "$log" 2>/dev/null; then
            log "Redis port $port taken, retrying"
            stop_redis
            continue
        fi
        err "Redis did not answer PING on 127.0.0.1:$port within 10 s"
        tail_log "$REDIS_DIR/start.log" "redis-server output"
        tail_log "$log" "Redis log"
        exit 1
    done
    if [ "$ok" -ne 1 ]; then
        err "Redis failed to start (no free port after $attempt attempts)"
        tail_log "$log" "Redis log"
        exit 1
    fi
    [ -n "$REDIS_PID" ] || REDIS_PID=$(cat "$pidfile" 2>/dev/null || true)
    export CELERY_BROKER_URL="redis://127.0.0.1:$port/0"
    export CELERY_RESULT_BACKEND="redis://127.0.0.1:$port/1"
    export REDIS_URL="redis://127.0.0.1:$port/2"
    local version
    version=$("$server" --version 2>/dev/null | sed -n 's/.* v=\([^ ]*\).*/\1/p')
    log "Redis ${version:-?} on 127.0.0.1:$port (pid ${REDIS_PID:-?})"
}

# ---------------------------------------------------------------------------
# Find both services first (so CI reports everything that is missing at once),
# then start them.
# ---------------------------------------------------------------------------
missing=0
pg_msg=""
if PG_BINDIR=$(find_pg_bindir); then
    if [ "$AM_ROOT" -eq 1 ] && ! id postgres >/dev/null 2>&1; then
        pg_msg="running as root but there is no 'postgres' OS user to run PostgreSQL as (install postgresql-15, or run as a non-root user)."
        PG_BINDIR=""
    fi
else
    PG_BINDIR=""
    if [ -n "${DASV_PG_BINDIR:-}" ]; then
        pg_msg="PostgreSQL binaries (initdb, pg_ctl, postgres) not found in DASV_PG_BINDIR=$DASV_PG_BINDIR."
    else
        pg_msg="PostgreSQL server binaries not found (looked in /usr/lib/postgresql/15/bin, pg_config --bindir, PATH). Install postgresql-15 (scripts/install-system-deps.sh)."
    fi
fi
[ -n "$pg_msg" ] && missing=$((missing + 1))

redis_msg=""
if [ -n "${DASV_REDIS_SERVER:-}" ]; then
    redis_server_bin=$(command -v -- "$DASV_REDIS_SERVER" 2>/dev/null || true)
else
    redis_server_bin=$(command -v redis-server 2>/dev/null || true)
fi
if [ -z "$redis_server_bin" ]; then
    redis_msg="redis-server not found${DASV_REDIS_SERVER:+ (DASV_REDIS_SERVER=$DASV_REDIS_SERVER)}. Install redis-server (scripts/install-system-deps.sh)."
    missing=$((missing + 1))
fi

if [ "$missing" -gt 0 ]; then
    if is_ci; then
        [ -n "$pg_msg" ] && err "$pg_msg"
        [ -n "$redis_msg" ] && err "$redis_msg"
        err "CI=true: refusing to run without the missing service(s); nothing was run."
        exit 1
    fi
    [ -n "$pg_msg" ] && warn "$pg_msg" && warn "the command will run WITHOUT PostgreSQL (DATABASE_URL is not set)."
    [ -n "$redis_msg" ] && warn "$redis_msg" && warn "the command will run WITHOUT Redis (CELERY_BROKER_URL, CELERY_RESULT_BACKEND, REDIS_URL are not set)."
fi

[ -n "$PG_BINDIR" ] && start_postgres
[ -n "$redis_server_bin" ] && start_redis "$redis_server_bin"

# ---------------------------------------------------------------------------
# Run the command
# ---------------------------------------------------------------------------
# In the background so that a SIGTERM sent to this script is handled at once
# (bash defers traps while a foreground child runs). `<&0` keeps stdin (bash
# would give a background job /dev/null), and `env --default-signal` undoes
# the SIGINT/SIGQUIT ignore that bash sets on background jobs, so Ctrl-C in a
# terminal still reaches the command.
if env --default-signal=INT true >/dev/null 2>&1; then
    env --default-signal=INT,QUIT -- "$@" <&0 &
else
    "$@" <&0 &
fi
CHILD_PID=$!

set +e
wait "$CHILD_PID"
rc=$?
set -e
CHILD_PID=""
exit "$rc"
