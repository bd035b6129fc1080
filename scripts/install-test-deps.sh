#!/usr/bin/env bash
# Installs the real servers the tests run against (npm test's pretest): Debian's CNCF distribution registry,
# htpasswd for its basic auth, openssl for test certificates, git for repositories, skopeo as a second opinion. Nothing is mocked in their place.
set -euo pipefail
need=()
command -v docker-registry >/dev/null 2>&1 || need+=(docker-registry)
command -v htpasswd >/dev/null 2>&1 || need+=(apache2-utils)
command -v openssl >/dev/null 2>&1 || need+=(openssl)
command -v git >/dev/null 2>&1 || need+=(git)
command -v skopeo >/dev/null 2>&1 || need+=(skopeo)
[ ${#need[@]} -eq 0 ] && exit 0
if [ "$(id -u)" != 0 ] && ! command -v sudo >/dev/null 2>&1; then
  echo "The tests need these Debian packages: ${need[*]}. Install them (apt-get install ${need[*]}) and run npm test again." >&2
  exit 1
fi
sudo=""; [ "$(id -u)" != 0 ] && sudo=sudo
echo "Installing test servers: ${need[*]}"
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
