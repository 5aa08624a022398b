#!/usr/bin/env bash
# Builds the container image: a static ssehub binary FROM scratch (see
# deploy/Dockerfile), tagged ssehub:<version> and ssehub:latest. Nothing is
# pulled: the base is empty and the CA certificates come from this machine.
#
#   scripts/image.sh
#   VERSION=v1.2.3 IMAGE=registry.example.com/ssehub scripts/image.sh
#
# VERSION (default: git describe --tags --always --dirty) is stamped into
# the binary, which reports it first in ssehub -version, and into the
# image's labels; the tag is VERSION with any character a tag cannot hold
# (such as + in v1.2.3+build) turned into -. IMAGE defaults to ssehub.
# Needs go, docker with a running daemon, and the CA bundle at
# /etc/ssl/certs/ca-certificates.crt (Debian: ca-certificates). Prints the
# tags it made, one a line, last.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PATH:/usr/local/go/bin"

fail() { echo "image.sh: $*" >&2; exit 1; }

command -v go >/dev/null || fail "no go command on PATH: install Go (see README)"
command -v docker >/dev/null || fail "no docker command on PATH: install Docker (Debian: apt-get install docker.io)"
if ! out=$(docker info --format '{{.ServerVersion}}' 2>&1 >/dev/null); then
  fail "cannot reach the Docker daemon, is it running? Start it (systemctl start docker, or dockerd & as root) and run this again. docker info said: $out"
fi
certs=/etc/ssl/certs/ca-certificates.crt
[ -s "$certs" ] || fail "no CA bundle at $certs, which the image needs for rediss:// (Debian: apt-get install ca-certificates)"

VERSION=${VERSION:-$(git describe --tags --always --dirty 2>/dev/null || true)}
VERSION=${VERSION:-dev}
IMAGE=${IMAGE:-ssehub}
tag=$(printf '%s' "$VERSION" | tr -c 'A-Za-z0-9_.-' '-' | cut -c1-128)
case "$tag" in [.-]*) tag="v$tag" ;; esac

ctx=$(mktemp -d)
trap 'rm -rf "$ctx"' EXIT
CGO_ENABLED=0 GOOS=linux go build -trimpath -ldflags "-s -w -X main.version=$VERSION" -o "$ctx/ssehub" ./cmd/ssehub
mkdir -p "$ctx/etc/ssl/certs" "$ctx/data"
cp "$certs" "$ctx/etc/ssl/certs/ca-certificates.crt"
printf 'root:x:0:0:root:/root:/sbin/nologin\nnonroot:x:65532:65532:nonroot:/nonexistent:/sbin/nologin\n' >"$ctx/etc/passwd"
printf 'root:x:0:\nnonroot:x:65532:\n' >"$ctx/etc/group"
chmod 0755 "$ctx/etc" "$ctx/etc/ssl" "$ctx/etc/ssl/certs" "$ctx/data"
chmod 0644 "$ctx/etc/passwd" "$ctx/etc/group" "$ctx/etc/ssl/certs/ca-certificates.crt"
cp deploy/Dockerfile "$ctx/Dockerfile"

# Without the buildx plugin, the docker command needs the classic builder
# asked for (it builds this file the same way), and then warns that it is
# deprecated: its output is shown only if the build fails.
docker buildx version >/dev/null 2>&1 || export DOCKER_BUILDKIT=0
if ! out=$(docker build --quiet --build-arg "VERSION=$VERSION" -t "$IMAGE:$tag" -t "$IMAGE:latest" "$ctx" 2>&1); then
  echo "$out" >&2
  fail "docker build failed"
fi
echo "$IMAGE:$tag"
echo "$IMAGE:latest"
