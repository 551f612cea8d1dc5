# shellcheck shell=bash
# Throwaway PostgreSQL cluster, shared by tools/run-tests and tools/demo-server.
# Source it after tools/lib/common.sh, then:
#
#   pgc_start WORKDIR   # initdb + start in WORKDIR/pg; sets DB_HOST DB_PORT
#                       # DB_USER DB_PASSWORD for a LOGIN CREATEDB role "odoo"
#   pgc_stop            # stop the server (idempotent; call it from a trap)
#
# The server listens on 127.0.0.1 only, on a free port, with its unix socket in
# WORKDIR/pg/sock. PostgreSQL refuses to run as root: when root, it runs as the
# OS user PG_OS_USER (default: postgres) through runuser.
#
# Environment: PG_BINDIR (directory of initdb/pg_ctl/psql; default: the newest
# /usr/lib/postgresql/*/bin, else pg_config --bindir, else initdb on PATH),
# PG_OS_USER (see above), PGC_EXTRA_CONF (lines appended to postgresql.conf).

PGC_DIR=""
PGC_BINDIR=""
PGC_MIN_MAJOR=13

# pgc_find_bindir: print the directory holding initdb and pg_ctl.
pgc_find_bindir() {
    local d best=""
    if [ -n "${PG_BINDIR:-}" ]; then
        if [ -x "$PG_BINDIR/initdb" ] && [ -x "$PG_BINDIR/pg_ctl" ]; then
            printf '%s\n' "$PG_BINDIR"
            return 0
        fi
        say_err "PG_BINDIR=$PG_BINDIR has no initdb/pg_ctl"
        return 1
    fi
    # Debian/Ubuntu layout: /usr/lib/postgresql/<major>/bin; keep the newest.
    while IFS= read -r d; do
        [ -x "$d/initdb" ] && [ -x "$d/pg_ctl" ] && best="$d"
    done < <(for d in /usr/lib/postgresql/*/bin /usr/pgsql-*/bin; do
        [ -d "$d" ] && printf '%s\n' "$d"
    done | sort -V)
    if [ -z "$best" ] && command -v pg_config >/dev/null 2>&1; then
        d=$(pg_config --bindir 2>/dev/null) || d=""
        [ -n "$d" ] && [ -x "$d/initdb" ] && [ -x "$d/pg_ctl" ] && best="$d"
    fi
    if [ -z "$best" ] && command -v initdb >/dev/null 2>&1; then
        d=$(dirname "$(command -v initdb)")
        [ -x "$d/pg_ctl" ] && best="$d"
    fi
    if [ -z "$best" ]; then
        say_err "PostgreSQL server binaries (initdb, pg_ctl) not found: install PostgreSQL >= $PGC_MIN_MAJOR (e.g. Debian's postgresql package) or set PG_BINDIR"
        return 1
    fi
    printf '%s\n' "$best"
}

# pgc_as_pg CMD...: run CMD as the PostgreSQL OS user when root, directly otherwise.
pgc_as_pg() {
    if [ "$(id -u)" -eq 0 ]; then
        runuser -u "${PG_OS_USER:-postgres}" -- "$@"
    else
        "$@"
    fi
}

