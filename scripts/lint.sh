#!/usr/bin/env bash
# Static checks that need no build: banned libc functions (src/base/banned.h) and clang-format layout.
set -euo pipefail
cd "$(dirname "$0")/.."
files=$(git ls-files 'src/*.c' 'src/*.h' 'tests/*.c' 'bench/*.c' | grep -v 'src/base/banned.h' || true)
bad=$(grep -nE '\b(strcpy|strcat|strncpy|sprintf|vsprintf|strtok|atoi|gets)\s*\(' $files | grep -vE 'snprintf|vsnprintf' || true)
if [ -n "$bad" ]; then
  echo "lint: banned functions (use src/base/str.h):"; echo "$bad"; exit 1
fi
if command -v clang-format >/dev/null; then
  clang-format --dry-run -Werror $files
fi
scripts/include_check.sh --self-test
scripts/include_check.sh
echo "lint: ok"
