#!/bin/sh
# Installs sync-oauth-token: the program (a compiled binary, or the source and
# a launcher that runs it with Deno), /etc/sync-oauth-token/config.env (only
# when absent), the drop-in directory targets.d/, and systemd units (watch
# service, refresh timer) or cron entries that run it as the user who owns the
# Claude Code login. Idempotent; asks nothing. See `install.sh --help`.
set -eu
umask 022

usage() {
  cat <<'EOF'
usage: install.sh [options]
  --binary PATH     install this binary
  --url URL         download the binary; {os} and {arch} are replaced, a URL
                    ending in / gets sync-oauth-token-{arch}-{os} appended
  --sha256 HEX      the SHA-256 the binary must have
  --from-source     install the source and a launcher; do not try deno compile
  --deno PATH       the Deno the launcher runs (default: deno on PATH)
  --prefix DIR      DIR/bin and DIR/lib/sync-oauth-token (default /usr/local)
  --user NAME       run the units or cron entries as NAME (default: the owner
                    of the Claude Code login found on this machine)
  --init MODE       auto (default), systemd, cron or both; auto is systemd when
                    it runs, else cron, and both with DESTDIR
  --no-start        do not enable or start the systemd units
  --uninstall       remove what install.sh installed; keeps the config
Without --binary, --url or --from-source it builds the binary with
`deno task compile` in the directory of this script; when that cannot fetch
Deno's runtime for binaries (denort), it installs from source instead. DESTDIR
is honoured (it implies --no-start, and needs --user). Run it again after
editing the config or adding a target: the units may write only the
directories the configuration names.
EOF
}

NAME=sync-oauth-token
PREFIX=/usr/local
DESTDIR=${DESTDIR:-}
BINARY="" URL="" SHA256="" FROM_SOURCE=0 DENO="" RUN_USER="" INIT=auto
START=1 UNINSTALL=0
CONF_DIR=/etc/$NAME
CONF=$CONF_DIR/config.env
TARGETS=$CONF_DIR/targets.d
MANIFEST=$CONF_DIR/installed
OLD_MANIFEST=/var/lib/$NAME/installed
UNIT_DIR=/etc/systemd/system
CRON=/etc/cron.d/$NAME

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
    --from-source) FROM_SOURCE=1 ;;
    --deno) need_arg "$@"; DENO=$2; shift ;;
    --prefix) need_arg "$@"; PREFIX=$2; shift ;;
    --user) need_arg "$@"; RUN_USER=$2; shift ;;
    --init) need_arg "$@"; INIT=$2; shift ;;
    --no-start) START=0 ;;
    --uninstall) UNINSTALL=1 ;;
    -h | --help) usage; exit 0 ;;
    *) die "unknown option $1 (see --help)" ;;
  esac
  shift
done
BIN=$PREFIX/bin/$NAME
LIB=$PREFIX/lib/$NAME
[ -z "$DESTDIR" ] || START=0
case $INIT in
  auto)
    # a package is built on another machine: its init system says nothing
    if [ -n "$DESTDIR" ]; then
      INIT=both
    elif [ -d /run/systemd/system ]; then
      INIT=systemd
    else
      INIT=cron
    fi
    ;;
  systemd | cron | both) ;;
  *) die "--init must be auto, systemd, cron or both" ;;
esac
if [ "$FROM_SOURCE" = 1 ] && { [ -n "$BINARY" ] || [ -n "$URL" ]; }; then
  die "--from-source installs the source: give it without --binary and --url"
fi

TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
: >"$TMP/manifest"

# record PATH: remembers an installed path (without DESTDIR) for --uninstall;
# a path ending in / is a directory tree of ours.
record() {
  if ! grep -qxF "$1" "$TMP/manifest"; then
    printf '%s\n' "$1" >>"$TMP/manifest"
  fi
}

# copy SRC PATH MODE: installs SRC at DESTDIR/PATH unless it is already there
# unchanged; returns 1 when unchanged.
copy() {
  dest=$DESTDIR$2
  if [ -f "$dest" ] && cmp -s "$1" "$dest"; then return 1; fi
  mkdir -p "$(dirname "$dest")"
  cp "$1" "$dest.new"
  chmod "$3" "$dest.new"
  mv -f "$dest.new" "$dest"
}

