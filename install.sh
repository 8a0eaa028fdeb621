#!/bin/sh
# Installs sync-oauth-token: the binary, /etc/sync-oauth-token/config.env (only
# when absent) and either systemd units (watch service, refresh timer) or cron
# entries. Idempotent; asks nothing. See `install.sh --help`.
set -eu

usage() {
  cat <<'EOF'
usage: install.sh [options]
  --binary PATH     install this binary
  --url URL         download the binary; {os} and {arch} are replaced, a URL
                    ending in / gets sync-oauth-token-{arch}-{os} appended
  --sha256 HEX      the SHA-256 the binary must have
  --prefix DIR      install the binary to DIR/bin (default /usr/local)
  --init MODE       auto (default: systemd when it runs), systemd or cron
  --no-start        do not enable or start the systemd units
  --uninstall       remove what install.sh installed; keeps the config
without --binary or --url the binary is built with `deno task compile` from the
directory of this script. DESTDIR is honoured (and implies --no-start).
EOF
}

NAME=sync-oauth-token
PREFIX=/usr/local
DESTDIR=${DESTDIR:-}
BINARY="" URL="" SHA256="" INIT=auto START=1 UNINSTALL=0
CONF_DIR=/etc/$NAME
CONF=$CONF_DIR/config.env
UNIT_DIR=/etc/systemd/system
CRON=/etc/cron.d/$NAME
MANIFEST=/var/lib/$NAME/installed

say() { printf '%s\n' "$*"; }
die() {
  printf 'install.sh: %s\n' "$*" >&2
  exit 1
}
need_arg() { [ "$#" -ge 2 ] || die "$1 needs a value"; }

while [ "$#" -gt 0 ]; do
  case $1 in
    --binary) need_arg "$@"; BINARY=$2; shift ;;
    --url) need_arg "$@"; URL=$2; shift ;;
    --sha256) need_arg "$@"; SHA256=$2; shift ;;
    --prefix) need_arg "$@"; PREFIX=$2; shift ;;
    --init) need_arg "$@"; INIT=$2; shift ;;
    --no-start) START=0 ;;
    --uninstall) UNINSTALL=1 ;;
    -h | --help) usage; exit 0 ;;
    *) die "unknown option $1 (see --help)" ;;
  esac
  shift
done
BIN=$PREFIX/bin/$NAME
[ -z "$DESTDIR" ] || START=0
case $INIT in
  auto) if [ -d /run/systemd/system ]; then INIT=systemd; else INIT=cron; fi ;;
  systemd | cron) ;;
  *) die "--init must be auto, systemd or cron" ;;
esac

TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

# record PATH: remembers an installed path (without DESTDIR) for --uninstall.
record() {
  if ! grep -qxF "$1" "$TMP/manifest" 2>/dev/null; then
    printf '%s\n' "$1" >>"$TMP/manifest"
  fi
}

# put SRC PATH MODE: installs SRC at PATH unless it is already there unchanged.
put() {
  dest=$DESTDIR$2
  record "$2"
  if [ -f "$dest" ] && cmp -s "$1" "$dest"; then
    say "unchanged  $2"
    return 1
  fi
  mkdir -p "$(dirname "$dest")"
  cp "$1" "$dest.new"
  chmod "$3" "$dest.new"
  mv -f "$dest.new" "$dest"
  say "installed  $2"
}

systemctl_do() {
  if [ "$START" = 1 ]; then systemctl "$@"; fi
}

uninstall() {
  if [ ! -f "$DESTDIR$MANIFEST" ]; then
    say "nothing to uninstall ($MANIFEST not found)"
    return
  fi
  if grep -q '\.timer$' "$DESTDIR$MANIFEST" && [ "$START" = 1 ]; then
    systemctl disable --now "$NAME.service" "$NAME-refresh.timer" || true
  fi
  while IFS= read -r path; do
    if [ -e "$DESTDIR$path" ]; then
      rm -f "$DESTDIR$path"
      say "removed    $path"
    fi
  done <"$DESTDIR$MANIFEST"
  if grep -q '\.timer$' "$DESTDIR$MANIFEST"; then systemctl_do daemon-reload; fi
  rm -f "$DESTDIR$MANIFEST"
  rmdir "$DESTDIR${MANIFEST%/*}" 2>/dev/null || true
  say "kept       $CONF (delete it yourself if no longer needed)"
}

