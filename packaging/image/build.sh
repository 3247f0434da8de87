#!/usr/bin/env bash
# Builds the billing mock's OCI image: `make image` runs this.
#
#   1. a static binary (CGO_ENABLED=0, -trimpath, stripped) for linux/$GOARCH into bin/image/
#   2. /etc/passwd and /etc/group with the user mock (65532), and the host's CA bundle (Debian's
#      ca-certificates, installed with apt-get when missing and run as root)
#   3. podman build FROM scratch, tagged $IMAGE (default cloudplans/billing-mock:dev)
#
# Prints the image's size; fails when it is over 20 MB.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."

IMAGE=${IMAGE:-cloudplans/billing-mock:dev}
MAX_BYTES=$((20 * 1000 * 1000))
CA_BUNDLE=/etc/ssl/certs/ca-certificates.crt
ctx=bin/image

need() { # need COMMAND PACKAGE...: install the Debian packages when COMMAND is missing (as root)
  local cmd=$1
  shift
  command -v "$cmd" >/dev/null && return
  if [[ $(id -u) != 0 ]]; then
    echo "image: $cmd is missing; install it (sudo apt-get install $*)" >&2
    exit 1
  fi
  echo "==> apt-get install $*"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq "$@" >/dev/null
}
need podman podman runc
if [[ ! -f $CA_BUNDLE ]]; then
  need update-ca-certificates ca-certificates
fi

rm -rf "$ctx"
mkdir -p "$ctx"
echo "==> go build (static, linux/$(go env GOARCH))"
# -buildvcs=auto: record the commit (GOFLAGS may turn it off), so that -version names the build.
CGO_ENABLED=0 GOOS=linux go build -buildvcs=auto -trimpath -ldflags='-s -w' -o "$ctx/billing-mock" ./cmd/billing-mock
printf 'mock:x:65532:65532:billing-mock:/:/sbin/nologin\n' >"$ctx/passwd"
printf 'mock:x:65532:\n' >"$ctx/group"
cp "$CA_BUNDLE" "$ctx/ca-certificates.crt"

version=$("$ctx/billing-mock" -version | cut -d' ' -f2)
echo "==> podman build $IMAGE ($version)"
podman build --quiet --format oci --build-arg "VERSION=$version" -t "$IMAGE" -f packaging/image/Containerfile "$ctx" >/dev/null

size=$(podman image inspect --format '{{.Size}}' "$IMAGE")
echo "image $IMAGE: $size bytes ($(( (size + 500000) / 1000000 )) MB), user $(podman image inspect --format '{{.Config.User}}' "$IMAGE")"
if (( size > MAX_BYTES )); then
  echo "image: $IMAGE is $size bytes, over the limit of $MAX_BYTES" >&2
  exit 1
fi
