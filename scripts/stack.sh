#!/usr/bin/env bash
# The local Supabase stand-in: Postgres 15 (+pg_cron, pg_stat_statements), pgbouncer in
# transaction mode (Supavisor), redis-server behind an Upstash REST bridge, the functions
# gateway, the job scheduler (pg_cron + pg_net's stand-in), Prometheus and the ops dashboard.
# No Docker.
#
#   scripts/stack.sh up [--no-gateway] [--bare]   (--bare: no scheduler, Prometheus, dashboard)
#                                        install what is missing, start everything, push migrations
#   scripts/stack.sh down                stop what `up` started (by pid)
#   scripts/stack.sh status              what is running
#   scripts/stack.sh reset               down, then wipe the data dir
#   scripts/stack.sh env                 print the env file
#   scripts/stack.sh start <part>        start one part again (postgres, pgbouncer, redis, bridge,
#                                        gateway, scheduler) after a fault; `up` must have run before
#   scripts/stack.sh stop-gateway        stop only the gateway (the fault suite runs its own)
#   scripts/stack.sh stop-scheduler      stop only the scheduler (jobs then wait)
#
# Everything is configurable by env; STACK_PORT_OFFSET shifts every default port (the test stack
# uses 1000 so it can run beside `npm start`).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
STACK_DIR=${STACK_DIR:-.stack/dev}
case "$STACK_DIR" in /*) ;; *) STACK_DIR="$ROOT/$STACK_DIR" ;; esac
OFF=${STACK_PORT_OFFSET:-0}
API_PORT=${API_PORT:-$((54321 + OFF))}
DB_PORT=${DB_PORT:-$((54322 + OFF))}
POOLER_PORT=${POOLER_PORT:-$((6543 + OFF))}
REDIS_PORT=${REDIS_PORT:-$((54379 + OFF))}
REDIS_REST_PORT=${REDIS_REST_PORT:-$((54380 + OFF))}
SCHEDULER_PORT=${SCHEDULER_PORT:-$((54390 + OFF))}
PROMETHEUS_PORT=${PROMETHEUS_PORT:-$((54391 + OFF))}
DASHBOARD_PORT=${DASHBOARD_PORT:-$((54392 + OFF))}
DB_PASSWORD=${DB_PASSWORD:-postgres}
POOLER_POOL_SIZE=${POOLER_POOL_SIZE:-20}
JWT_SECRET=${JWT_SECRET:-super-secret-jwt-token-with-at-least-32-characters-long}
UPSTASH_REDIS_REST_TOKEN=${UPSTASH_REDIS_REST_TOKEN:-local-upstash-token}
PG_BIN=${PG_BIN:-/usr/lib/postgresql/15/bin}
DENO="$ROOT/node_modules/.bin/deno"
SUPABASE="$ROOT/node_modules/.bin/supabase"
LOGS="$STACK_DIR/logs"
ENV_FILE="$STACK_DIR/env"

log() { printf '[stack] %s\n' "$*" >&2; }
die() { printf '[stack] error: %s\n' "$*" >&2; exit 1; }

# Postgres and pgbouncer refuse to run as root: run them as the `postgres` user when we are root.
as_pg() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }

# The data dir must be reachable by the postgres user; a clone under /root is not, so fall
# back to a per-clone folder in /var/tmp.
pg_home() {
  if [ "$(id -u)" != 0 ] || runuser -u postgres -- test -x "$STACK_DIR" 2>/dev/null; then
    echo "$STACK_DIR"
  else
    echo "/var/tmp/crew-stack-$(printf '%s' "$STACK_DIR" | md5sum | cut -c1-10)"
  fi
}

wait_port() { # port seconds name
  local i
  for ((i = 0; i < $2 * 10; i++)); do
    (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0
    sleep 0.1
  done
  die "$3 did not open port $1 in $2 s (logs: $LOGS)"
}

alive() { [ -f "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null; }

ensure_deps() {
  local missing=()
  [ -x "$PG_BIN/initdb" ] || missing+=(postgresql-15)
  [ -f /usr/share/postgresql/15/extension/pg_cron.control ] || missing+=(postgresql-15-cron)
  [ -f /usr/share/postgresql/15/extension/pgtap.control ] || missing+=(postgresql-15-pgtap)
  command -v pg_prove >/dev/null || missing+=(postgresql-15-pgtap)
  command -v pgbouncer >/dev/null || [ -x /usr/sbin/pgbouncer ] || missing+=(pgbouncer)
  command -v redis-server >/dev/null || missing+=(redis-server)
  command -v wrk >/dev/null || missing+=(wrk)
  command -v prometheus >/dev/null || missing+=(prometheus)
  command -v chromium >/dev/null || missing+=(chromium)
  if [ ${#missing[@]} -gt 0 ]; then
    [ "$(id -u)" = 0 ] || die "missing Debian packages: ${missing[*]} (run as root or: sudo apt-get install ${missing[*]})"
    command -v apt-get >/dev/null || die "missing packages ${missing[*]} and no apt-get to install them"
    log "installing ${missing[*]}"
    apt-get update -qq >/dev/null
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null ||
      die "apt-get install ${missing[*]} failed"
  fi
  if [ ! -x "$DENO" ] || [ ! -x "$SUPABASE" ]; then
    log "installing the npm toolchain (deno, supabase CLI)"
    (cd "$ROOT" && npm install --no-audit --no-fund --loglevel=error >/dev/null) || die "npm install failed"
  fi
  # The Edge Runtime's own Deno, in a folder of its own (scripts/stack/edge-runtime.ts).
  bash "$ROOT/scripts/edge-runtime/install.sh" || die "installing the Edge Runtime's Deno failed"
}

write_env() {
  local keys metrics_token cache_keys
  # The scrape token survives `up` after `up` (Prometheus's config holds it too).
  metrics_token=$(sed -n 's/^METRICS_TOKEN=//p' "$ENV_FILE" 2>/dev/null || true)
  [ -n "$metrics_token" ] || metrics_token=$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n')
  # The key that seals cache entries in Redis (shared/cache/seal.ts); kept across `up` so
  # entries already in Redis still open.
  cache_keys=$(sed -n 's/^CACHE_ENCRYPTION_KEYS=//p' "$ENV_FILE" 2>/dev/null || true)
  [ -n "$cache_keys" ] || cache_keys="local1:$(head -c 32 /dev/urandom | base64 -w0)"
  # The first Deno run in a checkout prints a note on npm:deno's install script (which the
  # tooling never needs): kept in the log, shown only if the run fails.
  keys=$(JWT_SECRET="$JWT_SECRET" "$DENO" run -A "$ROOT/scripts/stack/keys.ts" env 2>"$LOGS/keys.log") ||
    { cat "$LOGS/keys.log" >&2; exit 1; }
  cat >"$ENV_FILE" <<ENV
# Written by scripts/stack.sh up — local only, never commit.
SUPABASE_URL=http://127.0.0.1:$API_PORT
JWT_SECRET=$JWT_SECRET
$keys
DB_POOLER_URL=postgres://postgres:$DB_PASSWORD@127.0.0.1:$POOLER_PORT/postgres
DB_DIRECT_URL=postgres://postgres:$DB_PASSWORD@127.0.0.1:$DB_PORT/postgres
DB_POOL_MIN=${DB_POOL_MIN:-1}
DB_POOL_MAX=${DB_POOL_MAX:-4}
DB_STATEMENT_TIMEOUT=${DB_STATEMENT_TIMEOUT:-30000}
POOLER_POOL_SIZE=$POOLER_POOL_SIZE
REDIS_URL=redis://127.0.0.1:$REDIS_PORT
UPSTASH_REDIS_REST_URL=http://127.0.0.1:$REDIS_REST_PORT
UPSTASH_REDIS_REST_TOKEN=$UPSTASH_REDIS_REST_TOKEN
CACHE_ENCRYPTION_KEYS=$cache_keys
API_PORT=$API_PORT
DB_PORT=$DB_PORT
POOLER_PORT=$POOLER_PORT
REDIS_PORT=$REDIS_PORT
REDIS_REST_PORT=$REDIS_REST_PORT
SCHEDULER_PORT=$SCHEDULER_PORT
PROMETHEUS_PORT=$PROMETHEUS_PORT
DASHBOARD_PORT=$DASHBOARD_PORT
METRICS_TOKEN=$metrics_token
STACK_DIR=$STACK_DIR
ENV
}

psql_direct() {
  PGPASSWORD=$DB_PASSWORD psql -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$DB_PORT" -U postgres -d postgres "$@"
}

start_postgres() {
  local home pgdata
  home=$(pg_home)
  pgdata="$home/pg"
  mkdir -p "$home"
  [ "$(id -u)" = 0 ] && chown postgres:postgres "$home"
  if [ ! -f "$pgdata/PG_VERSION" ]; then
    log "initdb $pgdata"
    local pwfile="$home/.pw"
    printf '%s\n' "$DB_PASSWORD" >"$pwfile"
    [ "$(id -u)" = 0 ] && chown postgres:postgres "$pwfile"
    as_pg "$PG_BIN/initdb" -D "$pgdata" -U postgres --auth-local=trust --auth-host=scram-sha-256 \
      --pwfile="$pwfile" -E UTF8 --locale=C.UTF-8 >"$LOGS/initdb.log" 2>&1 || die "initdb failed: $LOGS/initdb.log"
    rm -f "$pwfile"
    cat >>"$pgdata/postgresql.conf" <<CONF
# crew-backend local stack
listen_addresses = '127.0.0.1'
unix_socket_directories = '/tmp'
max_connections = 200
shared_preload_libraries = 'pg_cron,pg_stat_statements'
cron.database_name = 'postgres'
# pg_cron jobs fail with "connection failed" under password auth without background workers.
cron.use_background_workers = on
max_worker_processes = 32
pg_stat_statements.track = all
shared_buffers = 512MB
work_mem = 16MB
maintenance_work_mem = 512MB
max_wal_size = 4GB
CONF
  fi
  # The port lives on the command line so a reused data dir follows STACK_PORT_OFFSET.
  if ! as_pg "$PG_BIN/pg_ctl" -D "$pgdata" status >/dev/null 2>&1; then
    log "postgres on 127.0.0.1:$DB_PORT"
    local pglog="$home/postgres.log"
    as_pg "$PG_BIN/pg_ctl" -D "$pgdata" -l "$pglog" -o "-p $DB_PORT" -w -t 60 start >/dev/null ||
      die "postgres did not start: $pglog"
  fi
  echo "$pgdata" >"$STACK_DIR/pgdata.path"
}

bootstrap_and_push() {
  psql_direct -f "$ROOT/scripts/stack/bootstrap.sql" >/dev/null || die "bootstrap failed"
  if compgen -G "$ROOT/supabase/migrations/*.sql" >/dev/null; then
    # `db push` goes by file name, so a migration edited in place is not applied again.
    local sum
    sum=$(cat "$ROOT"/supabase/migrations/*.sql | sha256sum | cut -c1-16)
    if [ -f "$STACK_DIR/migrations.sum" ] && [ "$(cat "$STACK_DIR/migrations.sum")" != "$sum" ]; then
      log "warning: supabase/migrations changed since this database was built; new files are"
      log "warning: pushed, edits to applied files are not — \`scripts/stack.sh reset\` rebuilds it"
    fi
    [ -f "$STACK_DIR/migrations.sum" ] || echo "$sum" >"$STACK_DIR/migrations.sum"
    log "supabase db push"
    (cd "$ROOT" && "$SUPABASE" db push --yes \
      --db-url "postgresql://postgres:$DB_PASSWORD@127.0.0.1:$DB_PORT/postgres?sslmode=disable") >"$LOGS/db-push.log" 2>&1 ||
      { cat "$LOGS/db-push.log" >&2; die "supabase db push failed"; }
  fi
}

start_pgbouncer() {
  local home dir
  home=$(pg_home)
  dir="$home/pgbouncer"
  mkdir -p "$dir"
  cat >"$dir/pgbouncer.ini" <<INI
[databases]
* = host=127.0.0.1 port=$DB_PORT

[pgbouncer]
listen_addr = 127.0.0.1
listen_port = $POOLER_PORT
unix_socket_dir =
auth_type = scram-sha-256
auth_file = $dir/userlist.txt
pool_mode = transaction
default_pool_size = $POOLER_POOL_SIZE
max_client_conn = 4000
ignore_startup_parameters = extra_float_digits,options
; After a failed server login pgbouncer refuses clients for this long (default 15 s): with 15 the
; API stays down 15 s after Postgres is back. 1 s keeps recovery within the 2 s we promise.
server_login_retry = 1
pidfile = $dir/pgbouncer.pid
logfile = $dir/pgbouncer.log
admin_users = postgres
stats_users = postgres
log_connections = 0
log_disconnections = 0
INI
  printf '"postgres" "%s"\n"authenticator" "postgres"\n' "$DB_PASSWORD" >"$dir/userlist.txt"
  [ "$(id -u)" = 0 ] && chown -R postgres:postgres "$dir"
  if ! alive "$dir/pgbouncer.pid"; then
    log "pgbouncer (transaction mode) on 127.0.0.1:$POOLER_PORT"
    (ulimit -n 16384 2>/dev/null || true; as_pg pgbouncer -d -q "$dir/pgbouncer.ini") ||
      die "pgbouncer did not start: $dir/pgbouncer.log"
  fi
  wait_port "$POOLER_PORT" 10 pgbouncer
  echo "$dir/pgbouncer.pid" >"$STACK_DIR/pgbouncer.pidpath"
}

start_redis() {
  if ! alive "$STACK_DIR/redis.pid"; then
    log "redis on 127.0.0.1:$REDIS_PORT (nothing on disk)"
    redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --save '' --appendonly no \
      --dir "$STACK_DIR" --daemonize yes --pidfile "$STACK_DIR/redis.pid" \
      --logfile "$LOGS/redis.log" --maxclients 10000 >/dev/null
  fi
  wait_port "$REDIS_PORT" 10 redis
}

# Runs a Deno program in the background with the stack env; pid in $STACK_DIR/<name>.pid.
start_deno() { # name port script args...
  local name=$1 port=$2 script=$3
  shift 3
  if ! alive "$STACK_DIR/$name.pid"; then
    log "$name on 127.0.0.1:$port"
    (
      set -a
      . "$ENV_FILE"
      set +a
      exec nohup "$DENO" run -A --config "$ROOT/deno.json" "$ROOT/$script" "$@" >"$LOGS/$name.log" 2>&1
    ) &
    echo $! >"$STACK_DIR/$name.pid"
  fi
  wait_port "$port" 60 "$name"
  # Something else may hold the port: the process we started must still be alive.
  alive "$STACK_DIR/$name.pid" || die "$name exited (see $LOGS/$name.log)"
}

# Prometheus (Debian's), scraping the ops function through the gateway with the scrape token
# every 5 s; its data in $STACK_DIR/prometheus, kept a day.
start_prometheus() {
  local token
  token=$(sed -n 's/^METRICS_TOKEN=//p' "$ENV_FILE")
  mkdir -p "$STACK_DIR/prometheus"
  cat >"$STACK_DIR/prometheus.yml" <<YML
global:
  scrape_interval: 5s
  evaluation_interval: 5s
scrape_configs:
  - job_name: crew-backend
    metrics_path: /functions/v1/ops/metrics
    authorization:
      type: Bearer
      credentials: $token
    static_configs:
      - targets: ["127.0.0.1:$API_PORT"]
YML
  if ! alive "$STACK_DIR/prometheus.pid"; then
    log "prometheus on 127.0.0.1:$PROMETHEUS_PORT"
    nohup prometheus --config.file="$STACK_DIR/prometheus.yml" \
      --storage.tsdb.path="$STACK_DIR/prometheus" --storage.tsdb.retention.time=1d \
      --web.listen-address="127.0.0.1:$PROMETHEUS_PORT" >"$LOGS/prometheus.log" 2>&1 &
    echo $! >"$STACK_DIR/prometheus.pid"
  fi
  wait_port "$PROMETHEUS_PORT" 30 prometheus
}

# The job scheduler (pg_cron + pg_net's stand-in); it calls the gateway, whenever that is up.
start_scheduler() { start_deno scheduler "$SCHEDULER_PORT" scripts/stack/scheduler.ts --port "$SCHEDULER_PORT"; }

cmd_up() {
  local gateway=1 extras=1
  for arg in "$@"; do
    [ "$arg" = --no-gateway ] && gateway=0
    # The bench's stacks: no scheduler, Prometheus or dashboard adding load to what it measures.
    [ "$arg" = --bare ] && extras=0
  done
  ensure_deps
  mkdir -p "$STACK_DIR" "$LOGS"
  write_env
  start_postgres
  bootstrap_and_push
  start_pgbouncer
  start_redis
  start_deno bridge "$REDIS_REST_PORT" scripts/stack/upstash-bridge.ts
  [ $gateway = 1 ] && start_deno gateway "$API_PORT" scripts/stack/gateway.ts --port "$API_PORT"
  if [ $extras = 1 ]; then
    start_scheduler
    start_prometheus
    start_deno dashboard "$DASHBOARD_PORT" scripts/stack/dashboard.ts --port "$DASHBOARD_PORT"
  fi
  log "up: env in $ENV_FILE"
}

stop_pid() { # pidfile name
  if alive "$1"; then
    log "stopping $2"
    kill "$(cat "$1")" 2>/dev/null || true
    for _ in $(seq 50); do alive "$1" || break; sleep 0.1; done
    alive "$1" && kill -9 "$(cat "$1")" 2>/dev/null || true
  fi
  rm -f "$1"
}

cmd_down() {
  [ -d "$STACK_DIR" ] || return 0
  stop_pid "$STACK_DIR/dashboard.pid" dashboard
  stop_pid "$STACK_DIR/prometheus.pid" prometheus
  stop_pid "$STACK_DIR/scheduler.pid" scheduler
  stop_pid "$STACK_DIR/gateway.pid" gateway
  stop_pid "$STACK_DIR/bridge.pid" bridge
  stop_pid "$STACK_DIR/redis.pid" redis
  if [ -f "$STACK_DIR/pgbouncer.pidpath" ]; then
    stop_pid "$(cat "$STACK_DIR/pgbouncer.pidpath")" pgbouncer
  fi
  if [ -f "$STACK_DIR/pgdata.path" ]; then
    local pgdata
    pgdata=$(cat "$STACK_DIR/pgdata.path")
    if as_pg "$PG_BIN/pg_ctl" -D "$pgdata" status >/dev/null 2>&1; then
      log "stopping postgres"
      as_pg "$PG_BIN/pg_ctl" -D "$pgdata" -m fast -w stop >/dev/null
    fi
  fi
}

cmd_status() {
  local rc=0 name
  for name in gateway scheduler prometheus dashboard bridge redis; do
    if alive "$STACK_DIR/$name.pid"; then echo "$name: running (pid $(cat "$STACK_DIR/$name.pid"))"
    else echo "$name: stopped"; rc=1; fi
  done
  if [ -f "$STACK_DIR/pgbouncer.pidpath" ] && alive "$(cat "$STACK_DIR/pgbouncer.pidpath")"; then
    echo "pgbouncer: running on $POOLER_PORT"
  else echo "pgbouncer: stopped"; rc=1; fi
  if [ -f "$STACK_DIR/pgdata.path" ] && as_pg "$PG_BIN/pg_ctl" -D "$(cat "$STACK_DIR/pgdata.path")" status >/dev/null 2>&1; then
    echo "postgres: running on $DB_PORT"
  else echo "postgres: stopped"; rc=1; fi
  return $rc
}

cmd_reset() {
  cmd_down
  local home
  home=$(pg_home)
  [ "$home" != "$STACK_DIR" ] && rm -rf "$home"
  rm -rf "$STACK_DIR"
  log "reset: $STACK_DIR wiped"
}

# One part again, as `up` starts it (the fault suite restarts what it killed). No installs, no
# migrations: only what `up` already set up.
cmd_start() {
  [ -f "$ENV_FILE" ] || die "no $ENV_FILE: run \`$0 up\` first"
  mkdir -p "$LOGS"
  case "${1:-}" in
    postgres) start_postgres ;;
    pgbouncer) start_pgbouncer ;;
    redis) start_redis ;;
    bridge) start_deno bridge "$REDIS_REST_PORT" scripts/stack/upstash-bridge.ts ;;
    gateway) start_deno gateway "$API_PORT" scripts/stack/gateway.ts --port "$API_PORT" ;;
    scheduler) start_scheduler ;;
    prometheus) start_prometheus ;;
    dashboard) start_deno dashboard "$DASHBOARD_PORT" scripts/stack/dashboard.ts --port "$DASHBOARD_PORT" ;;
    *) die "usage: $0 start postgres|pgbouncer|redis|bridge|gateway|scheduler|prometheus|dashboard" ;;
  esac
}

case "${1:-}" in
  up) shift; cmd_up "$@" ;;
  start) shift; cmd_start "$@" ;;
  stop-gateway) stop_pid "$STACK_DIR/gateway.pid" gateway ;;
  stop-scheduler) stop_pid "$STACK_DIR/scheduler.pid" scheduler ;;
  down) cmd_down ;;
  status) cmd_status ;;
  reset) cmd_reset ;;
  env) cat "$ENV_FILE" ;;
  *) echo "usage: $0 up [--no-gateway] [--bare] | down | status | reset | env | start <part>" >&2; exit 2 ;;
esac
