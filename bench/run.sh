#!/usr/bin/env bash
# Benchmark tcs-portal on this machine: release build, a fresh database, a real staff account,
# then wrk against /healthz (the baseline), GET /login and an authenticated page, the cost of
# one argon2 login, an authenticated page during a login flood from one address and from many
# (p99 against the same page idle), and the server's peak RSS. Loopback only; every load is
# bounded in time.
# First, the PKI figures (crates/pki/examples/pki_bench.rs): key generation + CSR per key type and the
# PKCS#12 build, as ratios against openssl in the same run (BENCH_PKI_RSA/EC/P12 samples).
#   bash bench/run.sh                    # 10 s per wrk run
#   BENCH_DURATION=30 BENCH_CONNECTIONS=64 bash bench/run.sh
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

bash scripts/ensure-postgres.sh
if ! command -v wrk >/dev/null; then
  echo "installing wrk (Debian package)"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends wrk >/dev/null
fi

export SQLX_OFFLINE=${SQLX_OFFLINE:-true}
cargo build --release --bin tcs-portal
target_dir=$(cargo metadata --format-version 1 --no-deps | python3 -c 'import json,sys; print(json.load(sys.stdin)["target_directory"])')

# ---- PKI (issue 6 §10): keys + CSR and PKCS#12 against openssl, no server needed ----
cargo build --release -p pki --example pki_bench
"$target_dir/release/examples/pki_bench" artifacts/bench/pki.json
# ---- end PKI ----

# The login flood of issue 11 §5 (posts from chosen loopback source addresses).
cargo build --release --example login_flood

exec python3 bench/bench.py --binary "$target_dir/release/tcs-portal" \
  --flood-binary "$target_dir/release/examples/login_flood" "$@"