# put SRC PATH MODE: copy, recorded and said.
put() {
  record "$2"
  if copy "$@"; then
    say "installed  $2"
  else
    say "unchanged  $2"
    return 1
  fi
}

systemctl_do() {
  if [ "$START" = 1 ]; then systemctl "$@"; fi
}

# The manifests of this and of earlier versions (/var/lib/sync-oauth-token is
# the units' StateDirectory now, writable by the user they run as).
manifest_lines() {
  for m in "$DESTDIR$MANIFEST" "$DESTDIR$OLD_MANIFEST"; do
    if [ -f "$m" ]; then cat "$m"; fi
  done
}

uninstall() {
  if [ ! -f "$DESTDIR$MANIFEST" ] && [ ! -f "$DESTDIR$OLD_MANIFEST" ]; then
    say "nothing to uninstall ($MANIFEST not found)"
    return
  fi
  manifest_lines >"$TMP/old"
  if grep -q '\.timer$' "$TMP/old" && [ "$START" = 1 ]; then
    systemctl disable --now "$NAME.service" "$NAME-refresh.timer" || true
  fi
  while IFS= read -r path; do
    case $path in
      */lib/"$NAME"/)
        if [ -d "$DESTDIR$path" ]; then
          rm -rf "$DESTDIR$path"
          say "removed    $path"
        fi
        ;;
      /*)
        if [ -e "$DESTDIR$path" ] || [ -L "$DESTDIR$path" ]; then
          rm -f "$DESTDIR$path"
          say "removed    $path"
        fi
        ;;
    esac
  done <"$TMP/old"
  if grep -q '\.timer$' "$TMP/old"; then systemctl_do daemon-reload; fi
  rm -f "$DESTDIR$MANIFEST" "$DESTDIR$OLD_MANIFEST"
  say "kept       $CONF and $TARGETS/ (delete them yourself if no longer needed)"
}

# version_of DIR: the version in DIR/deno.json.
version_of() {
  sed -n 's/^ *"version": *"\([^"]*\)".*$/\1/p' "$1/deno.json" | head -n 1
}

# source_dir: the source tree beside this script.
source_dir() {
  src=$(cd "$(dirname "$0")" && pwd)
  for f in deno.json src/main.ts src/flags.sh; do
    [ -f "$src/$f" ] || die "no --binary or --url, and $src is not the source tree (no $f)"
  done
  printf '%s\n' "$src"
}

# check_runs WHAT CMD...: CMD --version prints the source's version.
check_runs() {
  what=$1
  shift
  if ! out=$("$@" --version 2>&1); then
    printf '%s\n' "$out" | tail -n 5 >&2
    die "$what does not run; nothing was installed from it"
  fi
  [ "$out" = "$VERSION" ] ||
    die "$what printed '$out' for --version, not $VERSION; nothing was installed from it"
}

# fetch_binary DEST: --binary or --url, then the --sha256 check.
fetch_binary() {
  if [ -n "$BINARY" ]; then
    [ -f "$BINARY" ] || die "--binary $BINARY: no such file"
    cp "$BINARY" "$1"
  else
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
  fi
  if [ -n "$SHA256" ]; then
    actual=$(sha256sum "$1" | cut -d ' ' -f 1)
    [ "$actual" = "$SHA256" ] || die "SHA-256 mismatch: expected $SHA256, got $actual"
    say "verified   SHA-256 $SHA256"
  fi
}

# compile DEST: deno task compile in the source tree; returns 1 (with the
# reason in $TMP/why) when Deno's runtime for binaries cannot be had, and
# stops on any other failure. The binary must run before it is installed.
compile() {
  src=$(source_dir) || exit 1
  VERSION=$(version_of "$src")
  say "build      deno task compile in $src"
  if ! (cd "$src" && deno task compile) >"$TMP/compile.log" 2>&1; then
    if grep -qiE 'denort|base binary|dl\.deno\.land' "$TMP/compile.log"; then
      reason=$(grep -iE 'dl\.deno\.land|denort' "$TMP/compile.log" | tail -n 1 |
        sed -e 's/^[[:space:]]*[0-9]*:[[:space:]]*//' | cut -c 1-200)
      printf 'deno compile cannot get Deno'\''s runtime for binaries (%s)\n' \
        "$reason" >"$TMP/why"
      return 1
    fi
    tail -n 20 "$TMP/compile.log" >&2
    die "deno task compile failed (above); nothing was installed"
  fi
  cp "$src/dist/$NAME" "$1"
  check_runs "the compiled binary $src/dist/$NAME" "$1"
}

