#!/usr/bin/env bash
# Installs what the collector's end-to-end test (tests/collector.rs) needs: the AWS CLI and
# moto's server mode, from PyPI, into a virtualenv under target/ (idempotent: does nothing when
# they are already there). The test looks for target/collect-venv/bin first, then PATH.
set -euo pipefail
cd "$(dirname "$0")/.."
VENV="target/collect-venv"
if [ -x "$VENV/bin/aws" ] && [ -x "$VENV/bin/moto_server" ] \
    && "$VENV/bin/python" -c 'import moto.server, flask' >/dev/null 2>&1; then
    echo "ci-setup-collect: $VENV already has aws and moto_server"
    exit 0
fi
python3 -m venv "$VENV"
"$VENV/bin/python" -m pip install --quiet --upgrade pip
"$VENV/bin/python" -m pip install --quiet 'moto[server]' awscli
"$VENV/bin/aws" --version
echo "ci-setup-collect: installed aws and moto_server into $VENV"
