#!/usr/bin/env bash
# ferry-offline has no network code: it links neither libcurl nor libmicrohttpd nor a TLS
# library, and the binary itself imports no socket calls. (Its QR scanner, libzbar, links
# libdbus and libX11 for zbar's own window and D-Bus features; ferry never calls them.)
set -euo pipefail
bin=${FERRY_OFFLINE:?}
libs=$(ldd "$bin")
for bad in libcurl libmicrohttpd libgnutls libssl.so libnghttp2; do
  if grep -q "$bad" <<<"$libs"; then
    echo "FAIL: ferry-offline links $bad:"; grep "$bad" <<<"$libs"; exit 1
  fi
done
imports=$(nm -D --undefined-only "$bin")
for sym in connect socket getaddrinfo gethostbyname sendto sendmsg recvfrom bind listen accept; do
  if grep -qw "$sym" <<<"$imports"; then
    echo "FAIL: ferry-offline imports $sym"; exit 1
  fi
done
# and the online binary does link libcurl: the check above is not vacuous
# (no `ldd | grep -q` under pipefail: grep quitting early can SIGPIPE ldd and fail the pipe)
online_libs=$(ldd "${FERRY_ONLINE:?}")
grep -q libcurl <<<"$online_libs" || { echo "FAIL: ferry-online without libcurl?"; exit 1; }
echo "ferry-offline: no network libraries, no socket imports"