# fetch_binary DEST: --binary, --url or a local build, then the --sha256 check.
fetch_binary() {
  if [ -n "$BINARY" ]; then
    [ -f "$BINARY" ] || die "--binary $BINARY: no such file"
    cp "$BINARY" "$1"
  elif [ -n "$URL" ]; then
    arch=$(uname -m)
    case $arch in amd64) arch=x86_64 ;; arm64) arch=aarch64 ;; esac
    os=$(uname -s | tr '[:upper:]' '[:lower:]')
    case $URL in */) URL="${URL}$NAME-{arch}-{os}" ;; esac
    URL=$(printf '%s' "$URL" | sed -e "s/{arch}/$arch/g" -e "s/{os}/$os/g")
    say "download   $URL"
    if command -v curl >/dev/null 2>&1; then
      curl -fsSL -o "$1" "$URL" || die "download failed: $URL"
    elif command -v wget >/dev/null 2>&1; then
      wget -q -O "$1" "$URL" || die "download failed: $URL"
    else
      die "neither curl nor wget to download $URL"
    fi
  elif command -v deno >/dev/null 2>&1; then
    src=$(cd "$(dirname "$0")" && pwd)
    [ -f "$src/deno.json" ] || die "no --binary or --url, and $src is not the source tree"
    say "build      deno task compile in $src"
    (cd "$src" && deno task compile) || die "deno task compile failed"
    cp "$src/dist/$NAME" "$1"
  else
    die "no binary: give --binary PATH or --url URL, or install Deno to build it"
  fi
  if [ -n "$SHA256" ]; then
    actual=$(sha256sum "$1" | cut -d ' ' -f 1)
    [ "$actual" = "$SHA256" ] || die "SHA-256 mismatch: expected $SHA256, got $actual"
    say "verified   SHA-256 $SHA256"
  fi
}

# config_value KEY: the value of KEY in the installed config file, unquoted.
config_value() {
  [ -f "$DESTDIR$CONF" ] || return 0
  sed -n "s/^[[:space:]]*\(export[[:space:]]\{1,\}\)\{0,1\}$1=//p" "$DESTDIR$CONF" |
    tail -n 1 | sed -e 's/^"\(.*\)"$/\1/' -e "s/^'\(.*\)'$/\1/"
}

# The directories the tool writes to: credentials (refresh), .env and oauth.json,
# and OpenClaw's state directory (its auth store) when configured.
write_dirs() {
  creds=$(config_value SYNC_OAUTH_TOKEN_CREDENTIALS)
  for f in "${creds:-/root/.claude/.credentials.json}" \
    "$(config_value SYNC_OAUTH_TOKEN_ENV_FILE)" \
    "$(config_value SYNC_OAUTH_TOKEN_OAUTH_JSON)"; do
    [ -z "$f" ] || printf ' -%s' "$(dirname "$f")"
  done
  state=$(config_value SYNC_OAUTH_TOKEN_OPENCLAW_STATE)
  [ -z "$state" ] || printf ' -%s' "$state"
}

write_config_template() {
  cat <<'EOF'
# sync-oauth-token configuration, read on every start (dotenv format).
# Keys are the SYNC_OAUTH_TOKEN_* environment variables; the environment and
# command-line flags win over this file. Uncomment and edit what you need, then
# run install.sh again so the systemd unit may write the directories you chose.

# The OpenClaw compose .env file that holds the gateway's token.
#SYNC_OAUTH_TOKEN_ENV_FILE=/srv/openclaw/.env
# The variable in it.
#SYNC_OAUTH_TOKEN_ENV_KEY=ANTHROPIC_OAUTH_TOKEN
# Create the .env file when it does not exist.
#SYNC_OAUTH_TOKEN_CREATE=false

# Claude Code's credentials (default: ~/.claude/.credentials.json of root).
#SYNC_OAUTH_TOKEN_CREDENTIALS=/root/.claude/.credentials.json

# Legacy oauth.json of older OpenClaw releases only.
#SYNC_OAUTH_TOKEN_OAUTH_JSON=/root/.openclaw/credentials/oauth.json

# How the token reaches OpenClaw: auto, cli, auth-profiles, legacy or env-only.
#SYNC_OAUTH_TOKEN_OPENCLAW=auto
# OpenClaw's state directory on this host: the fast direct route to a current
# release (with the gateway's token), auth-profiles.json of an older one.
#SYNC_OAUTH_TOKEN_OPENCLAW_STATE=/root/.openclaw

# docker compose: directory (default: the .env file's), file, project, service.
#SYNC_OAUTH_TOKEN_COMPOSE_DIR=/srv/openclaw
#SYNC_OAUTH_TOKEN_COMPOSE_FILE=/srv/openclaw/docker-compose.yml
#SYNC_OAUTH_TOKEN_COMPOSE_PROJECT=openclaw
#SYNC_OAUTH_TOKEN_SERVICE=openclaw-gateway
# How the gateway re-reads .env: recreate, down-up or none.
#SYNC_OAUTH_TOKEN_RESTART=recreate
#SYNC_OAUTH_TOKEN_COMPOSE_TIMEOUT=120s

# Watch mode: quiet period before a recreate; polling instead of inotify.
#SYNC_OAUTH_TOKEN_SETTLE=1s
#SYNC_OAUTH_TOKEN_POLL=false
#SYNC_OAUTH_TOKEN_POLL_INTERVAL=5s

# Logging to stderr (the journal): text or json; debug, info, warn or error.
#SYNC_OAUTH_TOKEN_LOG_FORMAT=text
#SYNC_OAUTH_TOKEN_LOG_LEVEL=info
EOF
}

