#!/usr/bin/env bash
# Pinned tools that validate the Kubernetes manifests offline (deploy/k8s/overlays/*):
#
#   kustomize       renders an overlay                         go install, ~90 s cold
#   kubeconform     schema validation (-strict)                go install, ~15 s cold
#   schemas         Kubernetes JSON schemas for kubeconform, from the kubernetes-validate PyPI
#                   package (a venv in the cache), converted for one Kubernetes version
#   kube-apiserver  a real API server for `kubectl apply --dry-run=server --validate=strict`
#   kubectl           (the only check that evaluates the CRDs' CEL rules); built from the wrapper
#                   module deploy/k8s/tools/kube-binaries (~9 min cold on 2 cores, 2.2 GB RSS)
#   etcd            its storage: Debian 12's etcd-server package, fetched with `apt-get download`
#                   and unpacked with `dpkg-deb -x` (~4 s cold, no root, nothing installed or
#                   started system-wide); ETCD_SOURCE=go builds etcd from the wrapper module
#                   deploy/k8s/tools/etcd-binary instead (~70 s of both cores cold), which is
#                   also the fallback where apt has no such package
#
# Everything is installed into a cache outside the clone, one directory per tool and version
# (~/.cache/pmo/k8s/<tool>-<version>/), like deploy/local/toxiproxy.sh does; Go's own module and
# build caches (~/go/pkg/mod, ~/.cache/go-build) make a rebuild after a version bump fast.
#
#   deploy/k8s/tools.sh install [all|kustomize|kubeconform|schemas|apiserver|etcd]...
#   deploy/k8s/tools.sh bin NAME          path of kustomize|kubeconform|kube-apiserver|kubectl|etcd
#                                         (installs it first when absent)
#   deploy/k8s/tools.sh schemas           directory of the Kubernetes schemas (installs them)
#   deploy/k8s/tools.sh crd-schemas [DIR] directory of kubeconform schemas made from the CRDs in
#                                         DIR (default deploy/k8s/crds), cached by content hash
#   deploy/k8s/tools.sh versions          the pinned versions, one `name=value` a line
#
# Installs are safe to run concurrently (one flock per tool): `make test` may start
# `tools.sh install all` in the background while a test asks for `bin kubectl`; the second
# caller waits for the first and then finds the binary. A binary is moved into place only
# once it is complete, so a present binary is a usable one.
#
# Environment: ETCD_SOURCE (deb|go, default deb); PMO_K8S_CACHE (default
# ${XDG_CACHE_HOME:-~/.cache}/pmo/k8s); TOOLS_NICE (niceness of the Go builds, default 10);
# PYTHON (interpreter for the schemas venv, default python3).
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(cd "$HERE/../.." && pwd)"

KUSTOMIZE_VERSION=v5.8.1          # v5.8.3 needs Go 1.27
KUBECONFORM_VERSION=v0.8.0
KUBE_VERSION=v1.33.4              # kube-apiserver and kubectl; pinned in tools/kube-binaries/go.mod
ETCD_VERSION=v3.6.5               # pinned in tools/etcd-binary/go.mod (ETCD_SOURCE=go)
ETCD_DEB_VERSION=3.4.23-4+b4      # Debian 12's etcd-server (ETCD_SOURCE=deb, the default)
KUBERNETES_VALIDATE_VERSION=1.37.0
SCHEMA_KUBERNETES_VERSION=1.33.0  # the schemas kubeconform validates against (= the API server's minor)

CACHE="${PMO_K8S_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/pmo/k8s}"
TOOLS_NICE="${TOOLS_NICE:-10}"
PYTHON="${PYTHON:-python3}"
export PATH="$PATH:/usr/local/go/bin"

log() { printf 'tools.sh: %s\n' "$*" >&2; }
die() { log "$*"; exit 1; }

# Runs "$@" holding an exclusive lock for tool dir $1 (created beside it, never removed).
with_lock() {
  local dir=$1
  shift
  mkdir -p "$CACHE"
  exec {lock_fd}>"$dir.lock"
  flock "$lock_fd"
  "$@"
  local rc=$?
  flock -u "$lock_fd"
  exec {lock_fd}>&-
  return $rc
}

