// Package deploy holds what runs ssehub outside a Go toolchain, and tests
// it for real: the container image (Dockerfile, built by scripts/image.sh
// and run with a volume, a restart and a resumed stream), the compose file
// of a three-node cluster at the repository's root, and the systemd unit
// (checked by systemd-analyze verify). There is no Go code here but the
// tests.
//
// The image tests need a Docker daemon. Without one they skip with a
// message saying so, unless SSEHUB_REQUIRE_DOCKER is set (CI sets it), in
// which case they fail: in CI a missing daemon must not pass as a green run.
//
// Nothing imports it: it holds the container image's and the systemd unit's
// files, and their tests.
package deploy
