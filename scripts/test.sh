#!/usr/bin/env bash
# The test command: lint, then the whole suite.
set -euo pipefail
cd "$(dirname "$0")/.."
ruff check .
python -m pytest -q