write_units() {
  rw=$(write_dirs)
  rw=${rw# }
  cat >"$TMP/$NAME.service" <<EOF
[Unit]
Description=Keep OpenClaw's Claude login fresh (sync-oauth-token watch)
After=docker.service network-online.target
Wants=network-online.target

[Service]
Type=simple
ExecStart=$BIN watch
Restart=on-failure
RestartSec=10s
Environment=NO_COLOR=1
NoNewPrivileges=yes
ProtectSystem=strict
ReadWritePaths=$rw
ProtectHome=read-only
PrivateTmp=yes
PrivateDevices=yes
ProtectKernelTunables=yes
ProtectKernelModules=yes
ProtectKernelLogs=yes
ProtectControlGroups=yes
ProtectClock=yes
ProtectHostname=yes
RestrictAddressFamilies=AF_UNIX AF_INET AF_INET6
RestrictNamespaces=yes
RestrictRealtime=yes
RestrictSUIDSGID=yes
LockPersonality=yes
SystemCallArchitectures=native
CapabilityBoundingSet=CAP_CHOWN CAP_FOWNER CAP_DAC_OVERRIDE CAP_DAC_READ_SEARCH
UMask=0077

[Install]
WantedBy=multi-user.target
EOF
  sed -e 's/^Description=.*/Description=Refresh the Claude OAuth token (sync-oauth-token refresh --once)/' \
    -e "s|^ExecStart=.*|ExecStart=$BIN refresh --once|" \
    -e 's/^Type=simple/Type=oneshot/' \
    -e '/^Restart/d' -e '/^\[Install\]/,$d' \
    "$TMP/$NAME.service" >"$TMP/$NAME-refresh.service"
  cat >"$TMP/$NAME-refresh.timer" <<EOF
[Unit]
Description=Refresh the Claude OAuth token every 6 hours (fallback)

[Timer]
OnBootSec=5min
OnUnitActiveSec=6h
RandomizedDelaySec=30min
Persistent=true

[Install]
WantedBy=timers.target
EOF
}

write_cron() {
  cat <<EOF
# sync-oauth-token (installed by install.sh): deliver every 5 minutes and
# refresh the token every 6 hours as a fallback.
SHELL=/bin/sh
PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
*/5 * * * * root $BIN --once --log-level warn
17 */6 * * * root $BIN refresh --once --log-level warn
EOF
}

install_all() {
  fetch_binary "$TMP/bin"
  put "$TMP/bin" "$BIN" 0755 || true

  if [ -f "$DESTDIR$CONF" ]; then
    say "kept       $CONF"
  else
    mkdir -p "$DESTDIR$CONF_DIR"
    chmod 0700 "$DESTDIR$CONF_DIR"
    write_config_template >"$TMP/config.env"
    (umask 077 && cp "$TMP/config.env" "$DESTDIR$CONF")
    chmod 0600 "$DESTDIR$CONF"
    say "created    $CONF (mode 0600)"
  fi

  if [ "$INIT" = systemd ]; then
    write_units
    changed=0
    for unit in "$NAME.service" "$NAME-refresh.service" "$NAME-refresh.timer"; do
      if put "$TMP/$unit" "$UNIT_DIR/$unit" 0644; then changed=1; fi
    done
    if [ "$START" = 1 ]; then
      [ "$changed" = 0 ] || systemctl daemon-reload
      systemctl enable "$NAME.service" "$NAME-refresh.timer"
      if [ "$changed" = 1 ]; then
        systemctl restart "$NAME.service" "$NAME-refresh.timer"
      else
        systemctl start "$NAME.service" "$NAME-refresh.timer"
      fi
      say "started    $NAME.service, $NAME-refresh.timer"
    else
      say "not started: systemctl enable --now $NAME.service $NAME-refresh.timer"
    fi
  else
    write_cron >"$TMP/cron"
    put "$TMP/cron" "$CRON" 0644 || true
    command -v cron >/dev/null 2>&1 || command -v crond >/dev/null 2>&1 ||
      say "warning    no cron daemon found: install cron so $CRON runs"
  fi

  # The manifest: what --uninstall removes (merged with an earlier one).
  if [ -f "$DESTDIR$MANIFEST" ]; then
    while IFS= read -r path; do record "$path"; done <"$DESTDIR$MANIFEST"
  fi
  sort -o "$TMP/manifest" "$TMP/manifest"
  if ! cmp -s "$TMP/manifest" "$DESTDIR$MANIFEST"; then
    mkdir -p "$DESTDIR${MANIFEST%/*}"
    cp "$TMP/manifest" "$DESTDIR$MANIFEST"
  fi

  say ""
  say "next: edit $CONF (at least SYNC_OAUTH_TOKEN_ENV_FILE),"
  say "      check it with: $BIN status"
  if [ "$INIT" = systemd ]; then
    say "      then run install.sh again and follow: journalctl -u $NAME -f"
  fi
}

if [ "$UNINSTALL" = 1 ]; then uninstall; else install_all; fi