# launcher LIBDIR: the launcher script for the source installed in LIBDIR.
launcher() {
  printf '#!/bin/sh\n'
  printf '# %s %s, installed from source by install.sh.\n' "$NAME" "$VERSION"
  printf '# Runs %s/src/main.ts with Deno and the flags of\n' "$LIB"
  printf '# src/flags.sh (the list deno task compile bakes into the binary).\n'
  printf '# It imports only its own files (zod is bundled in src/lib/zod/), and\n'
  printf '# deno-dir/ holds them compiled at install time: nothing is fetched.\n'
  printf 'export DENO_DIR=%s\n' "$(quote "$1/deno-dir")"
  printf 'export DENO_NO_UPDATE_CHECK=1\n'
  printf 'exec %s run --cached-only \\\n' "$(quote "$DENO_EXE")"
  while IFS= read -r flag; do
    printf '  %s \\\n' "$(quote "$flag")"
  done <"$TMP/flags"
  printf '  %s "$@"\n' "$(quote "$1/src/main.ts")"
}

# quote WORD: WORD in single quotes when it needs them.
quote() {
  case $1 in
    *[!A-Za-z0-9_./,=:@%+-]* | "") printf "'%s'" "$(printf '%s' "$1" | sed "s/'/'\\\\''/g")" ;;
    *) printf '%s' "$1" ;;
  esac
}

# install_source: the source under LIB (src/ and deno.json, which holds the
# version), compiled into LIB/deno-dir, and the launcher at BIN.
install_source() {
  src=$(source_dir) || exit 1
  VERSION=$(version_of "$src")
  if [ -n "$DENO" ]; then
    deno_cmd=$DENO
  else
    deno_cmd=$(command -v deno) || die "no deno on PATH to run the source: install Deno 2 (npm install -g deno) or give --deno PATH"
  fi
  DENO_EXE=$(cd / && "$deno_cmd" eval --no-config 'console.log(Deno.execPath())') ||
    die "$deno_cmd does not run"
  # the one list of flags, as deno task compile takes it (SOT_ALLOW_* apply)
  sh "$src/src/flags.sh" >"$TMP/flags" || die "$src/src/flags.sh failed"

  lib=$DESTDIR$LIB
  record "$LIB/"
  # staged whole, then compared: one copy, not a process per file
  mkdir -p "$TMP/lib"
  (cd "$src" && cp -R src deno.json "$TMP/lib/")
  chmod -R u=rwX,go=rX "$TMP/lib"
  files=$(find "$TMP/lib" -type f | wc -l | tr -d ' ')
  if [ -d "$lib/src" ] && diff -r "$TMP/lib/src" "$lib/src" >/dev/null 2>&1 &&
    cmp -s "$TMP/lib/deno.json" "$lib/deno.json"; then
    say "unchanged  $LIB ($files files)"
  else
    # the source as a whole: files an earlier version had and this one lacks go
    mkdir -p "$lib"
    rm -rf "$lib/src.new"
    cp -R "$TMP/lib/src" "$lib/src.new"
    rm -rf "$lib/src"
    mv "$lib/src.new" "$lib/src"
    copy "$TMP/lib/deno.json" "$LIB/deno.json" 0644 || true
    say "installed  $LIB ($files files)"
  fi

  # the launcher, checked with this install's own paths before it is put; its
  # first run leaves the source compiled in deno-dir for the service user
  mkdir -p "$lib/deno-dir"
  launcher "$lib" >"$TMP/check"
  chmod 0755 "$TMP/check"
  check_runs "the source installed in $lib" "$TMP/check"
  chmod -R a+rX "$lib"
  launcher "$LIB" >"$TMP/bin"
}

