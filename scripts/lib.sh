# Shared by scripts/run and scripts/test: install what Amont needs on Debian, idempotently.
# Sourced, not run. Only installs what is missing, so a second run costs a few checks.

set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

say() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }

as_root() {
  if [ "$(id -u)" = 0 ]; then "$@"; elif command -v sudo >/dev/null; then sudo "$@"; else
    die "need root to run: $* (install sudo or run as root)"; fi
}

# Installs the Debian packages given that are not installed yet.
apt_install() {
  local missing=()
  for pkg in "$@"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  command -v apt-get >/dev/null || die "missing packages ${missing[*]} and no apt-get: install them by hand"
  say "Installing Debian packages: ${missing[*]}"
  as_root apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

# What building and running Amont needs: PostgreSQL's server binaries (the private cluster),
# libpq for diesel, Node.js 20+ for the front end.
install_runtime_deps() {
  command -v cargo >/dev/null || die "Rust is not installed: see https://rustup.rs"
  apt_install postgresql libpq-dev pkg-config ca-certificates
  if ! command -v node >/dev/null; then apt_install nodejs npm; fi
  local major
  major="$(node -p 'process.versions.node.split(".")[0]')"
  [ "$major" -ge 20 ] || die "Node.js $major is too old for the front end (Vite needs 20.19 or later)"
}

# npm ci only when a package-lock.json changed since the last install: the app's, and the build
# tools' (frontend/tools: openapi-typescript, which generates the API's types for the build, and
# ESLint + Prettier, which check the front end's code).
frontend_install() {
  local dir
  for dir in frontend frontend/tools; do
    local stamp="$dir/node_modules/.amont-lock-stamp"
    if [ ! -f "$stamp" ] || ! cmp -s "$dir/package-lock.json" "$stamp"; then
      say "Installing front-end packages in $dir (npm ci)"
      (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error)
      cp "$dir/package-lock.json" "$stamp"
    fi
  done
}

frontend_build() {
  frontend_install
  say "Building the front end"
  (cd frontend && npm run --silent build)
}
