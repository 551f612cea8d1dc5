# shellcheck shell=bash
# Helpers shared by tools/run-tests and tools/demo-server. Source it, do not run it.
#
# Nothing here knows where Odoo or PostgreSQL live on a given machine: Odoo is
# found through the `python3` on PATH (override with PYTHON=...), its addons
# next to the imported `odoo` package (override with ODOO_ADDONS_PATH=...).

# Interpreter that must be able to `import odoo`.
PYTHON="${PYTHON:-python3}"
# Prefix of every message printed by the tools (set by the caller).
TOOL_NAME="${TOOL_NAME:-tools}"

say() { printf '%s: %s\n' "$TOOL_NAME" "$*"; }
say_err() { printf '%s: %s\n' "$TOOL_NAME" "$*" >&2; }

# Seconds since the epoch, for the timings printed by the tools.
now_s() { date +%s; }

# odoo_check: succeed when $PYTHON imports Odoo 18.0, otherwise print nothing
# and fail. ODOO_CHECK_MESSAGE then holds the one line to show to the user.
odoo_check() {
    local out
    ODOO_CHECK_MESSAGE=""
    if ! out=$("$PYTHON" -c 'import odoo.release as r; print("%d.%d" % tuple(r.version_info[:2]))' 2>/dev/null); then
        ODOO_CHECK_MESSAGE="Odoo 18.0 is not importable by $PYTHON: install it from Odoo's official source (see README)"
        return 1
    fi
    if [ "$out" != "18.0" ]; then
        ODOO_CHECK_MESSAGE="$PYTHON imports Odoo $out, but Odoo 18.0 is required: install it from Odoo's official source (see README)"
        return 1
    fi
    return 0
}

# odoo_addons_dirs: print Odoo's own addons directories, comma-separated:
# <odoo package>/addons (base addons) and <odoo package>/../addons (community
# addons of a source checkout) when it exists. ODOO_ADDONS_PATH replaces them.
odoo_addons_dirs() {
    if [ -n "${ODOO_ADDONS_PATH:-}" ]; then
        printf '%s\n' "$ODOO_ADDONS_PATH"
        return 0
    fi
    "$PYTHON" - <<'PY'
import os

import odoo

pkg = os.path.dirname(os.path.realpath(odoo.__file__))
dirs = []
for d in (os.path.join(pkg, "addons"), os.path.join(os.path.dirname(pkg), "addons")):
    if os.path.isdir(d) and d not in dirs:
        dirs.append(d)
print(",".join(dirs))
PY
}

# free_port: print a TCP port of 127.0.0.1 that is free right now.
free_port() {
    "$PYTHON" -c 'import socket
s = socket.socket()
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])
s.close()'
}

# port_is_free PORT: succeed when PORT of 127.0.0.1 can be bound.
port_is_free() {
    "$PYTHON" -c 'import socket, sys
s = socket.socket()
try:
    s.bind(("127.0.0.1", int(sys.argv[1])))
except OSError:
    sys.exit(1)
finally:
    s.close()' "$1"
}

# random_secret: print a random alphanumeric string (passwords of throwaway roles).
random_secret() {
    "$PYTHON" -c 'import secrets; print(secrets.token_hex(16))'
}

# run_child CMD...: run CMD in its own session (so that a Ctrl-C reaches this
# script first, and cleanup can stop CMD and everything it started, e.g. a
# headless Chromium) and wait for it. Returns CMD's exit status.
CHILD_PID=""
run_child() {
    setsid "$@" &
    CHILD_PID=$!
    local rc=0
    wait "$CHILD_PID" || rc=$?
    CHILD_PID=""
    return "$rc"
}

# run_child_log LOGFILE CMD...: run_child with CMD's output appended to LOGFILE.
# (Do not redirect a run_child call instead: the redirection would also catch
# what the caller's traps print while it waits.)
run_child_log() {
    local log="$1"
    shift
    setsid "$@" >>"$log" 2>&1 &
    CHILD_PID=$!
    local rc=0
    wait "$CHILD_PID" || rc=$?
    CHILD_PID=""
    return "$rc"
}