# file_value FILE KEY: the value of KEY in a KEY=value file, unquoted.
file_value() {
  [ -f "$1" ] || return 0
  sed -n "s/^[[:space:]]*\(export[[:space:]]\{1,\}\)\{0,1\}$2=//p" "$1" |
    tail -n 1 | sed -e 's/^"\(.*\)"$/\1/' -e "s/^'\(.*\)'$/\1/"
}

# home_of USER: the user's home directory (passwd), else a guess said aloud.
home_of() {
  h=$(getent passwd "$1" 2>/dev/null | cut -d: -f6) || true
  if [ -n "$h" ]; then
    printf '%s\n' "$h"
  elif [ "$1" = root ]; then
    printf '/root\n'
  else
    say "note       no user $1 on this machine: taking /home/$1 as its home" >&2
    printf '/home/%s\n' "$1"
  fi
}

# choose_user: --user, else the owner of the Claude Code login: the configured
# credentials file, the login of the user who ran sudo, or the one login in
# the homes of this machine. Never guesses between two.
choose_user() {
  if [ -n "$RUN_USER" ]; then
    [ -n "$DESTDIR" ] || id -u "$RUN_USER" >/dev/null 2>&1 ||
      die "--user $RUN_USER: no such user"
    return
  fi
  [ -z "$DESTDIR" ] ||
    die "DESTDIR: give --user NAME, the user the units and cron entries run as (a package is not built on the machine it serves)"
  creds=$(file_value "$DESTDIR$CONF" SYNC_OAUTH_TOKEN_CREDENTIALS)
  if [ -n "$creds" ] && [ -e "$creds" ]; then
    RUN_USER=$(stat -c %U "$creds")
    say "user       $RUN_USER (owns $creds, the configured credentials)"
    return
  fi
  if [ -n "${SUDO_USER:-}" ] && [ "$SUDO_USER" != root ]; then
    f=$(home_of "$SUDO_USER")/.claude/.credentials.json
    if [ -f "$f" ]; then
      RUN_USER=$(stat -c %U "$f")
      say "user       $RUN_USER (owns $f)"
      return
    fi
  fi
  getent passwd | awk -F: '$3 == 0 || $3 >= 1000 { print $6 }' | sort -u |
    while IFS= read -r h; do
      if [ -f "$h/.claude/.credentials.json" ]; then
        printf '%s\n' "$h/.claude/.credentials.json"
      fi
    done >"$TMP/logins"
  case $(wc -l <"$TMP/logins" | tr -d ' ') in
    1)
      f=$(cat "$TMP/logins")
      RUN_USER=$(stat -c %U "$f")
      say "user       $RUN_USER (owns $f)"
      ;;
    0) die "no Claude Code login found (no ~/.claude/.credentials.json in the homes of this machine): log in with \`claude\` first, or give --user NAME, the user whose login to keep fresh" ;;
    *) die "several Claude Code logins: $(tr '\n' ' ' <"$TMP/logins")- choose whose with --user NAME" ;;
  esac
}

