#!/usr/bin/env bash
# A real Kubernetes control plane on 127.0.0.1 for the live-cluster tests: etcd (Debian etcd-server) and
# kube-apiserver + kube-controller-manager 1.20, built once, offline, from Debian's `kubernetes` source package with
# Debian's Go (no registry ships these binaries; see ../shared/notes/live-cluster.md, section 3).
#
#   kube-ci.sh build   install what is missing, build both binaries into the cache (10-25 min once, then nothing)
#   kube-ci.sh start   start on KUBE_CI_PORT (default 6443); prints `export KUBECONFIG=...` once usable
#   kube-ci.sh stop    stop that instance and remove its state
#   kube-ci.sh env     print the exports of a running instance
#
# KUBE_CI_APISERVER_FLAGS / KUBE_CI_CONTROLLER_FLAGS pass extra flags (the live bench raises the controllers' API QPS).
#
# Tokens: `admin-token` (system:masters) and `ci-nobody-token` (authenticated, no RBAC binding: 403 tests).
set -euo pipefail

CACHE=${KUBE_CI_CACHE:-$HOME/.cache/kube-ci}
PORT=${KUBE_CI_PORT:-6443}
ETCD_PORT=$((PORT + 10000))
ETCD_PEER_PORT=$((PORT + 20000))
RUN=$CACHE/run-$PORT
BIN=$CACHE/bin
CONTROLLERS=${KUBE_CI_CONTROLLERS:-deployment,replicaset,statefulset,daemonset,serviceaccount,serviceaccount-token,namespace,garbagecollector}

log() { printf '%s\n' "kube-ci: $*" >&2; }
die() { log "$*"; exit 1; }

sudo_cmd() { if [ "$(id -u)" = 0 ]; then "$@"; elif command -v sudo >/dev/null 2>&1; then sudo "$@"; else die "needs root to run: $*"; fi; }

