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
cache=$(deno info --json | sed -n 's/^ *"npmCache": "\(.*\)",*$/\1/p')/registry.npmjs.org
for spec in $(deno eval 'const lock = JSON.parse(Deno.readTextFileSync("deno.lock"));
  for (const spec of Object.keys(lock.npm ?? {})) console.log(spec);'); do
  name=${spec%@*}
  version=${spec##*@}
  version=${version%%_*} # peer-dependency suffix
  mkdir -p "$dest/npm/registry.npmjs.org/$name"
  cp -R "$cache/$name/$version" "$cache/$name/registry.json" \
    "$dest/npm/registry.npmjs.org/$name/"
done
