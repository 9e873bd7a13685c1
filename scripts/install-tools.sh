#!/usr/bin/env bash
# Install what the build and the tests need and a fresh machine of our kind lacks, each only
# if missing: the C libraries the SAML crate (samael) binds, libxmlsec1 and libxml2 with
# pkg-config and libclang for bindgen; SimpleSAMLphp with PHP (a real IdP for the SAML tests
# and scripts/dev-idp.sh); Debian's chromium (browser tests), libnss3-tools
# (pk12util/certutil) and wrk (bench);
# pkilint (certificate lint) and schemathesis (API fuzzing) from PyPI; the browser tests' npm packages. Quiet when all is there.
#   bash scripts/install-tools.sh
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

declare -A apt_for_command=([chromium]=chromium [certutil]=libnss3-tools [wrk]=wrk)
missing=()
for command in "${!apt_for_command[@]}"; do
  command -v "$command" >/dev/null || missing+=("${apt_for_command[$command]}")
done
for package in libxmlsec1-dev libxml2-dev pkg-config libclang-dev simplesamlphp php-cli php-xml php-mbstring; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q 'install ok installed' || missing+=("$package")
done
if ((${#missing[@]})); then
  if ((EUID != 0)); then
    echo "error: missing Debian packages: ${missing[*]} (run as root, or apt-get install them)" >&2
    exit 1
  fi
  echo "apt: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

if ! python3 -m pip show -q pkilint >/dev/null 2>&1; then
  echo "pip: installing pkilint"
  python3 -m pip install -q --disable-pip-version-check --root-user-action=ignore pkilint
fi

# The API fuzzing test runs the `schemathesis` command (4.x reads tests/it/api/schemathesis.toml).
if ! command -v schemathesis >/dev/null; then
  echo "pip: installing schemathesis"
  python3 -m pip install -q --disable-pip-version-check --root-user-action=ignore 'schemathesis>=4,<5'
fi

# npm ci when a dependency of the browser tests is not installed (always, in a fresh clone).
if ! (cd tests/browser && node -e '
  const { dependencies } = require("./package.json");
  const missing = Object.keys(dependencies).filter((d) => !require("fs").existsSync("node_modules/" + d + "/package.json"));
  process.exit(missing.length ? 1 : 0);'); then
  (cd tests/browser && npm ci --no-audit --no-fund --loglevel=error)
fi
