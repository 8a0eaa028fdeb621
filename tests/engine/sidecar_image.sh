#!/usr/bin/env bash
# sidecar_image.sh TAG: assembles a stand-in for the Dockerfile's sidecar image
# from this machine's own parts and imports it as TAG (`docker import`: no
# registry, no base image). The Dockerfile itself cannot be built here: its base
# images come from a registry, and `deno compile` needs Deno's runtime (denort)
# from Deno's release server.
#
# What the stand-in holds, in place of what the Dockerfile installs:
#   the compiled binary     -> this machine's deno running /app/src/main.ts with
#                              the flags of src/flags.sh, as install.sh's source
#                              route does, the source compiled into
#                              /app/deno-dir when the image is made (it imports
#                              only its own files; no network inside:
#                              --cached-only)
#   docker CLI              -> this machine's docker CLI
#   compose v2 plugin       -> a CLI-plugin shim running Debian's docker-compose
#                              1.29.2 (as tests/engine/engine.sh installs on the host)
#   tini, glibc             -> the files of the installed Debian packages
#                              docker-compose and tini and their dependencies
# ENV and CMD are the Dockerfile's; its ENTRYPOINT too, with the binary replaced
# by the deno command (no shell in between, so the tool's environment is the
# container's, as with the binary).
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
TAG=${1:?usage: sidecar_image.sh TAG}
BINARY=/usr/local/bin/sync-oauth-token

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
stage=$work/rootfs # files made here
files=$work/files  # files taken from the host, relative to /
mkdir "$stage"

# The installed Debian packages the image needs, with their dependencies.
packages() {
  apt-cache depends --recurse --installed --no-recommends --no-suggests \
    --no-conflicts --no-breaks --no-replaces --no-enhances "$@" |
    grep -v '^[ <]' | sort -u
}

# A binary and the shared libraries it loads.
with_libraries() {
  echo "$1"
  ldd "$1" 2>/dev/null | grep -o '/[^ ]*' || true
}

# Host paths (files and symlinks, no directories), each with its directory
# resolved, so /lib/x/libc.so.6 is archived as usr/lib/x/libc.so.6.
canonical() {
  local f
  while IFS= read -r f; do
    if [ -L "$f" ] || [ -f "$f" ]; then echo "$f"; fi
  done | sort -u >"$files.raw"
  sed -e 's#/[^/]*$##' -e 's#^$#/#' "$files.raw" | sort -u >"$files.dirs"
  xargs -d '\n' realpath -e <"$files.dirs" >"$files.real"
  paste -d '\t' "$files.dirs" "$files.real" >"$files.map"
  awk -F '\t' 'NR == FNR { real[$1] = $2 == "/" ? "" : substr($2, 2) "/"; next }
    { d = $0; sub(/\/[^\/]*$/, "", d); b = substr($0, length(d) + 2)
      print real[d == "" ? "/" : d] b }' "$files.map" "$files.raw" | sort -u
}

deno_bin=$(realpath "$(command -v deno)")
docker_bin=$(realpath "$(command -v docker)")
{
  for p in $(packages docker-compose tini); do dpkg -L "$p"; done |
    grep -Ev '^/usr/share/(doc|man|info|locale|lintian)/'
  with_libraries "$deno_bin"
  with_libraries "$docker_bin"
  printf '/%s\n' bin lib lib64 sbin # merged /usr: links to usr/bin, ...
} | canonical >"$files"

# /tmp, a root user, the commands, the compose plugin.
mkdir -p "$stage/tmp" "$stage/etc" "$stage/root" "$stage/usr/local/bin" \
  "$stage/usr/local/libexec/docker/cli-plugins" "$stage/app"
chmod 1777 "$stage/tmp"
echo 'root:x:0:0:root:/root:/usr/sbin/nologin' >"$stage/etc/passwd"
echo 'root:x:0:' >"$stage/etc/group"
ln -s "$deno_bin" "$stage/usr/local/bin/deno"
[ "$docker_bin" = /usr/local/bin/docker ] || ln -s "$docker_bin" "$stage/usr/local/bin/docker"
# In Python, not sh: a shell would export PWD, which the real plugin is not given.
cat >"$stage/usr/local/libexec/docker/cli-plugins/docker-compose" <<'SHIM'
#!/usr/bin/python3
# compose v2 CLI-plugin shim: `docker compose ...` -> docker-compose 1.29.2
import os
import sys
if sys.argv[1:2] == ["docker-cli-plugin-metadata"]:
    print('{"SchemaVersion":"0.1.0","Vendor":"local","Version":"1.29.2-shim"}')
    sys.exit(0)
os.execv("/usr/bin/docker-compose", ["docker-compose"] + sys.argv[2:])
SHIM
chmod 755 "$stage/usr/local/libexec/docker/cli-plugins/docker-compose"

# The tool: its source, deno.json (its version), and a DENO_DIR with the source
# compiled.
cp "$ROOT/deno.json" "$stage/app/"
cp -R "$ROOT/src" "$stage/app/src"
DENO_DIR="$stage/app/deno-dir" deno run --quiet --no-config \
  "$stage/app/src/main.ts" --version >/dev/null

# The Dockerfile's last stage: ENV, CMD, ENTRYPOINT (continuation lines joined).
final=$(awk '/^FROM /{ s = "" } { s = s $0 "\n" } END { printf "%s", s }' "$ROOT/Dockerfile" |
  sed -e ':a' -e '/\\$/N; s/\\\n */ /; ta')
changes=()
while IFS= read -r line; do
  case "$line" in
  ENV\ * | CMD\ *) changes+=(--change "$line") ;;
  ENTRYPOINT\ *)
    mapfile -t run < <(
      printf '%s\n' /usr/local/bin/deno run --cached-only
      sh "$ROOT/src/flags.sh"
      echo /app/src/main.ts
    )
    entry=$(deno eval --no-config 'const [json, bin, ...run] = Deno.args;
      console.log(JSON.stringify(JSON.parse(json).flatMap((a) => a === bin ? run : [a])));' \
      "${line#ENTRYPOINT }" "$BINARY" "${run[@]}")
    grep -q /app/src/main.ts <<<"$entry" || {
      echo "sidecar_image.sh: the Dockerfile's ENTRYPOINT does not run $BINARY: $line" >&2
      exit 1
    }
    changes+=(--change "ENTRYPOINT $entry")
    ;;
  esac
done <<<"$final"

tar -c -f - -C / --no-recursion -T "$files" --recursion -C "$stage" . |
  docker import \
    --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
    --change 'ENV DENO_DIR=/app/deno-dir' \
    "${changes[@]}" - "$TAG" >/dev/null
echo "$TAG"
