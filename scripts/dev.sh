#!/usr/bin/env bash
# Local bootstrap for the portal: Debian packages, .venv, a project-local PostGIS cluster and Redis
# under var/ (non-default ports), then the portal itself. Used by `make run`, `make dev`, `make test`,
# `make stop`. DATABASE_URL / REDIS_URL, when set, point everything at existing servers instead (and
# `stop` leaves those servers alone).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
VAR="$ROOT/var"
mkdir -p "$VAR"
PG_PORT="${SMAN_PG_PORT:-54329}"
REDIS_PORT="${SMAN_REDIS_PORT:-63799}"
WEB_PORT="${SMAN_WEB_PORT:-8000}"
PY="$ROOT/.venv/bin/python"
# Debian 12 ships PostgreSQL 15, Ubuntu 24.04 PostgreSQL 16: take the newest installed.
pg_bin() { ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1; }

APT_PACKAGES=(
  postgresql postgresql-postgis redis-server gdal-bin
  libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core
)
TEST_APT_PACKAGES=(chromium)

log() { printf '\033[1m==> %s\033[0m\n' "$*"; }
as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

install_debian_packages() {
  local wanted=("${APT_PACKAGES[@]}") missing=()
  [ "${1:-}" = "test" ] && wanted+=("${TEST_APT_PACKAGES[@]}")
  for p in "${wanted[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  if [ "${#missing[@]}" -gt 0 ]; then
    log "Installing Debian packages: ${missing[*]}"
    as_root apt-get update -qq
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  fi
  # Debian's package starts its own cluster and Redis on the default ports; we use ours.
  return 0
}

install_python() {
  local locks=(requirements.lock)
  [ "${1:-}" = "test" ] && locks+=(requirements-dev.lock)
  if [ ! -x "$PY" ]; then
    log "Creating .venv"
    python3 -m venv .venv
  fi
  local stamp=".venv/.installed-$(cat "${locks[@]}" | sha256sum | cut -c1-16)"
  if [ ! -f "$stamp" ]; then
    log "Installing locked Python dependencies (${locks[*]})"
    .venv/bin/pip install -q --upgrade pip
    local args=()
    for l in "${locks[@]}"; do args+=(-r "$l"); done
    .venv/bin/pip install -q --require-hashes "${args[@]}"
    touch "$stamp"
  fi
}

# PostgreSQL refuses to run as root: when we are root, the cluster belongs to the 'postgres' user.
pg_user() { if [ "$(id -u)" = 0 ]; then echo postgres; else id -un; fi; }
as_pg() { if [ "$(id -u)" = 0 ]; then (cd / && runuser -u postgres -- "$@"); else "$@"; fi; }

# Where the cluster lives: var/ when the cluster owner can reach it; otherwise (a checkout under a
# private home, when we run as root and the cluster belongs to 'postgres') a folder in /var/tmp,
# with var/pg linking to it.
pg_home() {
  if [ "$(id -u)" = 0 ] && ! runuser -u postgres -- test -x "$VAR" 2>/dev/null; then
    echo "/var/tmp/sman-$(echo "$ROOT" | sha256sum | cut -c1-12)"
  else
    echo "$VAR"
  fi
}

start_postgres() {
  [ -n "${DATABASE_URL:-}" ] && { log "DATABASE_URL is set: using that database"; return 0; }
  local PG_BIN; PG_BIN="$(pg_bin)"
  local home; home="$(pg_home)"
  local data="$home/pg"
  mkdir -p "$VAR" "$home/pg" "$home/run" "$home/log"
  [ "$home" != "$VAR" ] && [ ! -e "$VAR/pg" ] && ln -s "$data" "$VAR/pg"
  if [ "$(id -u)" = 0 ]; then chown -R postgres "$data" "$home/run" "$home/log"; fi
  if [ ! -f "$data/PG_VERSION" ]; then
    log "Creating the local PostgreSQL cluster in $data"
    # Trust authentication, but only on loopback and on the private socket directory.
    as_pg "$PG_BIN/initdb" -D "$data" -U sman --auth=trust -E UTF8 --locale=C.UTF-8 >/dev/null
  fi
  if ! as_pg "$PG_BIN/pg_ctl" -D "$data" status >/dev/null 2>&1; then
    log "Starting PostgreSQL on 127.0.0.1:$PG_PORT"
    # fsync off: a development and test cluster, rebuilt from reference data at will.
    as_pg "$PG_BIN/pg_ctl" -D "$data" -l "$home/log/postgres.log" -w -t 60 \
      -o "-p $PG_PORT -k $home/run -c listen_addresses=127.0.0.1 -c fsync=off -c full_page_writes=off" start >/dev/null
  fi
  if ! "$PG_BIN/psql" -h 127.0.0.1 -p "$PG_PORT" -U sman -d postgres -tAc "SELECT 1 FROM pg_database WHERE datname='sman'" | grep -q 1; then
    "$PG_BIN/createdb" -h 127.0.0.1 -p "$PG_PORT" -U sman sman
  fi
}

start_redis() {
  [ -n "${REDIS_URL:-}" ] && { log "REDIS_URL is set: using that Redis"; return 0; }
  mkdir -p "$VAR/redis" "$VAR/run" "$VAR/log"
  if ! redis-cli -p "$REDIS_PORT" ping >/dev/null 2>&1; then
    log "Starting Redis on 127.0.0.1:$REDIS_PORT"
    redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --dir "$VAR/redis" --daemonize yes \
      --pidfile "$VAR/run/redis.pid" --logfile "$VAR/log/redis.log" --save "" --appendonly no
    for _ in $(seq 50); do redis-cli -p "$REDIS_PORT" ping >/dev/null 2>&1 && break; sleep 0.1; done
  fi
}

# Only the servers this checkout started: never those DATABASE_URL / REDIS_URL point at.
stop_services() {
  local PG_BIN; PG_BIN="$(pg_bin)"
  local data; data="$(pg_home)/pg"
  if [ -z "${REDIS_URL:-}" ] && [ -f "$VAR/run/redis.pid" ]; then
    redis-cli -p "$REDIS_PORT" shutdown nosave >/dev/null 2>&1 || true
    rm -f "$VAR/run/redis.pid"
  fi
  if [ -z "${DATABASE_URL:-}" ] && [ -f "$data/postmaster.pid" ]; then
    as_pg "$PG_BIN/pg_ctl" -D "$data" -m fast -w stop >/dev/null 2>&1 || true
  fi
}

start_daemon() { # name, command...
  local name="$1"; shift
  local pidfile="$VAR/run/$name.pid"
  if [ -f "$pidfile" ] && kill -0 "$(cat "$pidfile")" 2>/dev/null; then return 0; fi
  mkdir -p "$VAR/run" "$VAR/log"  # not made by start_redis when REDIS_URL is set
  setsid "$@" >>"$VAR/log/$name.log" 2>&1 < /dev/null &
  echo $! >"$pidfile"
}

# Each daemon leads its own session (setsid): its process group holds its children (gunicorn's workers,
# the autoreloader's server, Celery's pool), and nothing else.
stop_daemon() { # name
  local pidfile="$VAR/run/$1.pid"
  [ -f "$pidfile" ] || return 0
  local pid; pid="$(cat "$pidfile")"
  kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || true
  for _ in $(seq 75); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
  if kill -0 "$pid" 2>/dev/null; then
    log "$1 did not stop within 15 s: killed"
    kill -KILL -- "-$pid" 2>/dev/null || kill -KILL "$pid" 2>/dev/null || true
  fi
  rm -f "$pidfile"
}

stop_daemons() {
  for name in web worker beat; do stop_daemon "$name"; done
}

# The web server is restarted on each `make run` / `make dev` (a few seconds): it serves the code and
# the environment of the last command, and switches between gunicorn and runserver.
start_web() { # mode: run|dev
  stop_daemon web
  if [ "$1" = dev ]; then
    # Django's development server, reloaded when a Python file changes.
    start_daemon web "$PY" manage.py runserver "127.0.0.1:$WEB_PORT"
  else
    # As in production: gunicorn with the settings of sman/gunicorn.conf.py (workers sized to the cores), and
    # persistent PostgreSQL connections as in production (a new connection per request cost a vote POST more
    # than its queries: bench/README.md, participation). Workers × threads stay far below max_connections.
    export SMAN_WEB_PORT="$WEB_PORT"
    export DATABASE_CONN_MAX_AGE="${DATABASE_CONN_MAX_AGE:-60}"
    start_daemon web "$PY" -m gunicorn -c sman/gunicorn.conf.py
  fi
}

bootstrap() { # mode: run|test
  install_debian_packages "$1"
  install_python "$1"
  start_postgres
  start_redis
  log "Migrating the database"
  "$PY" manage.py migrate --noinput -v 0
  log "Loading reference data (territories, organisations, défis)"
  "$PY" manage.py load_reference
}

case "${1:-}" in
  run|dev)
    mode="$1"
    bootstrap run
    "$PY" manage.py load_demo
    "$PY" manage.py collectstatic --noinput -v 0
    start_daemon worker "$PY" -m celery -A sman worker --loglevel=INFO --concurrency=2
    start_daemon beat "$PY" -m celery -A sman beat --loglevel=INFO --schedule "$VAR/run/celerybeat-schedule"
    start_web "$mode"
    for _ in $(seq 100); do curl -fs -o /dev/null "http://127.0.0.1:$WEB_PORT/healthz" && break; sleep 0.2; done
    echo
    if [ "$mode" = dev ]; then
      log "Portail prêt (serveur de développement, rechargé à chaque modification) : http://127.0.0.1:$WEB_PORT/"
    else
      log "Portail prêt (gunicorn) : http://127.0.0.1:$WEB_PORT/"
    fi
    log "Journaux : var/log/ (site : var/log/web.log), arrêt : make stop"
    "$PY" manage.py load_demo --list
    ;;
  test)
    started=0
    if [ -z "${DATABASE_URL:-}" ] && [ ! -f "$(pg_home)/pg/postmaster.pid" ]; then started=1; fi
    bootstrap test
    shift
    set +e
    "$ROOT/.venv/bin/pytest" "$@"
    status=$?
    set -e
    # Leave running only what was running before.
    [ "$started" = 1 ] && stop_services
    exit "$status"
    ;;
  stop)
    stop_daemons
    stop_services
    log "Stopped"
    ;;
  services)
    start_postgres
    start_redis
    ;;
  deps)
    install_debian_packages test
    install_python test
    ;;
  *)
    echo "usage: scripts/dev.sh run|dev|test|stop|services|deps" >&2
    exit 2
    ;;
esac