need_go() { command -v go >/dev/null || die "Go is needed to build $1 (go install / go build)"; }

# go install PKG@VERSION into DIR/bin (atomically: a temporary GOBIN, then renamed).
go_install() {
  local dir=$1 pkg=$2 name=$3
  [[ -x "$dir/bin/$name" ]] && return 0
  need_go "$name"
  log "installing $name ($pkg) into $dir"
  local tmp="$dir/bin.tmp.$$" t0=$SECONDS
  rm -rf "$tmp"
  mkdir -p "$tmp"
  GOBIN="$tmp" GOFLAGS="${GOFLAGS:-} -buildvcs=false" nice -n "$TOOLS_NICE" go install "$pkg" >&2 \
    || { rm -rf "$tmp"; die "go install $pkg failed"; }
  rm -rf "${dir:?}/bin"
  mv "$tmp" "$dir/bin"
  log "installed $name in $((SECONDS - t0)) s"
}

# go build PKG... from the wrapper module MODULE into DIR/bin; each entry of "$@" is NAME=PKG.
go_build() {
  local dir=$1 module=$2 ldflags=$3
  shift 3
  local spec missing=0
  for spec in "$@"; do [[ -x "$dir/bin/${spec%%=*}" ]] || missing=1; done
  ((missing)) || return 0
  need_go "${1%%=*}"
  local tmp="$dir/bin.tmp.$$" t0=$SECONDS
  rm -rf "$tmp"
  mkdir -p "$tmp"
  for spec in "$@"; do
    log "building ${spec%%=*} (${spec#*=}) from $module into $dir"
    (cd "$module" && GOFLAGS="${GOFLAGS:-} -buildvcs=false -mod=readonly" nice -n "$TOOLS_NICE" \
      go build -trimpath -ldflags "$ldflags" -o "$tmp/${spec%%=*}" "${spec#*=}") >&2 \
      || { rm -rf "$tmp"; die "go build ${spec#*=} failed"; }
  done
  rm -rf "${dir:?}/bin"
  mv "$tmp" "$dir/bin"
  log "built $* in $((SECONDS - t0)) s"
}

KUSTOMIZE_DIR="$CACHE/kustomize-$KUSTOMIZE_VERSION"
KUBECONFORM_DIR="$CACHE/kubeconform-$KUBECONFORM_VERSION"
KUBE_DIR="$CACHE/kube-$KUBE_VERSION"
ETCD_SOURCE="${ETCD_SOURCE:-deb}"
ETCD_GO_DIR="$CACHE/etcd-$ETCD_VERSION"
ETCD_DEB_DIR="$CACHE/etcd-deb-$ETCD_DEB_VERSION"
VALIDATE_DIR="$CACHE/kubernetes-validate-$KUBERNETES_VALIDATE_VERSION"
SCHEMAS_DIR="$CACHE/schemas-$SCHEMA_KUBERNETES_VERSION-kv$KUBERNETES_VALIDATE_VERSION"

install_kustomize() {
  with_lock "$KUSTOMIZE_DIR" go_install "$KUSTOMIZE_DIR" \
    "sigs.k8s.io/kustomize/kustomize/v5@$KUSTOMIZE_VERSION" kustomize
}

install_kubeconform() {
  with_lock "$KUBECONFORM_DIR" go_install "$KUBECONFORM_DIR" \
    "github.com/yannh/kubeconform/cmd/kubeconform@$KUBECONFORM_VERSION" kubeconform
}

# kube-apiserver and kubectl; the version is stamped so `kubectl version` does not say v0.0.0.
install_apiserver() {
  grep -q "k8s.io/kubernetes $KUBE_VERSION\$" "$HERE/tools/kube-binaries/go.mod" \
    || die "tools/kube-binaries/go.mod does not pin k8s.io/kubernetes $KUBE_VERSION"
  local v="k8s.io/component-base/version"
  with_lock "$KUBE_DIR" go_build "$KUBE_DIR" "$HERE/tools/kube-binaries" \
    "-s -w -X $v.gitVersion=$KUBE_VERSION -X $v.gitMajor=1 -X $v.gitMinor=${KUBE_VERSION#v1.}" \
    kube-apiserver=k8s.io/kubernetes/cmd/kube-apiserver kubectl=k8s.io/kubernetes/cmd/kubectl
}