# The directories the tool writes to, each once: the credentials' (refresh
# write-back, Claude Code's locks), OpenClaw's state directory in the user's
# home (found without settings), and each target's .env, oauth.json and
# OpenClaw state directory.
write_dirs() {
  creds=$(file_value "$DESTDIR$CONF" SYNC_OAUTH_TOKEN_CREDENTIALS)
  {
    dirname "${creds:-$RUN_HOME/.claude/.credentials.json}"
    printf '%s\n' "$RUN_HOME/.openclaw"
    for f in "$DESTDIR$CONF" "$DESTDIR$TARGETS"/*.env; do
      [ -f "$f" ] || continue
      for key in ENV_FILE OAUTH_JSON; do
        v=$(file_value "$f" "SYNC_OAUTH_TOKEN_$key")
        [ -z "$v" ] || dirname "$v"
      done
      v=$(file_value "$f" SYNC_OAUTH_TOKEN_OPENCLAW_STATE)
      [ -z "$v" ] || printf '%s\n' "$v"
    done
  } | sed 's#//*$##' | awk 'NF && !seen[$0]++ { printf " -%s", $0 }'
}

write_config_template() {
  cat <<'EOF'
# sync-oauth-token configuration, read on every start (KEY=value lines).
# Keys are the SYNC_OAUTH_TOKEN_* environment variables; the environment and
# command-line flags win over this file. Uncomment and edit what you need, then
# run install.sh again: the systemd units may write only the directories the
# configuration names. `sync-oauth-token config` shows what is in effect.
#
# Several consumers of the login: one file per target in targets.d/ beside this
# file (targets.d/NAME.env), each with the keys of "Where the token goes" and
# "OpenClaw" below; where the token goes is then set only there.

# Where the token goes: the OpenClaw compose .env file that holds it.
#SYNC_OAUTH_TOKEN_ENV_FILE=/srv/openclaw/.env
# The variable in it.
#SYNC_OAUTH_TOKEN_ENV_KEY=ANTHROPIC_OAUTH_TOKEN
# Create the .env file when it does not exist.
#SYNC_OAUTH_TOKEN_CREATE=false
# Legacy oauth.json of older OpenClaw releases only.
#SYNC_OAUTH_TOKEN_OAUTH_JSON=/srv/openclaw/credentials/oauth.json

# docker compose: directory (default: the .env file's), file, project, service.
#SYNC_OAUTH_TOKEN_COMPOSE_DIR=/srv/openclaw
#SYNC_OAUTH_TOKEN_COMPOSE_FILE=/srv/openclaw/docker-compose.yml
#SYNC_OAUTH_TOKEN_COMPOSE_PROJECT=openclaw
#SYNC_OAUTH_TOKEN_SERVICE=openclaw-gateway
# How the gateway re-reads .env: recreate, down-up or none.
#SYNC_OAUTH_TOKEN_RESTART=recreate
#SYNC_OAUTH_TOKEN_COMPOSE_TIMEOUT=2m

# OpenClaw: how the token reaches it (auto, cli, auth-profiles, legacy or
# env-only) and its state directory on this host (the fast direct route).
#SYNC_OAUTH_TOKEN_OPENCLAW=auto
#SYNC_OAUTH_TOKEN_OPENCLAW_STATE=/srv/openclaw/state

# Claude Code's credentials (default: ~/.claude/.credentials.json of the user
# the service runs as).
#SYNC_OAUTH_TOKEN_CREDENTIALS=/home/alice/.claude/.credentials.json

# Watch mode: quiet period before a recreate; polling instead of inotify.
#SYNC_OAUTH_TOKEN_SETTLE=1s
#SYNC_OAUTH_TOKEN_POLL=false
#SYNC_OAUTH_TOKEN_POLL_INTERVAL=5s
# Refresh the login when it expires within this time.
#SYNC_OAUTH_TOKEN_REFRESH_BEFORE=1h

# Logging to stderr (the journal): text or json; debug, info, warn or error.
#SYNC_OAUTH_TOKEN_LOG_FORMAT=text
#SYNC_OAUTH_TOKEN_LOG_LEVEL=info
EOF
}

write_units() {
  rw=$(write_dirs)
  {
    cat <<EOF
[Unit]
Description=Keep OpenClaw's Claude login fresh (sync-oauth-token watch)
After=docker.service network-online.target
Wants=network-online.target

[Service]
Type=simple
User=$RUN_USER
EOF
    [ -z "$RUN_GROUP" ] || say "Group=$RUN_GROUP"
    cat <<EOF
ExecStart=$BIN watch
Restart=on-failure
RestartSec=10s
# exit 2: nothing to deliver to, a wrong setting or a missing permission;
# restarting cannot help, so the unit fails and says why (journalctl -u $NAME)
RestartPreventExitStatus=2
# the state file goes to \$STATE_DIRECTORY (/var/lib/$NAME)
StateDirectory=$NAME
StateDirectoryMode=0700
Environment=NO_COLOR=1
NoNewPrivileges=yes
ProtectSystem=strict
# written by install.sh from the configuration: run it again after a change
ReadWritePaths=${rw# }
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
EOF
    if [ "$RUN_USER" = root ]; then
      # root writes other users' files keeping their owner and mode
      say "CapabilityBoundingSet=CAP_CHOWN CAP_FOWNER CAP_DAC_OVERRIDE CAP_DAC_READ_SEARCH"
    else
      say "CapabilityBoundingSet="
    fi
    cat <<EOF
UMask=0077

[Install]
WantedBy=multi-user.target
EOF
  } >"$TMP/$NAME.service"
  sed -e 's/^Description=.*/Description=Refresh the Claude login (sync-oauth-token refresh --once)/' \
    -e "s|^ExecStart=.*|ExecStart=$BIN refresh --once|" \
    -e 's/^Type=simple/Type=oneshot/' \
    -e '/^Restart/d' -e '/^# exit 2:/,/^# restarting/d' -e '/^\[Install\]/,$d' \
    "$TMP/$NAME.service" >"$TMP/$NAME-refresh.service"
  cat >"$TMP/$NAME-refresh.timer" <<EOF
[Unit]
Description=Refresh the Claude login every 6 hours, for when Claude Code is not in use

[Timer]
OnCalendar=*-*-* 00/6:00:00
RandomizedDelaySec=30min
Persistent=true

[Install]
WantedBy=timers.target
EOF
}

write_cron() {
  cat <<EOF
# sync-oauth-token (installed by install.sh): deliver every 5 minutes and
# refresh the login every 6 hours, as $RUN_USER.
SHELL=/bin/sh
PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
*/5 * * * * $RUN_USER $BIN --once --log-level warn
17 */6 * * * $RUN_USER $BIN refresh --once --log-level warn
EOF
}

# The config directory, the config and targets.d: root's, readable by the
# group the units run as (the config may hold the gateway's token).
config_files() {
  mkdir -p "$DESTDIR$TARGETS"
  if [ -f "$DESTDIR$CONF" ]; then
    say "kept       $CONF"
  else
    write_config_template >"$TMP/config.env"
    (umask 077 && cp "$TMP/config.env" "$DESTDIR$CONF")
    say "created    $CONF"
  fi
  # the target files too (sudo tee makes them 0644)
  set -- "$DESTDIR$CONF"
  for f in "$DESTDIR$TARGETS"/*.env; do
    if [ -f "$f" ]; then set -- "$@" "$f"; fi
  done
  if [ "$RUN_USER" != root ] && [ -n "$RUN_GROUP" ] && [ "$(id -u)" = 0 ] &&
    getent group "$RUN_GROUP" >/dev/null 2>&1; then
    chgrp "$RUN_GROUP" "$DESTDIR$CONF_DIR" "$DESTDIR$TARGETS" "$@"
    chmod 0750 "$DESTDIR$CONF_DIR" "$DESTDIR$TARGETS"
    chmod 0640 "$@"
  else
    chmod 0700 "$DESTDIR$CONF_DIR" "$DESTDIR$TARGETS"
    chmod 0600 "$@"
    [ "$RUN_USER" = root ] ||
      say "note       $RUN_USER reads $CONF_DIR: give its group read access (chgrp GROUP $CONF_DIR $TARGETS $CONF; chmod 0750 $CONF_DIR $TARGETS; chmod 0640 $CONF)"
  fi
}

# start_units: enable the units, and start them unless the tool would have
# nowhere to deliver (exit 2): the service would only fail.
start_units() {
  changed=$1
  [ "$changed" = 0 ] || systemctl daemon-reload
  systemctl enable "$NAME.service" "$NAME-refresh.timer"
  if [ "$RUN_USER" = root ]; then
    check=$("$BIN" status 2>&1) && code=0 || code=$?
  else
    check=$(runuser -u "$RUN_USER" -- env HOME="$RUN_HOME" "$BIN" status 2>&1) &&
      code=0 || code=$?
  fi
  if [ "$code" = 2 ]; then
    say "not started: $BIN status says (exit 2):"
    printf '%s\n' "$check" | sed 's/^/             /'
    say "             set it in $CONF, then run install.sh again"
    return
  fi
  if [ "$changed" = 1 ]; then
    systemctl restart "$NAME.service" "$NAME-refresh.timer"
  else
    systemctl start "$NAME.service" "$NAME-refresh.timer"
  fi
  say "started    $NAME.service, $NAME-refresh.timer (as $RUN_USER)"
}

install_all() {
  choose_user
  RUN_HOME=$(home_of "$RUN_USER")
  RUN_GROUP=$(id -gn "$RUN_USER" 2>/dev/null) || RUN_GROUP=""

  # The program: the compiled binary, else the source and its launcher.
  if [ -n "$BINARY" ] || [ -n "$URL" ]; then
    fetch_binary "$TMP/bin"
    how="a binary ($BINARY$URL)"
  elif [ "$FROM_SOURCE" = 0 ] && command -v deno >/dev/null 2>&1 && compile "$TMP/bin"; then
    how="the compiled binary (deno task compile)"
  else
    if [ "$FROM_SOURCE" = 1 ]; then
      why="--from-source"
    elif [ -f "$TMP/why" ]; then
      why=$(cat "$TMP/why")
    else
      die "no binary: give --binary PATH or --url URL, or install Deno 2 (npm install -g deno) to build or run the source"
    fi
    say "source     $why: installing the source and a launcher"
    install_source
    how="from source: $BIN runs $LIB with $DENO_EXE"
  fi
  put "$TMP/bin" "$BIN" 0755 || true
  # a binary replaces an earlier source install
  if [ -z "${DENO_EXE:-}" ] && [ -d "$DESTDIR$LIB" ]; then
    rm -rf "$DESTDIR$LIB"
    say "removed    $LIB (an earlier source install)"
  fi
  if [ -n "${DENO_EXE:-}" ] && [ -z "$DESTDIR" ] && [ "$RUN_USER" != root ]; then
    runuser -u "$RUN_USER" -- "$BIN" --version >/dev/null 2>&1 ||
      die "$RUN_USER cannot run $BIN (can it read $LIB and run $DENO_EXE?)"
  fi

  config_files

  # a compose target's recreate runs docker as the user
  if [ -z "$DESTDIR" ] && [ "$RUN_USER" != root ] &&
    grep -qs '^[[:space:]]*SYNC_OAUTH_TOKEN_ENV_FILE=' "$CONF" "$TARGETS"/*.env &&
    getent group docker >/dev/null 2>&1 &&
    ! id -nG "$RUN_USER" | tr ' ' '\n' | grep -qx docker; then
    say "warning    $RUN_USER is not in the docker group: recreating the gateway will fail (sudo usermod -aG docker $RUN_USER)"
  fi

  changed=0
  if [ "$INIT" = systemd ] || [ "$INIT" = both ]; then
    write_units
    for unit in "$NAME.service" "$NAME-refresh.service" "$NAME-refresh.timer"; do
      if put "$TMP/$unit" "$UNIT_DIR/$unit" 0644; then changed=1; fi
    done
  fi
  if [ "$INIT" = cron ] || [ "$INIT" = both ]; then
    write_cron >"$TMP/cron"
    put "$TMP/cron" "$CRON" 0644 || true
    [ -n "$DESTDIR" ] || command -v cron >/dev/null 2>&1 ||
      command -v crond >/dev/null 2>&1 ||
      say "warning    no cron daemon found: install cron so $CRON runs"
  fi

  # The manifest: what --uninstall removes (merged with earlier ones).
  manifest_lines >>"$TMP/manifest"
  sort -u -o "$TMP/manifest" "$TMP/manifest"
  if ! cmp -s "$TMP/manifest" "$DESTDIR$MANIFEST"; then
    cp "$TMP/manifest" "$DESTDIR$MANIFEST"
    chmod 0600 "$DESTDIR$MANIFEST"
  fi
  rm -f "$DESTDIR$OLD_MANIFEST"

  say "program    $how"
  if [ "$INIT" = cron ]; then
    say "runs as    $RUN_USER, from $CRON"
  else
    say "runs as    $RUN_USER"
    if [ "$START" = 1 ]; then
      start_units "$changed"
    else
      say "not started: systemctl enable --now $NAME.service $NAME-refresh.timer"
    fi
  fi
  say ""
  say "next: set where the token goes in $CONF"
  say "      (or one file per consumer in $TARGETS/NAME.env),"
  say "      check it with: $BIN doctor"
  if [ "$INIT" != cron ]; then
    say "      then run install.sh again and follow: journalctl -u $NAME -f"
  fi
}

if [ "$UNINSTALL" = 1 ]; then uninstall; else install_all; fi