# Installs the Debian packages that are missing (one apt-get update, only when something is).
install_missing() {
  local need=() pkg
  for pkg in "$@"; do dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' || need+=("$pkg"); done
  [ ${#need[@]} -eq 0 ] && return 0
  log "installing ${need[*]}"
  sudo_cmd apt-get update -qq
  DEBIAN_FRONTEND=noninteractive sudo_cmd apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
}

built() { [ -x "$BIN/kube-apiserver" ] && [ -x "$BIN/kube-controller-manager" ]; }

# A deb-src entry for source packages: the machine's own debian.sources with another type (same archive, same keyring).
ensure_deb_src() {
  local src=/etc/apt/sources.list.d/debian.sources dst=/etc/apt/sources.list.d/kube-ci-src.sources
  [ -f "$dst" ] && return 0
  [ -f "$src" ] || die "no $src to derive a deb-src entry from: add one for the 'kubernetes' source package"
  sed -E 's/^Types:.*/Types: deb-src/' "$src" | sudo_cmd tee "$dst" >/dev/null
  sudo_cmd apt-get update -qq
}

build() {
  install_missing etcd-server openssl ca-certificates curl
  if built; then log "binaries cached in $BIN"; return 0; fi
  install_missing golang-go dpkg-dev golang-github-modern-go-reflect2-dev rsync make
  ensure_deb_src
  work=$(mktemp -d "${TMPDIR:-/tmp}/kube-ci-build.XXXXXX")
  mkdir -p "$CACHE"
  # The build tree (about 3 GB with Go's cache) goes, also after a failed build; build.log stays.
  trap 'rm -rf "$work" "$BIN.tmp"' EXIT
  local started=$SECONDS
  (
    cd "$work"
    apt-get source -qq kubernetes >"$CACHE/build.log" 2>&1 || { cat "$CACHE/build.log" >&2; exit 1; }
    cd "$(find "$work" -maxdepth 1 -type d -name 'kubernetes-*' | head -n 1)"
    # The vendored reflect2 1.0.1 crashes under Go >= 1.18 (modern-go/reflect2#23); Debian's 1.0.2 is a drop-in swap.
    rm -rf vendor/github.com/modern-go/reflect2
    cp -r /usr/share/gocode/src/github.com/modern-go/reflect2 vendor/github.com/modern-go/reflect2
    # The project's own make: it generates the OpenAPI definitions the apiserver needs (not in the source tarball) and
    # builds in GOPATH mode (hack/lib/init.sh sets GO111MODULE=off). There is no .git: the version is given.
    log "building kube-apiserver and kube-controller-manager (10-25 minutes)"
    make WHAT="cmd/kube-apiserver cmd/kube-controller-manager" KUBE_GIT_VERSION=v1.20.2 GOFLAGS= \
      >>"$CACHE/build.log" 2>&1 || { tail -n 40 "$CACHE/build.log" >&2; exit 1; }
    mkdir -p "$BIN.tmp"
    cp _output/bin/kube-apiserver _output/bin/kube-controller-manager "$BIN.tmp/"
  )
  rm -rf "$BIN" && mv "$BIN.tmp" "$BIN"
  log "built in $((SECONDS - started)) s into $BIN"
}

port_busy() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

wait_for() { # seconds, description, command...
  local deadline=$((SECONDS + $1)) what=$2; shift 2
  until "$@" >/dev/null 2>&1; do
    [ $SECONDS -lt $deadline ] || { log "timed out waiting for $what (logs in $RUN)"; return 1; }
    sleep 0.2
  done
}

kubeconfig() { # token
  cat <<EOF
apiVersion: v1
kind: Config
clusters:
  - name: kube-ci
    cluster: { server: "https://127.0.0.1:$PORT", certificate-authority-data: "$(base64 -w0 "$RUN/ca.crt")" }
users:
  - name: kube-ci
    user: { token: "$1" }
contexts:
  - name: kube-ci
    context: { cluster: kube-ci, user: kube-ci, namespace: default }
current-context: kube-ci
EOF
}

certs() {
  openssl req -x509 -newkey rsa:2048 -nodes -days 3650 -subj /CN=kube-ci-ca -keyout "$RUN/ca.key" -out "$RUN/ca.crt" 2>/dev/null
  openssl req -newkey rsa:2048 -nodes -subj /CN=kube-apiserver -keyout "$RUN/apiserver.key" -out "$RUN/apiserver.csr" 2>/dev/null
  printf 'subjectAltName=IP:127.0.0.1,DNS:localhost,DNS:kubernetes.default.svc\n' >"$RUN/san.ext"
  openssl x509 -req -in "$RUN/apiserver.csr" -CA "$RUN/ca.crt" -CAkey "$RUN/ca.key" -CAcreateserial -days 3650 \
    -extfile "$RUN/san.ext" -out "$RUN/apiserver.crt" 2>/dev/null
  openssl genrsa -out "$RUN/sa.key" 2048 2>/dev/null
  openssl rsa -in "$RUN/sa.key" -pubout -out "$RUN/sa.pub" 2>/dev/null
  printf 'admin-token,admin,admin,system:masters\nci-nobody-token,ci-nobody,ci-nobody\n' >"$RUN/tokens.csv"
}

stop_pids() {
  local pids=() f
  for f in "$RUN"/*.pid; do [ -f "$f" ] && pids+=("$(cat "$f")"); done
  [ ${#pids[@]} -eq 0 ] && return 0
  kill -TERM "${pids[@]}" 2>/dev/null || true
  local deadline=$((SECONDS + 10))
  while kill -0 "${pids[@]}" 2>/dev/null && [ $SECONDS -lt $deadline ]; do sleep 0.1; done
  kill -KILL "${pids[@]}" 2>/dev/null || true
}

stop() {
  [ -d "$RUN" ] || return 0
  stop_pids
  [ -f "$RUN/etcd-dir" ] && rm -rf "$(cat "$RUN/etcd-dir")"
  rm -rf "$RUN"
}

start() {
  built || die "no binaries in $BIN: run '$0 build' first (10-25 minutes, once)"
  command -v etcd >/dev/null 2>&1 || die "etcd is missing: run '$0 build' (it installs etcd-server)"
  [ -f "$RUN/apiserver.pid" ] && kill -0 "$(cat "$RUN/apiserver.pid")" 2>/dev/null && die "already running on $PORT ($RUN): '$0 stop' first"
  stop
  for p in "$PORT" "$ETCD_PORT" "$ETCD_PEER_PORT"; do port_busy "$p" && die "port $p is in use: set KUBE_CI_PORT to another port"; done
  mkdir -p "$RUN"
  trap 'status=$?; [ $status -ne 0 ] && stop; exit $status' EXIT
  local t0=$SECONDS etcd_dir
  certs
  # etcd on tmpfs when there is one: fsyncs on a shared disk are what make a cold start slow.
  if [ -d /dev/shm ] && [ -w /dev/shm ]; then etcd_dir=$(mktemp -d /dev/shm/kube-ci-etcd.XXXXXX); else etcd_dir=$RUN/etcd; fi
  echo "$etcd_dir" >"$RUN/etcd-dir"
  ETCD_UNSUPPORTED_ARCH=${ETCD_UNSUPPORTED_ARCH:-} setsid etcd --name kube-ci --data-dir "$etcd_dir" \
    --listen-client-urls "http://127.0.0.1:$ETCD_PORT" --advertise-client-urls "http://127.0.0.1:$ETCD_PORT" \
    --listen-peer-urls "http://127.0.0.1:$ETCD_PEER_PORT" --initial-advertise-peer-urls "http://127.0.0.1:$ETCD_PEER_PORT" \
    --initial-cluster "kube-ci=http://127.0.0.1:$ETCD_PEER_PORT" --listen-metrics-urls '' \
    >"$RUN/etcd.log" 2>&1 </dev/null &
  echo $! >"$RUN/etcd.pid"
  wait_for 30 etcd curl -fsS "http://127.0.0.1:$ETCD_PORT/health"
  log "etcd ready after $((SECONDS - t0)) s"
  setsid "$BIN/kube-apiserver" --etcd-servers "http://127.0.0.1:$ETCD_PORT" \
    --bind-address 127.0.0.1 --advertise-address 127.0.0.1 --secure-port "$PORT" --insecure-port 0 \
    --tls-cert-file "$RUN/apiserver.crt" --tls-private-key-file "$RUN/apiserver.key" --client-ca-file "$RUN/ca.crt" \
    --token-auth-file "$RUN/tokens.csv" --authorization-mode RBAC --allow-privileged \
    --service-account-issuer https://kubernetes.default.svc --service-account-key-file "$RUN/sa.pub" \
    --service-account-signing-key-file "$RUN/sa.key" --service-cluster-ip-range 10.96.0.0/16 \
    --enable-admission-plugins NamespaceLifecycle,ServiceAccount --disable-admission-plugins StorageObjectInUseProtection \
    ${KUBE_CI_APISERVER_FLAGS:-} >"$RUN/apiserver.log" 2>&1 </dev/null &
  echo $! >"$RUN/apiserver.pid"
  kubeconfig admin-token >"$RUN/kubeconfig"
  kubeconfig ci-nobody-token >"$RUN/kubeconfig-nobody"
  local auth=(-fsS --cacert "$RUN/ca.crt" -H "Authorization: Bearer admin-token")
  wait_for 90 kube-apiserver curl "${auth[@]}" "https://127.0.0.1:$PORT/readyz"
  log "kube-apiserver ready after $((SECONDS - t0)) s"
  setsid "$BIN/kube-controller-manager" --kubeconfig "$RUN/kubeconfig" --controllers "$CONTROLLERS" \
    --service-account-private-key-file "$RUN/sa.key" --root-ca-file "$RUN/ca.crt" --leader-elect=false \
    --port 0 --secure-port 0 --use-service-account-credentials=false ${KUBE_CI_CONTROLLER_FLAGS:-} \
    >"$RUN/controller-manager.log" 2>&1 </dev/null &
  echo $! >"$RUN/controller-manager.pid"
  # Usable means pods are admitted: that needs the controllers' default ServiceAccount.
  wait_for 60 "the default ServiceAccount" curl "${auth[@]}" "https://127.0.0.1:$PORT/api/v1/namespaces/default/serviceaccounts/default"
  log "usable after $((SECONDS - t0)) s"
  trap - EXIT
  env_exports
}

env_exports() {
  [ -f "$RUN/kubeconfig" ] || die "not running on $PORT"
  printf 'export KUBECONFIG=%s\nexport KUBE_CI_SERVER=https://127.0.0.1:%s\nexport KUBE_CI_CA=%s\n' "$RUN/kubeconfig" "$PORT" "$RUN/ca.crt"
}

case "${1:-}" in
  build) build ;;
  start) start ;;
  stop) stop ;;
  env) env_exports ;;
  *) echo "usage: $0 build|start|stop|env" >&2; exit 2 ;;
esac