install_etcd_go() {
  grep -q "go.etcd.io/etcd/server/v3 $ETCD_VERSION\$" "$HERE/tools/etcd-binary/go.mod" \
    || die "tools/etcd-binary/go.mod does not pin go.etcd.io/etcd/server/v3 $ETCD_VERSION"
  with_lock "$ETCD_GO_DIR" go_build "$ETCD_GO_DIR" "$HERE/tools/etcd-binary" "-s -w" \
    etcd=go.etcd.io/etcd/server/v3
}

# etcd-server's .deb unpacked into the cache: bin/etcd -> usr/bin/etcd. Fails (without leaving
# anything behind) when apt does not know that exact version.
do_install_etcd_deb() {
  [[ -x "$ETCD_DEB_DIR/bin/etcd" ]] && return 0
  command -v apt-get >/dev/null && command -v dpkg-deb >/dev/null || return 1
  log "fetching Debian's etcd-server=$ETCD_DEB_VERSION into $ETCD_DEB_DIR"
  local tmp="$ETCD_DEB_DIR.tmp.$$" t0=$SECONDS
  rm -rf "$tmp"
  mkdir -p "$tmp/deb"
  # apt's sandbox user cannot write into root's cache: download as the caller, quietly.
  if ! (cd "$tmp/deb" && apt-get download -q -o APT::Sandbox::User=root \
    "etcd-server=$ETCD_DEB_VERSION") >&2; then
    rm -rf "$tmp"
    return 1
  fi
  if ! { dpkg-deb -x "$tmp"/deb/etcd-server_*.deb "$tmp/root" && mkdir "$tmp/bin" \
    && ln -s ../root/usr/bin/etcd "$tmp/bin/etcd" && "$tmp/bin/etcd" --version >/dev/null; }; then
    rm -rf "$tmp"
    return 1
  fi
  rm -rf "$tmp/deb"
  rm -rf "$ETCD_DEB_DIR"
  mv "$tmp" "$ETCD_DEB_DIR"
  log "installed etcd $ETCD_DEB_VERSION in $((SECONDS - t0)) s"
}

# Prints the etcd binary's path after installing it from ETCD_SOURCE (deb falls back to go).
install_etcd() {
  if [[ "$ETCD_SOURCE" == deb ]]; then
    if with_lock "$ETCD_DEB_DIR" do_install_etcd_deb; then
      ETCD_BIN="$ETCD_DEB_DIR/bin/etcd"
      return 0
    fi
    log "no Debian etcd-server=$ETCD_DEB_VERSION here: building etcd $ETCD_VERSION with Go"
  elif [[ "$ETCD_SOURCE" != go ]]; then
    die "ETCD_SOURCE must be deb or go, not '$ETCD_SOURCE'"
  fi
  install_etcd_go
  ETCD_BIN="$ETCD_GO_DIR/bin/etcd"
}

# The venv with kubernetes-validate (it bundles the JSON schemas of Kubernetes 1.25 ... 1.37),
# then the schemas of SCHEMA_KUBERNETES_VERSION rewritten for kubeconform (no network refs).
do_install_schemas() {
  [[ -f "$SCHEMAS_DIR/.complete" ]] && return 0
  local t0=$SECONDS
  if [[ ! -f "$VALIDATE_DIR/.complete" ]]; then
    log "installing kubernetes-validate==$KUBERNETES_VALIDATE_VERSION into $VALIDATE_DIR"
    rm -rf "$VALIDATE_DIR"
    "$PYTHON" -m venv "$VALIDATE_DIR" >&2
    "$VALIDATE_DIR/bin/pip" install -q --disable-pip-version-check --no-cache-dir \
      "kubernetes-validate==$KUBERNETES_VALIDATE_VERSION" >&2 \
      || { rm -rf "$VALIDATE_DIR"; die "pip install kubernetes-validate failed"; }
    touch "$VALIDATE_DIR/.complete"
  fi
  local tmp="$SCHEMAS_DIR.tmp.$$"
  rm -rf "$tmp"
  "$VALIDATE_DIR/bin/python" "$HERE/tools/k8s_schemas_for_kubeconform.py" "$tmp" \
    "$SCHEMA_KUBERNETES_VERSION" >/dev/null || { rm -rf "$tmp"; die "schema conversion failed"; }
  touch "$tmp/.complete"
  rm -rf "$SCHEMAS_DIR"
  mv "$tmp" "$SCHEMAS_DIR"
  log "installed the Kubernetes $SCHEMA_KUBERNETES_VERSION schemas in $((SECONDS - t0)) s"
}

