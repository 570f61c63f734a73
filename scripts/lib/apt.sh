# Sourced by scripts that may install Debian packages.
# apt_install PACKAGE...: installs them (as root, with apt-get), first fetching the package
# lists when the machine has none (a fresh image ships without them, and install then fails).
apt_install() {
  if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null; then
    echo "missing: $*; install them (e.g. sudo apt-get install -y $*)" >&2
    return 1
  fi
  export DEBIAN_FRONTEND=noninteractive
  if ! compgen -G "/var/lib/apt/lists/*_Packages*" >/dev/null; then
    apt-get update -qq
  fi
  apt-get install -y -qq --no-install-recommends "$@" >/dev/null || {
    # Lists present but stale (a package moved): refresh them once and retry.
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "$@" >/dev/null
  }
}
