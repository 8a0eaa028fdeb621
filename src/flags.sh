#!/bin/sh
# The one list of Deno flags (permissions, then runtime flags) sync-oauth-token
# runs with: `deno task start` runs it with them, `deno task compile` bakes
# them into the binary, install.sh's launcher and the Dockerfile use them, and
# `deno task test` runs the process tests under them. One flag per line;
# --quiet keeps Deno from logging an --allow-run program that is not installed
# (openclaw, docker-compose) on every start.
#
# Read and write are unrestricted by default because the files are runtime
# configuration; SOT_ALLOW_PATHS (comma-separated directories) limits both to
# those directories (and their DIR.lock siblings) when they are known at build
# time. The systemd unit limits writes to the configured directories either way
# (ProtectSystem=strict).
set -eu
if [ -n "${SOT_ALLOW_PATHS:-}" ]; then
  # each directory and its sibling DIR.lock: Claude Code's refresh lock of
  # ~/.claude is ~/.claude.lock, which a refresh takes too
  paths=$(printf '%s' "$SOT_ALLOW_PATHS" | sed -e 's#/*,#,#g' -e 's#/*$##')
  paths=$(printf '%s' "$paths" | sed 's#[^,][^,]*#&,&.lock#g')
  echo "--allow-read=/etc/sync-oauth-token,$paths"
  echo "--allow-write=$paths"
else
  echo "--allow-read"
  echo "--allow-write"
fi
# SOT_ALLOW_HOSTS (comma-separated) adds hosts, such as the gateway's service
# name for the direct route from a sidecar (ws://openclaw-gateway:18789).
echo "--allow-net=platform.claude.com,console.anthropic.com,127.0.0.1,localhost${SOT_ALLOW_HOSTS:+,$SOT_ALLOW_HOSTS}"
# SOT_ALLOW_RUN (comma-separated) adds programs: the --on-change/--on-failure hooks.
echo "--allow-run=docker,docker-compose,openclaw${SOT_ALLOW_RUN:+,$SOT_ALLOW_RUN}"
echo "--allow-env"
echo "--allow-sys=uid,gid"
echo "--no-prompt"
echo "--quiet"
# Runtime flags, not permissions, each kept because `deno task bench` shows it
# pays (docs/performance.md). No deno.json at run time: the tool imports only
# relative paths (zod is bundled into src/lib/zod/zod.js), and reading it
# would resolve and fetch the test packages its lock names. V8 without its
# optimizing compiler and with a 1 MiB young generation: a pass is a few
# milliseconds of JavaScript, and the long-running agent's memory stays lower
# and flat.
echo "--no-config"
echo "--v8-flags=--lite-mode,--max-semi-space-size=1"