install_schemas() { with_lock "$SCHEMAS_DIR" do_install_schemas; }

emit_crd_schemas() {
  local dir=$1 tmp="$1.tmp.$$"
  shift
  [[ -f "$dir/.complete" ]] && return 0
  rm -rf "$tmp"
  "$VALIDATE_DIR/bin/python" "$HERE/tools/crd2jsonschema.py" "$tmp" "$@" >/dev/null \
    || { rm -rf "$tmp"; die "CRD schema conversion failed"; }
  touch "$tmp/.complete"
  rm -rf "$dir"
  mv "$tmp" "$dir"
}

# kubeconform schemas of every served version of the CRDs under $1, in a directory named by the
# hash of the CRD files and of the converter (so an updated CRD gets fresh schemas).
crd_schemas() {
  local src
  src="$(realpath "${1:-$REPO/deploy/k8s/crds}")"
  [[ -d "$src" ]] || die "no CRD directory $src"
  install_schemas  # for the venv's PyYAML
  local files hash
  mapfile -t files < <(find "$src" -type f \( -name '*.yaml' -o -name '*.yml' \) | LC_ALL=C sort)
  ((${#files[@]})) || die "no CRD files under $src"
  hash="$(cat "$HERE/tools/crd2jsonschema.py" "${files[@]}" | sha256sum | cut -c1-16)"
  local dir="$CACHE/crd-schemas-$hash"
  [[ -f "$dir/.complete" ]] || with_lock "$dir" emit_crd_schemas "$dir" "${files[@]}"
  echo "$dir"
}

install() {
  local what
  (($#)) || set -- all
  for what in "$@"; do
    case "$what" in
      all)
        # cheapest first, so a caller waiting on the lock of a quick tool is served early
        install_kustomize
        install_kubeconform
        install_schemas
        install_etcd
        install_apiserver
        ;;
      kustomize | kubeconform | schemas | apiserver | etcd) "install_$what" ;;
      *) die "unknown tool '$what' (all|kustomize|kubeconform|schemas|apiserver|etcd)" ;;
    esac
  done
}

bin() {
  case "${1:-}" in
    kustomize) install_kustomize && echo "$KUSTOMIZE_DIR/bin/kustomize" ;;
    kubeconform) install_kubeconform && echo "$KUBECONFORM_DIR/bin/kubeconform" ;;
    kube-apiserver | kubectl) install_apiserver && echo "$KUBE_DIR/bin/$1" ;;
    etcd) install_etcd && echo "$ETCD_BIN" ;;
    *) die "usage: $0 bin kustomize|kubeconform|kube-apiserver|kubectl|etcd" ;;
  esac
}

versions() {
  cat <<EOF
kustomize=$KUSTOMIZE_VERSION
kubeconform=$KUBECONFORM_VERSION
kube-apiserver=$KUBE_VERSION
kubectl=$KUBE_VERSION
etcd=$(if [[ "$ETCD_SOURCE" == go ]]; then echo "$ETCD_VERSION"; else echo "$ETCD_DEB_VERSION (deb)"; fi)
kubernetes-validate=$KUBERNETES_VALIDATE_VERSION
schema-kubernetes-version=$SCHEMA_KUBERNETES_VERSION
EOF
}

case "${1:-}" in
  install) shift && install "$@" ;;
  bin) shift && bin "$@" ;;
  schemas) install_schemas && echo "$SCHEMAS_DIR" ;;
  crd-schemas) shift && crd_schemas "$@" ;;
  versions) versions ;;
  *)
    echo "usage: $0 install [all|kustomize|kubeconform|schemas|apiserver|etcd]... |" \
      "bin NAME | schemas | crd-schemas [DIR] | versions" >&2
    exit 2
    ;;
esac
