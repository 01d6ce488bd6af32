# Shared by demo.sh and test.sh (sourced): install what is missing, then configure and build.
# Idempotent: with everything installed and built, it installs nothing and rebuilds nothing.

CELLSCOPE_PACKAGES=(
    cmake ninja-build g++ pkg-config git
    qt6-base-dev qt6-charts-dev libqt6opengl6-dev libxkbcommon-dev libqt6svg6 qt6-httpserver-dev qt6-websockets-dev
    libpqxx-dev libpq-dev libgtest-dev libyaml-cpp-dev zlib1g-dev libzstd-dev gzip zstd clang-14 libclang-rt-14-dev
    postgresql postgresql-client curl
    fonts-dejavu-core xvfb xauth imagemagick
)

cellscope_install_packages() {
    local missing=()
    local package
    for package in "${CELLSCOPE_PACKAGES[@]}"; do
        if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed"; then
            missing+=("$package")
        fi
    done
    if [ ${#missing[@]} -eq 0 ]; then
        echo "cellscope: all Debian packages present"
        return 0
    fi
    echo "cellscope: installing ${missing[*]}"
    local sudo=()
    if [ "$(id -u)" != 0 ]; then sudo=(sudo); fi
    "${sudo[@]}" apt-get update -qq
    DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
    # Debian starts the packaged cluster on install; Cellscope runs its own, so leave the system one alone.
}

cellscope_build() {
    local source_dir=$1
    cmake --preset release -S "$source_dir" >/dev/null
    cmake --build --preset release -j "$(nproc)"
}
