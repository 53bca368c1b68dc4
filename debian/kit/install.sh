#!/bin/sh
# ferry offline install kit: installs the packages in debs/ with dpkg alone. No network, no apt
# sources, nothing downloaded. Run as root on the Debian 12 machine, from the kit's folder:
#   sh install.sh
# It checks every file against SHA256SUMS, refuses a package not listed there, skips packages
# the machine already has at the same or a newer version, then runs dpkg -i on the rest.
set -eu
cd "$(dirname "$0")"
say() { printf 'install.sh: %s\n' "$*" >&2; }
die() { say "$*"; exit 1; }

[ "$(id -u)" -eq 0 ] || die "run it as root: sudo sh $0"
arch=$(dpkg --print-architecture)
if [ -r /etc/os-release ]; then
  . /etc/os-release
  [ "${ID:-}" = debian ] && [ "${VERSION_ID:-}" = 12 ] ||
    die "this kit is for Debian 12 (bookworm); this machine is ${PRETTY_NAME:-unknown}. Build a kit on a machine of this release (./ferry-dev kit DIR)."
fi

say "SHA256SUMS itself has SHA-256 $(sha256sum SHA256SUMS | cut -d' ' -f1): compare it with the one printed where the kit was made"
sha256sum --check --strict --quiet SHA256SUMS ||
  die "a file of the kit does not match SHA256SUMS (damaged or changed in transit): copy the kit again"
for f in debs/*.deb; do
  awk -v f="$f" '$2 == f { ok = 1 } END { exit !ok }' SHA256SUMS || die "$f is not listed in SHA256SUMS: remove it or copy the kit again"
done

# nothing to ask: the packages' debconf questions take their defaults
export DEBIAN_FRONTEND="${DEBIAN_FRONTEND:-noninteractive}"
todo=""
n=0
for f in debs/*.deb; do
  p=$(dpkg-deb -f "$f" Package)
  v=$(dpkg-deb -f "$f" Version)
  a=$(dpkg-deb -f "$f" Architecture)
  [ "$a" = all ] || [ "$a" = "$arch" ] || die "$f is for $a, this machine is $arch: use a kit made for $arch"
  have=$(dpkg-query -W -f '${Status} ${Version}' "$p:$a" 2>/dev/null || dpkg-query -W -f '${Status} ${Version}' "$p" 2>/dev/null || true)
  case $have in
    "install ok installed "*)
      if dpkg --compare-versions "${have##* }" ge "$v"; then continue; fi ;;
  esac
  todo="$todo $f"
  n=$((n + 1))
done

if [ -n "$todo" ]; then
  say "installing $n package(s) with dpkg -i"
  # shellcheck disable=SC2086 # the file names come from debs/ and carry no spaces
  dpkg -i $todo
else
  say "every package of the kit is already installed (same or newer version)"
fi
dpkg --audit >/dev/null || die "dpkg reports half-installed packages: see dpkg --audit"
for p in $(for f in debs/ferry-*.deb; do dpkg-deb -f "$f" Package; done); do
  dpkg-query -W -f '${Package} ${Version}: ${Status}\n' "$p"
done
if command -v ferry-offline >/dev/null; then ferry-offline --version; fi
if command -v ferry-online >/dev/null; then ferry-online --version; fi
say "done. Uninstall: dpkg -r$(for f in debs/ferry-*.deb; do printf ' %s' "$(dpkg-deb -f "$f" Package)"; done) (the libraries stay)"
