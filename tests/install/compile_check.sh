#!/bin/sh
# CI's compile check. `deno compile` needs Deno's runtime (denort), which it
# downloads from Deno's release server unless DENORT_BIN names a local copy.
#
#   compile_check.sh --probe   exit 0 when denort is available, else print why not
#   compile_check.sh           deno task compile, then smoke-test the binary
set -eu
cd "$(dirname "$0")/../.."

version=$(deno --version | sed -n 's/^deno \([0-9.]*\).*/\1/p')
zip="denort-$(uname -m)-unknown-linux-gnu.zip"
cache="${DENO_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/deno}/dl/release/v$version/$zip"
url="https://dl.deno.land/release/v$version/$zip"

if [ "${1:-}" = --probe ]; then
  if [ -n "${DENORT_BIN:-}" ]; then
    [ -x "$DENORT_BIN" ] && exit 0
    echo "DENORT_BIN=$DENORT_BIN is not an executable file"
    exit 1
  fi
  [ -f "$cache" ] && exit 0
  curl -fsI --max-time 10 "$url" >/dev/null 2>&1 && exit 0
  echo "no denort: DENORT_BIN unset, not cached, $url unreachable"
  exit 1
fi

deno task compile
bin=dist/sync-oauth-token
expected=$(sed -n 's/^ *"version": "\(.*\)",*$/\1/p' deno.json | head -n 1)
actual=$("$bin" --version)
[ "$actual" = "$expected" ] || {
  echo "$bin --version printed '$actual', expected '$expected'"
  exit 1
}
dest=$(mktemp -d)
trap 'rm -rf "$dest"' EXIT
: >"$dest/empty.env"
# the bundled zod reached the binary: config validates its values with it
"$bin" config --json --config "$dest/empty.env" >/dev/null
DESTDIR=$dest/root sh install.sh --binary "$bin" --init systemd --user root >/dev/null
cmp "$bin" "$dest/root/usr/local/bin/sync-oauth-token"
echo "compiled $bin ($actual) and installed it into a DESTDIR"
