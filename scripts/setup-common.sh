# Sourced by scripts/test and scripts/dev: installs and starts what Peerloop needs on this machine.
# Idempotent: a second run only checks.

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

step() { printf '\n==> %s\n' "$*"; }

ensure_apt() {  # ensure_apt COMMAND PACKAGE
  if ! command -v "$1" >/dev/null 2>&1; then
    step "installing $2 (Debian package)"
    if [ "$(id -u)" = 0 ]; then SUDO=""; else SUDO="sudo"; fi
    $SUDO apt-get update -q >/dev/null
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q "$2" >/dev/null
  fi
}

ensure_python() {  # ensure_python EXTRAS (e.g. sandbox, or dev,sandbox)
  local extras="$1" stamp=.venv/.peerloop-installed hash
  if [ ! -x .venv/bin/python ]; then
    step "creating the virtual environment (.venv)"
    python3 -m venv .venv
  fi
  # The install is editable, so only pyproject.toml can make it stale: skip pip (30 s even
  # with nothing to do) when the stamp shows this pyproject.toml was installed with every
  # extra asked for now (scripts/test's dev,sandbox covers scripts/dev's sandbox).
  hash="$(sha256sum pyproject.toml | cut -d' ' -f1)"
  if [ -f "$stamp" ] && [ "$(cut -d' ' -f1 "$stamp")" = "$hash" ]; then
    local installed missing="" extra
    installed=",$(cut -d' ' -f2 "$stamp"),"
    for extra in ${extras//,/ }; do
      case "$installed" in *",$extra,"*) ;; *) missing=1 ;; esac
    done
    if [ -z "$missing" ]; then
      step "Python packages are installed (pyproject.toml unchanged)"
      return
    fi
  fi
  step "installing Python packages (pip install -e '.[$extras]')"
  .venv/bin/python -m pip install -q --disable-pip-version-check -e ".[$extras]"
  echo "$hash $extras" > "$stamp"
}

ensure_lrs() {
  ensure_apt node nodejs
  ensure_apt npm npm
  if [ ! -d tools/lrs/node_modules/xapi-statements ]; then
    step "installing the local LRS (npm ci in tools/lrs)"
    npm ci --prefix tools/lrs --no-audit --no-fund --loglevel=error >/dev/null
  fi
}

ensure_redis() {
  if ! redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1; then
    ensure_apt redis-server redis-server
    step "starting Redis on 127.0.0.1:6379"
    mkdir -p /var/lib/redis /var/log/redis
    redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no \
      --dir /var/lib/redis --logfile /var/log/redis/ci.log
    for _ in $(seq 50); do redis-cli -h 127.0.0.1 ping >/dev/null 2>&1 && break; sleep 0.1; done
  fi
}

ensure_postgres() {
  if ! pg_isready -h 127.0.0.1 -p 5432 -q 2>/dev/null; then
    step "starting PostgreSQL on 127.0.0.1:5432"
    pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -n 1)" main start
    for _ in $(seq 100); do pg_isready -h 127.0.0.1 -p 5432 -q && break; sleep 0.1; done
  fi
}

ensure_chromium() {
  ensure_apt chromium chromium
}
