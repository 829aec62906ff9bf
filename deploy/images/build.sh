#!/usr/bin/env bash
# Container images of the four services, built without a Docker engine: Debian's podman with
# `--isolation chroot` (no OCI runtime needed), on a base image made here by debootstrap.
#
#   deploy/images/build.sh tools          install podman + debootstrap (apt-get, as root) if missing
#   deploy/images/build.sh base           the debootstrap base image (cached in ~/.cache/pmo/images)
#   deploy/images/build.sh build [SVC..]  build the service images that are absent or out of date
#   deploy/images/build.sh save [SVC..]   build, then save OCI archives to .data/images/<svc>.oci.tar
#   deploy/images/build.sh refs           print the image references (deploy/images/images.txt)
#   deploy/images/build.sh base-ref       print the local base image reference (building it if needed)
#   deploy/images/build.sh prune          drop every dangling image, the build cache included
#
# An image is rebuilt only when its inputs change: the sha256 of the files it is built from, the
# Containerfile, the base image and the revision is kept in the label pmo.inputs.sha256.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
HERE="$ROOT/deploy/images"
CACHE="${PMO_IMAGE_CACHE:-$HOME/.cache/pmo/images}"
OUT="$ROOT/.data/images"
SERVICES=(project-svc program-svc portfolio-svc reporting-svc)

# The base: Debian's own Python 3.11 (what requires-python asks for), CA certificates for pip and
# tzdata for the zoneinfo settings. The key of the cache is everything that shapes the rootfs.
BASE_SUITE="${PMO_BASE_SUITE:-bookworm}"
BASE_MIRROR="${PMO_BASE_MIRROR:-http://deb.debian.org/debian}"
BASE_PACKAGES="ca-certificates,python3,python3-venv,tzdata"
BASE_RECIPE=3 # bump when the trimming below changes

log() { printf '[images] %s\n' "$*" >&2; }
die() { printf '[images] error: %s\n' "$*" >&2; exit 1; }

podman_() { podman --log-level=error "$@"; }

