#!/usr/bin/env bash
# Install system tools and the project (with test and sentence-transformers extras) into .venv.
set -euo pipefail
cd "$(dirname "$0")/.."
if command -v apt-get >/dev/null && [ "$(id -u)" = 0 ]; then
  missing=()
  # antiword/catdoc read legacy .doc; LibreOffice (no GUI) + DejaVu render the test PDFs/.doc files
  for pkg in antiword catdoc libreoffice-writer-nogui fonts-dejavu-core chromium; do dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg"); done
  if [ ${#missing[@]} -gt 0 ]; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  fi
fi
[ -d .venv ] || python3 -m venv .venv
. .venv/bin/activate
pip install -q --upgrade pip
pip install -q torch==2.13.0        # CPU build from local disk; must precede sentence-transformers
pip install -q -e '.[test,st]'
