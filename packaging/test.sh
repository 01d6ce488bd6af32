#!/usr/bin/env bash
# Installs what is missing, builds (Release, warnings as errors) and runs every test with ctest:
# unit, PostgreSQL integration (ctest starts a throwaway cluster), QtTest offscreen, CLI goldens.
set -euo pipefail
source_dir=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=setup.sh
source "$source_dir/packaging/setup.sh"
cellscope_install_packages
cellscope_build "$source_dir"
export QT_QPA_PLATFORM=offscreen
ctest --test-dir "$source_dir/build/release" -j "$(nproc)" --output-on-failure --timeout 900
