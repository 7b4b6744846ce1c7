#!/usr/bin/env bash
# Installs the Debian packages amber needs (only the missing ones) and
# configures + builds one build tree. Used by run.sh and test.sh; safe to run
# again and again.
#
#   scripts/setup.sh <build-dir> <cmake-args...>
set -euo pipefail

PACKAGES=(
  cmake ninja-build g++ clang libclang-rt-14-dev clang-format ccache pkg-config
  libgtest-dev libgmock-dev libbenchmark-dev librapidcheck-dev
  libpmem-dev libboost-dev liblzf-dev libxxhash-dev libhiredis-dev
  redis-server redis-tools python3 python3-redis
)

missing=()
for pkg in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$pkg")
  fi
done

if ((${#missing[@]} > 0)); then
  echo "setup: installing ${missing[*]}"
  SUDO=""
  if [[ $(id -u) -ne 0 ]]; then SUDO="sudo"; fi
  # Keep the redis-server package from starting a system service on 6379:
  # amber's run command wants that port, and tests start their own servers.
  added_policy=""
  if [[ ! -e /usr/sbin/policy-rc.d ]]; then
    printf '#!/bin/sh\nexit 101\n' | $SUDO tee /usr/sbin/policy-rc.d >/dev/null
    $SUDO chmod +x /usr/sbin/policy-rc.d
    added_policy=1
  fi
  $SUDO env DEBIAN_FRONTEND=noninteractive apt-get update -qq
  $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
  if [[ -n "$added_policy" ]]; then $SUDO rm -f /usr/sbin/policy-rc.d; fi
fi

if (($# >= 1)); then
  build_dir=$1
  shift
  cmake -S "$(dirname "$0")/.." -B "$build_dir" -G Ninja "$@" >/dev/null
  ninja -C "$build_dir"
fi
