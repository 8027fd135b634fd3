#!/usr/bin/env bash
# Install the system packages the test run needs, when they are missing:
#
#   redis-server    (command redis-server)        Debian package redis-server
#   chromium        (command chromium)            Debian package chromium
#   PostgreSQL 15   (initdb/pg_ctl/postgres)      Debian package postgresql-15
#   Pango           (libpango, for WeasyPrint's   Debian packages libpango-1.0-0,
#                    PDF exports)                  libpangoft2-1.0-0
#
# Quick and idempotent: when everything is present it makes no apt call.
# When something is missing and we are root on Debian, it is installed with
# apt-get. Otherwise the script says what is missing and how to install it,
# and exits 1 when CI=true (the suite must not silently skip in CI), else 0
# with a WARNING.
#
# Usage: scripts/install-system-deps.sh
# Env:   CI=true               missing and not installable -> exit 1
#        DASV_PG_BINDIR        where the PostgreSQL server binaries are (as
#                              in scripts/with-services.sh)
set -euo pipefail

readonly PROG="install-system-deps"
log() { printf '%s: %s\n' "$PROG" "$*" >&2; }
warn() { printf '%s: WARNING: %s\n' "$PROG" "$*" >&2; }
err() { printf '%s: ERROR: %s\n' "$PROG" "$*" >&2; }

is_ci() {
    case "${CI:-}" in
        [Tt][Rr][Uu][Ee] | 1 | [Yy][Ee][Ss]) return 0 ;;
        *) return 1 ;;
    esac
}

# Same search as scripts/with-services.sh.
have_pg_server() {
    local d
    if [ -n "${DASV_PG_BINDIR:-}" ]; then
        [ -x "$DASV_PG_BINDIR/initdb" ] && [ -x "$DASV_PG_BINDIR/pg_ctl" ] && [ -x "$DASV_PG_BINDIR/postgres" ]
        return
    fi
    for d in /usr/lib/postgresql/15/bin \
        "$(pg_config --bindir 2>/dev/null || true)" \
        "$(dirname "$(readlink -f "$(command -v initdb 2>/dev/null || echo /nonexistent/initdb)")")"; do
        [ -n "$d" ] || continue
        if [ -x "$d/initdb" ] && [ -x "$d/pg_ctl" ] && [ -x "$d/postgres" ]; then
            return 0
        fi
    done
    return 1
}

join() { # items... -> "a, b, c"
    local out="" x
    for x in "$@"; do out+="${out:+, }$x"; done
    printf '%s' "$out"
}

# missing: Debian package names; what: human-readable names.
missing=()
what=()
check() {
    missing=()
    what=()
    if ! command -v redis-server >/dev/null 2>&1; then
        missing+=(redis-server)
        what+=("redis-server (command redis-server)")
    fi
    if ! command -v chromium >/dev/null 2>&1; then
        missing+=(chromium)
        what+=("chromium (command chromium)")
    fi
    if ! have_pg_server; then
        missing+=(postgresql-15)
        what+=("PostgreSQL 15 server (initdb, pg_ctl, postgres)")
    fi
    # WeasyPrint (the reports' PDF exports) loads Pango with dlopen.
    if ! ldconfig -p 2>/dev/null | grep -q 'libpango-1.0.so.0' || ! ldconfig -p 2>/dev/null | grep -q 'libpangoft2-1.0.so.0'; then
        missing+=(libpango-1.0-0 libpangoft2-1.0-0)
        what+=("Pango (libpango-1.0-0, libpangoft2-1.0-0) for PDF exports")
    fi
    # Running the server as root needs the postgres OS user (postgresql-common).
    if [ "$(id -u)" -eq 0 ] && have_pg_server && ! id postgres >/dev/null 2>&1; then
        missing+=(postgresql-common)
        what+=("the 'postgres' OS user (package postgresql-common)")
    fi
}

check
if [ "${#missing[@]}" -eq 0 ]; then
    log "all present: redis-server, chromium, PostgreSQL server, Pango"
    exit 0
fi

log "missing: $(join "${what[@]}")"

if [ "$(id -u)" -eq 0 ] && [ -f /etc/debian_version ] && command -v apt-get >/dev/null 2>&1; then
    export DEBIAN_FRONTEND=noninteractive
    # Wait for a concurrent apt/dpkg run instead of failing on its lock.
    apt_opts=(-o DPkg::Lock::Timeout=600)
    log "installing with apt-get: ${missing[*]}"
    if ! apt-get "${apt_opts[@]}" update -qq; then
        warn "apt-get update failed; trying the install with the current package lists"
    fi
    # --no-install-recommends: chromium then still runs headless (fonts come
    # with fontconfig's dependencies; GPU/desktop extras are only recommended).
    if ! apt-get "${apt_opts[@]}" install -y -qq --no-install-recommends --no-upgrade "${missing[@]}"; then
        err "apt-get install ${missing[*]} failed"
    fi
    hash -r
    check
    if [ "${#missing[@]}" -eq 0 ]; then
        profile=$(mktemp -d /tmp/dasv-chromium-check.XXXXXX)
        if ! timeout 60 chromium --headless --no-sandbox --disable-gpu --disable-dev-shm-usage \
            --no-first-run --disable-background-networking --disable-component-update \
            --disable-sync --user-data-dir="$profile" \
            --dump-dom about:blank >/dev/null 2>&1; then
            warn "chromium is installed but did not run headless (chromium --headless --dump-dom about:blank failed)"
        fi
        rm -rf -- "$profile"
        log "installed; all present"
        exit 0
    fi
    log "still missing after apt-get: $(join "${what[@]}")"
else
    if [ "$(id -u)" -ne 0 ] && [ -f /etc/debian_version ]; then
        log "not root: cannot install. As root run:"
        log "  apt-get update && apt-get install -y --no-install-recommends ${missing[*]}"
        log "  (or: sudo scripts/install-system-deps.sh)"
    else
        log "not a Debian system: install these with your package manager:"
        for w in "${what[@]}"; do
            log "  - $w"
        done
        log "  e.g. macOS: brew install redis postgresql@15 && brew install --cask chromium"
        log "  or point DASV_PG_BINDIR at a PostgreSQL 15 bin directory"
    fi
fi

if is_ci; then
    err "CI=true: required system packages are missing: ${missing[*]}"
    exit 1
fi
warn "continuing without: ${missing[*]} (tests needing them will not run fully)"
exit 0
