#!/usr/bin/env bash
# Make sure the local PostgreSQL answers on 127.0.0.1:5432, starting Debian's cluster if it
# is down (as CI must: it starts every service its tests need). Safe to run any number of times.
#   bash scripts/ensure-postgres.sh
set -euo pipefail

PG_HOST=${PG_HOST:-127.0.0.1}
PG_PORT=${PG_PORT:-5432}

if pg_isready -q -h "$PG_HOST" -p "$PG_PORT"; then
  echo "PostgreSQL is up on $PG_HOST:$PG_PORT"
  exit 0
fi

echo "PostgreSQL is not answering on $PG_HOST:$PG_PORT; starting it"
if ! command -v pg_ctlcluster >/dev/null; then
  echo "error: pg_ctlcluster not found; start PostgreSQL on $PG_HOST:$PG_PORT yourself" >&2
  exit 1
fi
# One cluster per major version lives under /etc/postgresql/<version>/main.
for version in /etc/postgresql/*/; do
  version=$(basename "$version")
  pg_ctlcluster --skip-systemctl-redirect "$version" main start || true
done

for _ in $(seq 1 60); do
  if pg_isready -q -h "$PG_HOST" -p "$PG_PORT"; then
    echo "PostgreSQL is up"
    exit 0
  fi
  sleep 0.5
done
echo "error: PostgreSQL did not become ready on $PG_HOST:$PG_PORT within 30 s" >&2
exit 1
