#!/usr/bin/env bash
# Installs what is missing, builds, starts the embedded PostgreSQL cluster with the demo world
# (created on first run) and opens the cellscope console on it. Without a display, prints the
# world with cellctl instead.
set -euo pipefail
source_dir=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=setup.sh
source "$source_dir/packaging/setup.sh"
cellscope_install_packages
cellscope_build "$source_dir"
bin="$source_dir/build/release/app"
if [ -n "${DISPLAY:-}" ] || [ -n "${WAYLAND_DISPLAY:-}" ]; then
    exec "$bin/cellscope" "$@"
fi
echo "cellscope: no display (DISPLAY/WAYLAND_DISPLAY unset); showing the world with cellctl instead."
echo "cellscope: (for a picture without a display: $bin/cellscope --screenshot world.png)"
exec "$bin/cellctl" world "$@"
