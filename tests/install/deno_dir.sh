#!/bin/sh
# deno_dir.sh DEST: makes DEST a DENO_DIR holding the npm packages of deno.lock,
# copied from this machine's Deno cache, so that
#   DENO_DIR=DEST deno run --cached-only --frozen src/main.ts
# runs the tool with no network and no access to the caller's cache (in the
# sidecar image assembled by tests/engine/sidecar_image.sh, or as another user).
set -eu
cd "$(dirname "$0")/../.."
dest=$1
deno cache --frozen src/main.ts >/dev/null
cache=$(deno info --json | jq -r .npmCache)/registry.npmjs.org
for spec in $(jq -r '.npm // {} | keys[]' deno.lock); do
  name=${spec%@*}
  version=${spec##*@}
  version=${version%%_*} # peer-dependency suffix
  mkdir -p "$dest/npm/registry.npmjs.org/$name"
  cp -R "$cache/$name/$version" "$cache/$name/registry.json" \
    "$dest/npm/registry.npmjs.org/$name/"
done
