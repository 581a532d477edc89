#!/usr/bin/env bash
# CI step for the documentation site: build it with warnings as errors, without
# network, then check it in headless Chromium. Exits non-zero on any failure.
# Expects the venv of .ci/run in .venv; installs the docs extra into it.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v chromium >/dev/null || ! command -v chromedriver >/dev/null; then
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -q
    apt-get install -y -q chromium chromium-driver
fi
[ -x .venv/bin/python ] || python3 -m venv .venv
.venv/bin/pip install -q -e ".[docs]"

# A fresh build: no stale page or gallery output can hide a warning.
rm -rf docs/_build docs/api/index.rst docs/api/generated docs/auto_examples
# The gallery runs every example with its fast settings.
export SKBAREBACK_EXAMPLES_FAST=1
build=(.venv/bin/python -m sphinx -W --keep-going -b html docs docs/_build/html)
# The build must never need the network: run it in a network namespace of its
# own (no interface but a downed loopback) where the machine allows one.
if unshare --net true 2>/dev/null; then
    unshare --net -- "${build[@]}"
else
    echo "docs.sh: no network namespace available; building with the network" >&2
    "${build[@]}"
fi

# The generated pages against the code, then the site in headless Chromium.
# Without pyproject's addopts: coverage and doctests are the test suite's.
.venv/bin/python -m pytest -o addopts="" -p no:randomly -q docs/tests
