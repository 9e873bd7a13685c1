#!/usr/bin/env bash
# A real SAML IdP for the demo: SimpleSAMLphp on http://127.0.0.1:8091 with a user for the
# admins of the demo's ETF and PMF and one ETF person for self-service, trusting the portal
# at PORTAL_URL (its /saml/metadata).
# Start the demo first (`cargo run -- demo`), then, in another terminal:
#   bash scripts/dev-idp.sh [PORTAL_URL (http://localhost:8080)] [PORT (8091)]
# It prints the users and the two steps that make the portal trust it. Needs SimpleSAMLphp
# and PHP (scripts/install-tools.sh installs them).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
exec cargo run --quiet -p testkit --example dev_idp -- "${1:-http://localhost:8080}" "${2:-8091}"