# pgc_start WORKDIR
pgc_start() {
    local work="$1" major pgport pw_super
    PGC_BINDIR=$(pgc_find_bindir) || return 1
    major=$("$PGC_BINDIR/pg_ctl" --version | sed -E 's/.* ([0-9]+)(\.[0-9]+)?.*/\1/')
    if [ -z "$major" ] || [ "$major" -lt "$PGC_MIN_MAJOR" ]; then
        say_err "PostgreSQL >= $PGC_MIN_MAJOR is required, $PGC_BINDIR has $("$PGC_BINDIR/pg_ctl" --version)"
        return 1
    fi
    PGC_DIR="$work/pg"
    mkdir -p "$PGC_DIR/sock"
    if [ "$(id -u)" -eq 0 ]; then
        if ! id -u "${PG_OS_USER:-postgres}" >/dev/null 2>&1; then
            say_err "running as root, but there is no OS user '${PG_OS_USER:-postgres}' to run PostgreSQL as (set PG_OS_USER)"
            return 1
        fi
        # The server's user must reach WORKDIR/pg (mktemp -d makes WORKDIR 0700).
        chmod 0711 "$work"
        chown -R "${PG_OS_USER:-postgres}:" "$PGC_DIR"
    fi
    pw_super=$(random_secret)
    (umask 077 && printf '%s\n' "$pw_super" >"$PGC_DIR/pwfile")
    [ "$(id -u)" -eq 0 ] && chown "${PG_OS_USER:-postgres}:" "$PGC_DIR/pwfile"
    # Local (socket) connections are trusted: the socket lives in our private
    # temp dir. TCP connections need a password (what Odoo uses).
    if ! (cd "$PGC_DIR" && pgc_as_pg "$PGC_BINDIR/initdb" -D "$PGC_DIR/data" -U postgres \
        --pwfile="$PGC_DIR/pwfile" --auth-host=scram-sha-256 --auth-local=trust \
        -E UTF8 --locale=C --no-sync >"$PGC_DIR/initdb.log" 2>&1); then
        say_err "initdb failed:"
        cat "$PGC_DIR/initdb.log" >&2
        return 1
    fi
    # Throwaway cluster: trade durability for speed.
    cat >>"$PGC_DIR/data/postgresql.conf" <<CONF

# added by tools/lib/pgcluster.sh (throwaway test cluster)
listen_addresses = '127.0.0.1'
unix_socket_directories = '$PGC_DIR/sock'
fsync = off
synchronous_commit = off
full_page_writes = off
max_connections = 100
${PGC_EXTRA_CONF:-}
CONF
    for _ in 1 2 3; do
        pgport=$(free_port)
        # setsid: the server gets its own session, so a Ctrl-C in the terminal
        # does not reach it before our cleanup stops it in order.
        if (cd "$PGC_DIR" && pgc_as_pg setsid -w "$PGC_BINDIR/pg_ctl" -D "$PGC_DIR/data" \
            -l "$PGC_DIR/postgres.log" -o "-p $pgport" -w -t 60 start >/dev/null 2>&1); then
            break
        fi
        pgport=""
        sleep 1
    done
    if [ -z "$pgport" ]; then
        say_err "PostgreSQL did not start; its log:"
        tail -n 30 "$PGC_DIR/postgres.log" >&2 2>/dev/null
        return 1
    fi
    DB_HOST=127.0.0.1
    DB_PORT="$pgport"
    DB_USER=odoo
    DB_PASSWORD=$(random_secret)
    if ! (cd "$PGC_DIR" && pgc_as_pg "$PGC_BINDIR/psql" -X -q -v ON_ERROR_STOP=1 \
        -h "$PGC_DIR/sock" -p "$DB_PORT" -U postgres -d postgres \
        -c "CREATE ROLE $DB_USER LOGIN CREATEDB PASSWORD '$DB_PASSWORD'" >"$PGC_DIR/psql.log" 2>&1); then
        say_err "could not create the PostgreSQL role $DB_USER:"
        cat "$PGC_DIR/psql.log" >&2
        return 1
    fi
    PGC_VERSION="$major"
    return 0
}

# pgc_stop: stop the cluster started by pgc_start, if any; never fails.
pgc_stop() {
    local pid
    [ -n "$PGC_DIR" ] && [ -n "$PGC_BINDIR" ] || return 0
    if [ -f "$PGC_DIR/data/postmaster.pid" ]; then
        (cd "$PGC_DIR" && pgc_as_pg "$PGC_BINDIR/pg_ctl" -D "$PGC_DIR/data" -m fast -w -t 20 stop) >/dev/null 2>&1 ||
            (cd "$PGC_DIR" && pgc_as_pg "$PGC_BINDIR/pg_ctl" -D "$PGC_DIR/data" -m immediate -w -t 10 stop) >/dev/null 2>&1
        if [ -f "$PGC_DIR/data/postmaster.pid" ]; then
            pid=$(head -n 1 "$PGC_DIR/data/postmaster.pid" 2>/dev/null)
            [ -n "$pid" ] && kill -KILL "$pid" 2>/dev/null
        fi
    fi
    PGC_DIR=""
    return 0
}
