#!/usr/bin/env bash
# Idempotent set-up, run by `make demo`, `make test` and every layer target:
#   .venv/ (pinned Python packages), node_modules/ (solcjs, anvil, forge, OpenZeppelin),
#   anvil/forge/solc on the venv's PATH, and the solc shim registered with py-solc-x.
# Nothing is fetched except from the package registries. Re-running does only what is missing.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
root="$(pwd)"

die() { echo "setup: $*" >&2; exit 1; }
say() { [[ -n "${SETUP_QUIET:-}" ]] || echo "setup: $*"; }

# --- prerequisites ---------------------------------------------------------------------------
python="${PYTHON:-python3.11}"
command -v "$python" >/dev/null 2>&1 || die "python3.11 not found; install Python 3.11 (or set PYTHON=/path/to/python3.11)"
"$python" -c 'import sys, venv; sys.exit(sys.version_info[:2] != (3, 11))' 2>/dev/null \
  || die "$python is not Python 3.11 with venv; install Python 3.11 (or set PYTHON=/path/to/python3.11)"
command -v node >/dev/null 2>&1 || die "node not found; install Node.js 20 (apt-get install nodejs npm)"
command -v npm >/dev/null 2>&1 || die "npm not found; install npm (apt-get install npm)"
node_major="$(node -p 'process.versions.node.split(".")[0]')"
(( node_major >= 18 )) || die "node $(node --version) is too old; install Node.js 20"

# --- node tools --------------------------------------------------------------------------------
if [[ ! -f node_modules/.installed || package.json -nt node_modules/.installed ]]; then
  say "installing node tools (solc, anvil, forge, OpenZeppelin, the IPFS node) from npm"
  # `npm install`, not `npm ci`: the lockfile lacks other platforms' optional packages.
  npm install --no-audit --no-fund --loglevel=error >/dev/null || die "npm install failed (see the output above)"
  touch node_modules/.installed
fi
case "$(uname -s)-$(uname -m)" in
  Linux-x86_64) platform=linux-amd64 ;;
  Linux-aarch64) platform=linux-arm64 ;;
  Darwin-arm64) platform=darwin-arm64 ;;
  Darwin-x86_64) platform=darwin-amd64 ;;
  *) die "no anvil/forge build for $(uname -s) $(uname -m)" ;;
esac
for tool in anvil forge; do
  bin="node_modules/@foundry-rs/$tool-$platform/bin/$tool"
  [[ -x "$bin" ]] || die "$tool not found at $bin; delete node_modules and run again"
done

# --- python environment ------------------------------------------------------------------------
if [[ ! -x .venv/bin/python ]]; then
  say "creating .venv"
  "$python" -m venv .venv || die "could not create .venv with $python"
fi
if [[ ! -f .venv/.installed || pyproject.toml -nt .venv/.installed || requirements.lock -nt .venv/.installed ]]; then
  say "installing pinned Python packages into .venv (about 2 minutes the first time)"
  .venv/bin/python -m pip install --quiet --disable-pip-version-check -c requirements.lock -e . 2>&1 \
    | grep -v "^WARNING: Location" || true
  # Flower (flwr) and Ray (its simulation runtime) without their declared dependencies: their
  # metadata asks for packaging>=24 (and flwr for typer<0.21, certifi>=2026.10.19), which
  # eth-ape 0.8.51 (packaging<24) or this lock refuse, and they run with ours
  # (tests/federated/test_flower.py). What they do use is pinned in requirements.lock and
  # named here.
  .venv/bin/python -m pip install --quiet --disable-pip-version-check --no-deps -c requirements.lock \
    flwr fastapi grpcio grpcio-health-checking protobuf cryptography cffi pycparser iterators \
    tomli tomli-w pathspec alembic mako uv ray jsonschema jsonschema-specifications referencing \
    rpds-py msgpack 2>&1 | grep -v "^WARNING: Location" || true
  .venv/bin/python -c 'import ape, ape_solidity, ape_foundry, sklearn, hypothesis, flwr.serverapp, ray' \
    || die "Python packages did not install (see the output above)"
  touch .venv/.installed
fi

# anvil, forge and solc on the venv's PATH (slither's solc-select would otherwise own `solc`).
for tool in anvil forge; do
  ln -sfn "$root/node_modules/@foundry-rs/$tool-$platform/bin/$tool" ".venv/bin/$tool"
done
ln -sfn "$root/tools/solc" .venv/bin/solc

# --- register the compiler with py-solc-x --------------------------------------------------------
# py-solc-x treats any executable named solc-v<X.Y.Z> in $SOLCX_BINARY_PATH (~/.solcx) as an
# installed compiler. A native solc already there is kept. Ours is a self-contained copy (the
# shim and the npm solc package with its dependencies), so it keeps working when this clone
# moves or is deleted and other clones share the same home.
version="$(cat tools/solc-version)"
solcx_dir="${SOLCX_BINARY_PATH:-$HOME/.solcx}"
registered="$solcx_dir/solc-v$version"
mkdir -p "$solcx_dir"
if [[ ! -e "$registered" ]] || head -c 512 "$registered" | grep -q "collab-ml solc"; then
  copy="$solcx_dir/.collab-ml-solcjs-$version"
  if ! cmp -s tools/solcjs.js "$copy/solcjs.js" || [[ ! -f "$copy/node_modules/solc/soljson.js" ]]; then
    rm -rf "$copy.tmp"
    mkdir -p "$copy.tmp/node_modules"
    cp tools/solcjs.js "$copy.tmp/"
    deps="$(node -e 'const d=require("./node_modules/solc/package.json").dependencies;console.log(Object.keys(d).join(" "))')"
    for package in solc $deps os-tmpdir; do
      [[ -d "node_modules/$package" ]] && cp -r "node_modules/$package" "$copy.tmp/node_modules/"
    done
    rm -rf "$copy" && mv "$copy.tmp" "$copy"
  fi
  cat > "$registered.tmp" <<WRAPPER
#!/usr/bin/env bash
# collab-ml solc wrapper (solcjs via node), written by tools/setup.sh
exec node "$copy/solcjs.js" "\$@"
WRAPPER
  chmod +x "$registered.tmp"
  mv "$registered.tmp" "$registered"
fi
"$registered" --version | grep -q "$version" || die "the compiler at $registered does not report version $version"