cmd_tools() {
  local missing=()
  command -v podman >/dev/null || missing+=(podman)
  command -v debootstrap >/dev/null || missing+=(debootstrap)
  [ ${#missing[@]} -eq 0 ] && return 0
  [ "$(id -u)" -eq 0 ] || die "need ${missing[*]}: run as root, or: sudo apt-get install -y ${missing[*]}"
  log "installing ${missing[*]} (apt-get)"
  DEBIAN_FRONTEND=noninteractive apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" \
    uidmap fuse-overlayfs >/dev/null
}

base_key() {
  printf '%s\n' "$BASE_SUITE" "$BASE_MIRROR" "$BASE_PACKAGES" "$BASE_RECIPE" "$(uname -m)" |
    sha256sum | cut -c1-12
}

base_ref() { echo "localhost/pmo/base:$BASE_SUITE-$(base_key)"; }

cmd_base() {
  cmd_tools
  local ref tarball rootfs
  ref="$(base_ref)"
  if podman_ image exists "$ref"; then return 0; fi
  tarball="$CACHE/base-$BASE_SUITE-$(base_key).tar"
  if [ ! -s "$tarball" ]; then
    mkdir -p "$CACHE"
    rootfs="$(mktemp -d "$CACHE/rootfs.XXXXXX")"
    # shellcheck disable=SC2064
    trap "rm -rf '$rootfs'" EXIT
    log "debootstrap $BASE_SUITE (minbase + $BASE_PACKAGES) into $rootfs"
    debootstrap --variant=minbase --include="$BASE_PACKAGES" "$BASE_SUITE" "$rootfs" "$BASE_MIRROR" \
      >"$CACHE/debootstrap.log" 2>&1 || { tail -20 "$CACHE/debootstrap.log" >&2; die "debootstrap failed"; }
    # What a runtime image does not need: package caches and lists, docs, man pages, locales.
    rm -rf "$rootfs"/var/cache/apt/* "$rootfs"/var/lib/apt/lists/* "$rootfs"/var/log/* \
      "$rootfs"/usr/share/doc/* "$rootfs"/usr/share/man/* "$rootfs"/usr/share/info/* \
      "$rootfs"/usr/share/locale/* "$rootfs"/var/cache/debconf/*-old "$rootfs"/tmp/*
    tar --numeric-owner -C "$rootfs" -cf "$tarball.tmp" .
    mv "$tarball.tmp" "$tarball"
    rm -rf "$rootfs"
    trap - EXIT
  fi
  log "podman import $tarball as $ref"
  podman_ import -q --change 'CMD ["/bin/bash"]' --change 'ENV LANG=C.UTF-8' \
    --message "debootstrap $BASE_SUITE minbase + $BASE_PACKAGES" "$tarball" "$ref" >/dev/null
}

# The package directory and version of a service, from its __init__.py.
pkg_of() { echo "${1//-/_}"; }
version_of() {
  sed -n 's/^__version__ = "\(.*\)"$/\1/p' "$ROOT/services/$1/src/$(pkg_of "$1")/__init__.py"
}
ref_of() { echo "localhost/pmo/$1:$(version_of "$1")"; }

check_service() {
  local s
  for s in "${SERVICES[@]}"; do [ "$s" = "$1" ] && return 0; done
  die "unknown service $1 (one of ${SERVICES[*]})"
}

# The build context: only what the image is built from, laid out as in the repository (so the
# Containerfile also builds from the repository root). Tests, caches and docs stay out.
stage_context() {
  local svc="$1" ctx="$2"
  mkdir -p "$ctx/services"
  cp "$ROOT/constraints.txt" "$ctx/"
  (cd "$ROOT" && tar --exclude=__pycache__ --exclude='*.pyc' --exclude='*.egg-info' \
    --exclude=tests -cf - shared/pyproject.toml shared/src "services/$svc") | tar -C "$ctx" -xf -
}

inputs_hash() {
  local ctx="$1" base_id="$2" revision="$3"
  {
    (cd "$ctx" && find . -type f -print0 | LC_ALL=C sort -z | xargs -0 sha256sum)
    sha256sum <"$HERE/Containerfile"
    echo "$base_id $revision $(source_url)"
  } | sha256sum | cut -c1-64
}

# org.opencontainers.image.source: the clone's origin, else where it was built from.
source_url() { git -C "$ROOT" remote get-url origin 2>/dev/null || echo "file://$ROOT"; }

revision() {
  local rev
  rev="$(git -C "$ROOT" rev-parse HEAD 2>/dev/null || echo unknown)"
  if [ -n "$(git -C "$ROOT" status --porcelain -- shared services constraints.txt deploy/images 2>/dev/null)" ]; then
    rev="$rev-dirty"
  fi
  echo "$rev"
}

build_one() {
  local svc="$1" base="$2" base_id="$3" rev="$4" ref ctx hash current t0
  ref="$(ref_of "$svc")"
  ctx="$(mktemp -d "${TMPDIR:-/tmp}/pmo-image-ctx.XXXXXX")"
  stage_context "$svc" "$ctx"
  hash="$(inputs_hash "$ctx" "$base_id" "$rev")"
  current="$(podman_ image inspect --format '{{index .Labels "pmo.inputs.sha256"}}' "$ref" 2>/dev/null || true)"
  if [ "$current" = "$hash" ]; then
    log "$ref is up to date"
    rm -rf "$ctx"
    return 0
  fi
  log "building $ref"
  t0=$SECONDS
  local ca=() bundle="${PIP_CERT:-/etc/ssl/certs/ca-certificates.crt}"
  if [ -s "$bundle" ]; then
    ca=(--volume "$bundle:/run/pmo-build/ca.crt:ro" --build-arg PIP_CERT=/run/pmo-build/ca.crt)
  fi
  podman_ build "${ca[@]}" --isolation chroot --layers -f "$HERE/Containerfile" \
    --build-arg "BASE_IMAGE=$base" --build-arg "SERVICE=$svc" \
    --build-arg "VERSION=$(version_of "$svc")" --build-arg "REVISION=$rev" \
    --build-arg "SOURCE=$(source_url)" \
    --label "pmo.inputs.sha256=$hash" -t "$ref" "$ctx" >"$ctx.log" 2>&1 ||
    { tail -40 "$ctx.log" >&2; rm -rf "$ctx"; die "podman build of $svc failed (log: $ctx.log)"; }
  rm -rf "$ctx" "$ctx.log"
  log "built $ref in $((SECONDS - t0)) s"
}

services_or_all() {
  if [ $# -eq 0 ]; then printf '%s\n' "${SERVICES[@]}"; else
    local s
    for s in "$@"; do check_service "$s"; echo "$s"; done
  fi
}

cmd_build() {
  cmd_base
  local base base_id rev svc
  base="$(base_ref)"
  base_id="$(podman_ image inspect --format '{{.Id}}' "$base")"
  rev="$(revision)"
  for svc in $(services_or_all "$@"); do build_one "$svc" "$base" "$base_id" "$rev"; done
  # The images the rebuilt ones replaced (untagged now). The build stages' layers stay: they are
  # the cache that makes a rebuild after a source change take seconds (`build.sh prune` drops them).
  podman_ image prune -f --filter label=pmo.inputs.sha256 >/dev/null || log "prune failed (ignored)"
}

cmd_save() {
  cmd_build "$@"
  local svc ref id
  mkdir -p "$OUT"
  for svc in $(services_or_all "$@"); do
    ref="$(ref_of "$svc")"
    id="$(podman_ image inspect --format '{{.Id}}' "$ref")"
    if [ -s "$OUT/$svc.oci.tar" ] && [ "$(cat "$OUT/$svc.oci.tar.id" 2>/dev/null)" = "$id" ]; then
      continue
    fi
    log "saving $ref to $OUT/$svc.oci.tar"
    rm -f "$OUT/$svc.oci.tar" "$OUT/$svc.oci.tar.id"
    podman_ save -q --format oci-archive -o "$OUT/$svc.oci.tar" "$ref"
    echo "$id" >"$OUT/$svc.oci.tar.id"
  done
  cmd_refs >"$HERE/images.txt"
  podman_ images --filter reference='localhost/pmo/*' \
    --format '{{.Repository}}:{{.Tag}} {{.Size}}' >&2
}

cmd_prune() {
  podman_ image prune -f >/dev/null
}

cmd_refs() {
  local svc
  for svc in "${SERVICES[@]}"; do ref_of "$svc"; done
}

case "${1:-save}" in
  tools) cmd_tools ;;
  base) cmd_base ;;
  base-ref) cmd_base && base_ref ;;
  build) shift; cmd_build "$@" ;;
  save) shift || true; cmd_save "$@" ;;
  refs) cmd_refs ;;
  prune) cmd_prune ;;
  *) die "usage: $0 tools|base|base-ref|build [SVC..]|save [SVC..]|refs|prune" ;;
esac
