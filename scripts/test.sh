#!/usr/bin/env bash
# All the tests: the Rust tests of every crate in the workspace (cargo test --workspace;
# #[sqlx::test] makes a fresh database per test), then the browser tests (Debian Chromium via
# playwright-core against a real server).
# Both suites always run; the script fails if either fails, and ends with a summary.
#   bash scripts/test.sh
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

# The sqlx query macros read .sqlx/ instead of a live schema, so a fresh clone builds without
# a migrated database. Set SQLX_OFFLINE=false to check queries against DATABASE_URL instead.
export SQLX_OFFLINE=${SQLX_OFFLINE:-true}
# #[sqlx::test] connects here and creates (and later drops) one database per test.
export DATABASE_URL=${TCS_TEST_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/tcs_portal_test}

section() { printf '\n==== %s ====\n' "$*"; }

section "PostgreSQL and tools"
bash scripts/ensure-postgres.sh
bash scripts/install-tools.sh
# sqlx::test keeps its bookkeeping in the database DATABASE_URL names, so it must exist.
db_name=${DATABASE_URL##*/}
db_name=${db_name%%\?*}
if ! psql -X -q -d "${DATABASE_URL%/*}/postgres" -tAc "SELECT 1 FROM pg_database WHERE datname = '$db_name'" | grep -q 1; then
  psql -X -q -d "${DATABASE_URL%/*}/postgres" -c "CREATE DATABASE \"$db_name\""
fi

mkdir -p artifacts
status=0

section "Rust tests (cargo test --workspace)"
cargo_log=artifacts/cargo-test.log
# pipefail makes the pipeline's status cargo's; tee keeps a copy for the summary below.
# The fault drills (issue 5) run next, on their own, so their counts are printed.
if ! cargo test --workspace --no-fail-fast --color never -- --skip drills:: 2>&1 | tee "$cargo_log"; then
  status=1
fi

section "Fault drills (cargo test --test it drills::, output shown)"
# One at a time: the burst drill measures rates, and a drill running beside it (a whole second
# portal process, say) would only make its figures noisier.
if ! cargo test --color never --test it drills:: -- --nocapture --test-threads=1 2>&1 | tee -a "$cargo_log"; then
  status=1
fi

section "Browser tests (tests/browser)"
browser_log=artifacts/browser-test.log
if ! node tests/browser/run.mjs 2>&1 | tee "$browser_log"; then
  status=1
fi

section "Summary"
# cargo prints one "test result:" line per test binary of every crate (and per crate's
# doc-tests); add them up.
rust_passed=0
rust_failed=0
while read -r passed failed; do
  rust_passed=$((rust_passed + passed))
  rust_failed=$((rust_failed + failed))
done < <(sed -nE 's/^test result: [a-zA-Z]+\. ([0-9]+) passed; ([0-9]+) failed.*/\1 \2/p' "$cargo_log")
grep -E '^test result:' "$cargo_log" || echo "cargo printed no test result (see $cargo_log)"
grep -E '^(drill |status sweep)' "$cargo_log" || echo "the fault drills printed no counts (see $cargo_log)"
grep -m 5 -E '^error(\[|:)' "$cargo_log" || true
# Why each failed test failed, here at the end where a short excerpt of CI's output still
# shows it: the panic's place and the first lines of its message.
grep -A 12 -E "^thread '.*' \([0-9]+\) panicked at" "$cargo_log" | grep -v -E '^(stack backtrace:|   +[0-9]+: |             at )' | head -n 60 || true
echo "rust: $rust_passed passed, $rust_failed failed"

browser_line=$(grep -E '^browser: [0-9]+ passed, [0-9]+ failed' "$browser_log" | tail -n 1 || true)
if [[ -z $browser_line ]]; then
  browser_line="browser: 0 passed, 1 failed"
  echo "the browser tests printed no totals (see $browser_log)"
  status=1
fi
echo "$browser_line"
read -r browser_passed browser_failed < <(sed -E 's/^browser: ([0-9]+) passed, ([0-9]+) failed.*/\1 \2/' <<<"$browser_line")

if ((status != 0 && rust_failed + browser_failed == 0)); then
  # Something failed without a failing test to show for it (a build error, a crash).
  echo "a step failed before its tests could report (see the logs above); counted as one failure"
  rust_failed=$((rust_failed + 1))
fi
echo "total: $((rust_passed + browser_passed)) passed, $((rust_failed + browser_failed)) failed"
exit "$status"