# stop_child [SIGNAL] [GRACE_SECONDS]: stop the process group started by
# run_child (if any) with SIGNAL, then SIGKILL after GRACE_SECONDS.
stop_child() {
    local sig="${1:-TERM}" grace="${2:-10}" pid="$CHILD_PID" i
    [ -n "$pid" ] || return 0
    kill -s "$sig" -- "-$pid" 2>/dev/null || kill -s "$sig" "$pid" 2>/dev/null || true
    for ((i = 0; i < grace * 10; i++)); do
        kill -0 -- "-$pid" 2>/dev/null || break
        sleep 0.1
    done
    kill -s KILL -- "-$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
    CHILD_PID=""
}

# odoo_cmd ARGS...: the Odoo command line (same as odoo-bin: server in UTC).
odoo_cmd() {
    TZ=UTC "$PYTHON" -m odoo "$@"
}

# write_odoo_config FILE DATA_DIR DB_NAME HTTP_PORT: write an Odoo config file
# using DB_HOST DB_PORT DB_USER DB_PASSWORD and ADDONS_PATH of the caller.
write_odoo_config() {
    local file="$1" data_dir="$2" db_name="$3" http_port="$4"
    local gevent_port
    gevent_port=$(free_port)
    cat >"$file" <<CONF
[options]
db_host = $DB_HOST
db_port = $DB_PORT
db_user = $DB_USER
db_password = ${DB_PASSWORD:-False}
db_name = $db_name
dbfilter = ^${db_name}\$
list_db = False
admin_passwd = $(random_secret)
addons_path = $ADDONS_PATH
data_dir = $data_dir
http_interface = 127.0.0.1
http_port = $http_port
gevent_port = $gevent_port
workers = 0
max_cron_threads = 0
without_demo = False
CONF
}

# db_query SQL: run SQL on the test database (DB_* and DB_NAME of the caller)
# with Odoo's own psycopg2 and print the first column of the first row.
db_query() {
    DB_HOST="$DB_HOST" DB_PORT="$DB_PORT" DB_USER="$DB_USER" DB_PASSWORD="${DB_PASSWORD:-}" \
        DB_NAME="${2:-$DB_NAME}" "$PYTHON" -c 'import os, sys

import psycopg2

conn = psycopg2.connect(
    host=os.environ["DB_HOST"],
    port=os.environ["DB_PORT"],
    user=os.environ["DB_USER"],
    password=os.environ["DB_PASSWORD"] or None,
    dbname=os.environ["DB_NAME"],
)
conn.autocommit = True
with conn.cursor() as cr:
    cr.execute(sys.argv[1])
    row = cr.fetchone() if cr.description else None
conn.close()
if row:
    print(row[0])' "$1"
}

# odoo_log_problems ADDON LOGFILE: print the records of an Odoo log that have a
# line with " ERROR " or " CRITICAL ", or a " WARNING " line mentioning ADDON
# (its name, or its name with dots, which is how its models are named, e.g.
# customer.offboarding.case). A record is a log line and its continuation lines,
# e.g. a traceback; at most 40 lines of each are printed. Prints nothing when
# the log is clean.
odoo_log_problems() {
    awk -v addon="$1" -v dotted="${1//_/.}" '
        function flush() {
            if (flagged) printf "%s", rec
            rec = ""; n = 0; flagged = 0
        }
        /^[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9] [0-9:,]+ [0-9]+ [A-Z]+ / { flush() }
        {
            if (n < 40) rec = rec $0 "\n"
            n++
            if (index($0, " ERROR ") || index($0, " CRITICAL ") ||
                (index($0, " WARNING ") && (index($0, addon) || index($0, dotted)))) flagged = 1
        }
        END { flush() }' "$2"
}
