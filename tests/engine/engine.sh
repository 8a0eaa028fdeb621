#!/usr/bin/env bash
# Private Docker engine for the engine tests of sync-oauth-token.
#
#   engine.sh start   install what is missing, start dockerd, import local/busybox,
#                     install the compose v2 CLI-plugin shim; prints the exports
#   engine.sh stop    stop the daemon started by `start`
#   engine.sh env     print the exports (eval "$(tests/engine/engine.sh env)")
#   engine.sh status  exit 0 when the daemon answers
#
# Must run as root (dockerd). Everything lives under $SOT_ENGINE_DIR
# (default /tmp/sot-engine): socket, data root, DOCKER_CONFIG with the shim.
# Compose v2 is not packaged here; the shim makes `docker compose ...` run
# Debian's docker-compose 1.29.2 so both code paths can be exercised.
set -euo pipefail

D="${SOT_ENGINE_DIR:-/tmp/sot-engine}"
SOCK="$D/docker.sock"
HOST="unix://$SOCK"
CFG="$D/docker-config"
PIDFILE="$D/docker.pid"
LOG="$D/dockerd.log"
PKGS="docker.io docker-compose busybox-static tini"

die() {
  echo "engine.sh: ERROR: $*" >&2
  exit 1
}
say() { echo "engine.sh: $*" >&2; }

print_env() {
  echo "export DOCKER_HOST=$HOST"
  echo "export DOCKER_CONFIG=$CFG"
}

answers() {
  DOCKER_HOST="$HOST" DOCKER_CONFIG="$CFG" timeout 10 docker info >/dev/null 2>&1
}

daemon_pid() {
  [ -s "$PIDFILE" ] || return 1
  local pid
  pid="$(cat "$PIDFILE")"
  [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null || return 1
  echo "$pid"
}

install_missing() {
  local missing="" p
  for p in $PKGS; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
      missing="$missing $p"
    fi
  done
  if [ -z "$missing" ]; then
    return 0
  fi
  [ "$(id -u)" = 0 ] || die "packages missing ($missing) and not root: cannot apt-get install"
  say "installing:$missing"
  # apt-get update once per engine dir (marker), lists are needed before install
  if [ ! -e "$D/.apt-updated" ]; then
    apt-get -o DPkg::Lock::Timeout=300 update -q >"$D/apt.log" 2>&1 ||
      die "apt-get update failed, see $D/apt.log"
    touch "$D/.apt-updated"
  fi
  # shellcheck disable=SC2086 # word splitting of the package list is intended
  DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=300 install -y -q \
    --no-install-recommends $missing >>"$D/apt.log" 2>&1 ||
    die "apt-get install$missing failed, see $D/apt.log"
}

install_shim() {
  mkdir -p "$CFG/cli-plugins"
  cat >"$CFG/cli-plugins/docker-compose" <<'SHIM'
#!/bin/sh
# compose v2 CLI-plugin shim: `docker compose ...` -> docker-compose 1.29.2
if [ "$1" = docker-cli-plugin-metadata ]; then
  echo '{"SchemaVersion":"0.1.0","Vendor":"local","Version":"1.29.2-shim"}'
  exit 0
fi
shift
exec /usr/bin/docker-compose "$@"
SHIM
  chmod 755 "$CFG/cli-plugins/docker-compose"
  [ -e "$CFG/config.json" ] || echo '{}' >"$CFG/config.json"
}

import_busybox() {
  export DOCKER_HOST="$HOST" DOCKER_CONFIG="$CFG"
  if docker image inspect local/busybox >/dev/null 2>&1; then
    return 0
  fi
  local bb="" r
  for bb in /bin/busybox /usr/bin/busybox; do [ -x "$bb" ] && break; done
  [ -x "$bb" ] || die "busybox binary not found (busybox-static not installed?)"
  r="$(mktemp -d)"
  mkdir -p "$r/bin" "$r/tmp" "$r/etc"
  cp "$bb" "$r/bin/busybox"
  local a
  for a in $("$r/bin/busybox" --list); do
    [ "$a" = busybox ] || ln -s busybox "$r/bin/$a"
  done
  tar -C "$r" -c . | docker import --change 'ENV PATH=/bin' --change 'CMD ["sh"]' - local/busybox >/dev/null ||
    die "docker import of local/busybox failed"
  rm -rf "$r"
  docker run --rm local/busybox true || die "cannot run a local/busybox container (see $LOG)"
}

start() {
  mkdir -p "$D/data" "$D/exec"
  install_missing
  command -v dockerd >/dev/null 2>&1 || die "dockerd not found after install"
  [ -x /usr/bin/docker-compose ] || die "/usr/bin/docker-compose not found after install"
  install_shim
  if answers; then
    say "engine already running at $HOST"
  else
    [ "$(id -u)" = 0 ] || die "dockerd must be started as root"
    if pid="$(daemon_pid)"; then
      say "stale dockerd $pid does not answer; stopping it"
      kill -TERM "$pid" 2>/dev/null || true
      sleep 2
    fi
    rm -f "$SOCK" "$PIDFILE"
    say "starting dockerd on $HOST (log $LOG)"
    setsid dockerd --host "$HOST" --data-root "$D/data" --exec-root "$D/exec" \
      --pidfile "$PIDFILE" --storage-driver overlay2 >>"$LOG" 2>&1 </dev/null &
    local i
    for i in $(seq 1 120); do
      answers && break
      if ! kill -0 $! 2>/dev/null; then
        tail -n 30 "$LOG" >&2 || true
        die "dockerd exited during startup (log above, full log $LOG)"
      fi
      sleep 0.5
      [ "$i" = 120 ] && {
        tail -n 30 "$LOG" >&2 || true
        die "dockerd did not answer on $HOST within 60 s (log $LOG)"
      }
    done
  fi
  import_busybox
  say "engine ready: $HOST"
  print_env
}

stop() {
  local pid
  if ! pid="$(daemon_pid)"; then
    say "no engine running (no live pid in $PIDFILE)"
    return 0
  fi
  # containers are left to dockerd's own shutdown (it stops them)
  kill -TERM "$pid"
  local i
  for i in $(seq 1 60); do
    kill -0 "$pid" 2>/dev/null || {
      say "engine stopped"
      return 0
    }
    sleep 0.5
  done
  say "dockerd $pid still alive after 30 s; sending KILL"
  kill -KILL "$pid" 2>/dev/null || true
}

case "${1:-}" in
start) start ;;
stop) stop ;;
env) print_env ;;
status) answers ;;
*)
  echo "usage: $0 start|stop|env|status" >&2
  exit 2
  ;;
esac
