#!/usr/bin/env bash
# setup-host.sh - make a host ready for the bake pipeline (docker buildx bake,
# multi-arch builds under QEMU, push to a local registry).
#
# On a Debian (bookworm/trixie) host, run as root, it installs and starts:
#   * Docker Engine (docker.io from trixie) with the containerd image store,
#   * docker buildx >= 0.29 (docker-buildx from Debian testing),
#   * QEMU user emulation (qemu-user-static + binfmt-support, flag F),
#   * a local registry (Debian docker-registry) on 127.0.0.1:5000 only,
#   * chromium, curl, jq, mmdebstrap, graphviz,
#   * the Python tools (nox, the test and lint tools) from the hash-pinned
#     requirements.txt into a virtual environment the script owns (never the
#     system Python), with nox linked into /usr/local/bin,
# and, when Docker Hub is unreachable, seeds the local registry with a
# multi-arch debian:bookworm-slim built with mmdebstrap and makes it dockerd's
# registry mirror, so Dockerfiles keep a plain `FROM debian:bookworm-slim`.
#
# Every step checks first and does nothing when already done: rerunning is
# cheap. Elsewhere (not Debian, not root, or --check) it changes nothing: it
# checks what is there, says what is missing and how to fix it, and exits
# non-zero when something is missing.
#
# Usage: scripts/setup-host.sh [--check] [--no-seed] [--help]
# Environment:
#   BAKE_REGISTRY_ADDR   local registry address (default 127.0.0.1:5000,
#                        must be a 127.x.x.x loopback address)
#   BAKE_SKIP_SEED=1     same as --no-seed
#   BAKE_SKIP_PYTHON=1   do not install requirements.txt
#   BAKE_VENV            the virtual environment (default /opt/neko-bake/venv)
#   BAKE_BIN_DIR         where nox is linked (default /usr/local/bin)
#
# On failure it names the failing line and command, and removes what it
# created half-way (e.g. /usr/sbin/policy-rc.d).
set -Eeuo pipefail

REGISTRY_ADDR=${BAKE_REGISTRY_ADDR:-127.0.0.1:5000}
# Tests only: a folder standing in for / for the files this script reads and writes
# (BAKE_SYSROOT), and the retry back-off (BAKE_RETRY_DELAY).
SYSROOT=${BAKE_SYSROOT:-}
REGISTRY_CONF_DIR=$SYSROOT/etc/docker-registry-bake
REGISTRY_CONF=$REGISTRY_CONF_DIR/config.yml
REGISTRY_DATA=$SYSROOT/var/lib/docker-registry-bake
REGISTRY_LOG=$SYSROOT/var/log/docker-registry-bake.log
REGISTRY_PIDFILE=$SYSROOT/run/docker-registry-bake.pid
DOCKERD_LOG=$SYSROOT/var/log/dockerd.log
APT_LOG=$SYSROOT/var/log/bake-setup-apt.log
DOCKERD_PIDFILE=/var/run/docker.pid
DAEMON_JSON=$SYSROOT/etc/docker/daemon.json
APT_DIR=$SYSROOT/etc/apt
APT_SOURCES=$APT_DIR/sources.list.d/bake-extra.sources
APT_PREFS=$APT_DIR/preferences.d/bake-extra.pref
POLICY_RC=$SYSROOT/usr/sbin/policy-rc.d
BINFMT_DIR=$SYSROOT/proc/sys/fs/binfmt_misc
RETRY_DELAY=${BAKE_RETRY_DELAY:-5}  # seconds, times the attempt number
PACKAGED_DOCKER=$SYSROOT/usr/bin/docker
MIN_DOCKER=26.0.0
# Engine >= 28 (Debian testing's docker.io) lints Dockerfiles in its own BuildKit, so
# `buildx bake --call check` needs no Docker Hub; trixie's 26.1 is the fallback.
WANT_DOCKER=28.0.0
SEED_REPO=library/debian
SEED_TAG=bookworm-slim
SEED_SUITE=bookworm
# docker platform : Debian architecture (also the per-arch tag suffix)
SEED_ARCHES="linux/amd64:amd64 linux/arm64:arm64 linux/arm/v7:armhf"
BINFMT_HANDLERS="qemu-aarch64 qemu-arm"
DOCKER_HUB_PROBE=https://registry-1.docker.io/v2/

REPO_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# Shared with bake/build/host.py.
MIN_BUILDX=$(sed -n 's/^MIN_BUILDX=//p' "$REPO_ROOT/bake/data/host-minimums" 2>/dev/null || true)
CHECK_ONLY=0
SKIP_SEED=${BAKE_SKIP_SEED:-0}
SKIP_PYTHON=${BAKE_SKIP_PYTHON:-0}
VENV=${BAKE_VENV:-/opt/neko-bake/venv}
BIN_DIR=${BAKE_BIN_DIR:-/usr/local/bin}
# Commands of the venv the README's commands use, linked into $BIN_DIR.
VENV_LINKS="nox"
START_TS=$(date +%s)
export DEBIAN_FRONTEND=noninteractive
export PATH="$PATH:/usr/local/sbin:/usr/sbin:/sbin"

say()  { printf '==> %s\n' "$*"; }
info() { printf '    %s\n' "$*"; }
warn() { printf '==> WARNING: %s\n' "$*" >&2; }
FAILED_LOUDLY=0
die()  { FAILED_LOUDLY=1; printf '==> ERROR: %s\n' "$*" >&2; exit 1; }
have() { command -v "$1" >/dev/null 2>&1; }

# Never die silently: a command that fails under `set -e` is named with its
# line (command substitutions and background jobs report through their caller).
on_err() { # rc line command
    [ "$BASH_SUBSHELL" = 0 ] || return 0
    FAILED_LOUDLY=1
    printf '==> ERROR: %s: line %s: exit %s: %s\n' "${BASH_SOURCE[0]##*/}" "$2" "$1" "$3" >&2
}
# Undo what a failed run created half-way; name the exit if nothing else did.
POLICY_RC_CREATED=0
on_exit() { # the script's exit status stays $? (no `exit` here)
    local rc=$?
    trap - ERR
    if [ "$POLICY_RC_CREATED" = 1 ]; then rm -f "$POLICY_RC"; fi
    if [ "$rc" != 0 ] && [ "$FAILED_LOUDLY" = 0 ] && [ "$CHECK_ONLY" = 0 ]; then
        printf '==> ERROR: %s: exit %s\n' "${BASH_SOURCE[0]##*/}" "$rc" >&2
    fi
}
trap 'on_err $? $LINENO "$BASH_COMMAND"' ERR
trap on_exit EXIT

usage() { sed -n '2,/^set -/p' "${BASH_SOURCE[0]}" | sed '$d; s/^# \{0,1\}//'; }

while [ $# -gt 0 ]; do
    case $1 in
        --check) CHECK_ONLY=1 ;;
        --no-seed) SKIP_SEED=1 ;;
        -h|--help) usage; trap - EXIT; exit 0 ;;
        *) usage >&2; die "unknown argument: $1" ;;
    esac
    shift
done

[ -n "$MIN_BUILDX" ] || die "no MIN_BUILDX in $REPO_ROOT/bake/data/host-minimums (run this script from its checkout)"
# The registry must never listen on anything but loopback.
[[ $REGISTRY_ADDR =~ ^127\.[0-9]{1,3}\.[0-9]{1,3}\.[0-9]{1,3}:[0-9]{1,5}$ ]] \
    || die "BAKE_REGISTRY_ADDR=$REGISTRY_ADDR: must be a loopback 127.x.x.x:port address"
REGISTRY_URL=http://$REGISTRY_ADDR

# ---------------------------------------------------------------- helpers ---

# version_ge A B: true when version A >= B (dotted, leading digits only).
version_ge() {
    [ "$(printf '%s\n%s\n' "$2" "$1" | sort -V | head -n1)" = "$2" ]
}

# retry N CMD...: run CMD up to N times, sleeping longer between tries.
retry() {
    local n=$1 i=1; shift
    until "$@"; do
        [ "$i" -ge "$n" ] && return 1
        warn "attempt $i/$n failed: $*; retrying in $((i * RETRY_DELAY))s"
        sleep $((i * RETRY_DELAY)); i=$((i + 1))
    done
}

# write_if_changed FILE: replace FILE by stdin when different; true if changed.
write_if_changed() {
    local file=$1 tmp
    tmp=$(mktemp)
    cat >"$tmp"
    if [ -f "$file" ] && cmp -s "$tmp" "$file"; then
        rm -f "$tmp"; return 1
    fi
    mkdir -p "$(dirname "$file")"
    install -m 0644 "$tmp" "$file"; rm -f "$tmp"
    info "wrote $file"
    return 0
}

docker_ok() { # bounded when coreutils timeout exists (not on stock macOS)
    if have timeout; then timeout 10 docker info >/dev/null 2>&1; else docker info >/dev/null 2>&1; fi
}
registry_ok() { curl -fsS -m 3 -o /dev/null "$REGISTRY_URL/v2/" 2>/dev/null; }
hub_reachable() { curl -sS -m 5 -o /dev/null "$DOCKER_HUB_PROBE" 2>/dev/null; }

buildx_version() {
    { docker buildx version 2>/dev/null || true; } | awk '{print $2}' | sed 's/^v//; s/[+-].*//'
}

snapshotter() {
    docker info --format '{{range .DriverStatus}}{{if eq (index . 0) "driver-type"}}{{index . 1}}{{end}}{{end}}' 2>/dev/null || true
}

binfmt_ok() { # handler name -> enabled with flag F
    local f=$BINFMT_DIR/$1
    [ -r "$f" ] && grep -qx enabled "$f" && grep -Eq '^flags: .*F' "$f"
}

seed_index() {
    curl -fsS -m 10 \
        -H 'Accept: application/vnd.oci.image.index.v1+json, application/vnd.docker.distribution.manifest.list.v2+json' \
        "$REGISTRY_URL/v2/$SEED_REPO/manifests/$SEED_TAG" 2>/dev/null || true
}

# Platforms of the seed index in the local registry (one per line).
seed_platforms() {
    seed_index | jq -r '.manifests[]? | .platform | select(.os != "unknown")
             | "\(.os)/\(.architecture)\(if .variant then "/" + .variant else "" end)"' 2>/dev/null \
    | sort -u || true
}

# True when the index lists every platform and every manifest it references
# is still in the registry.
seed_complete() {
    local have_p entry d
    have_p=$(seed_platforms)
    for entry in $SEED_ARCHES; do
        grep -qx "${entry%%:*}" <<<"$have_p" || return 1
    done
    for d in $(seed_index | jq -r '.manifests[]?.digest' 2>/dev/null); do
        registry_has_tag "$SEED_REPO" "$d" || return 1
    done
}

registry_has_tag() { # repo tag
    curl -fsS -m 10 -o /dev/null -I \
        -H 'Accept: application/vnd.oci.image.manifest.v1+json, application/vnd.docker.distribution.manifest.v2+json, application/vnd.oci.image.index.v1+json, application/vnd.docker.distribution.manifest.list.v2+json' \
        "$REGISTRY_URL/v2/$1/manifests/$2" 2>/dev/null
}

# ------------------------------------------------------------ check mode ---

# Report-only checks; prints what is missing and how to fix it.
MISSING=0
missing() { MISSING=$((MISSING + 1)); printf '==> MISSING: %s\n' "$1" >&2; printf '    fix: %s\n' "$2" >&2; }

run_checks() {
    say "Checking host (no changes will be made)"
    prefer_packaged_docker
    if ! have docker; then
        missing "docker CLI" "install Docker Engine (Debian: run this script as root) or Docker Desktop"
    elif ! docker_ok; then
        missing "docker daemon not answering (docker info)" "start dockerd / Docker Desktop, check permissions on /var/run/docker.sock"
    else
        local dv; dv=$(docker version --format '{{.Server.Version}}' 2>/dev/null || true)
        if version_ge "${dv:-0}" "$MIN_DOCKER"; then info "docker: $dv"
        else missing "Docker Engine >= $MIN_DOCKER (have ${dv:-unknown})" \
            "Debian: run this script as root (installs docker.io $WANT_DOCKER from testing); elsewhere: upgrade Docker Engine / Docker Desktop"
        fi
        local snap; snap=$(snapshotter)
        if [ "$snap" = io.containerd.snapshotter.v1 ]; then
            info "image store: containerd ($snap)"
        else
            missing "containerd image store (multi-arch --load)" \
                "set {\"features\": {\"containerd-snapshotter\": true}} in $DAEMON_JSON (Docker Desktop: Settings > General > Use containerd) and restart the daemon"
        fi
    fi
    local bx; bx=$(buildx_version)
    if [ -z "$bx" ]; then
        missing "docker buildx" "install docker-buildx >= $MIN_BUILDX (Debian testing docker-buildx, or github.com/docker/buildx releases)"
    elif ! version_ge "$bx" "$MIN_BUILDX"; then
        missing "docker buildx >= $MIN_BUILDX (have $bx)" "upgrade docker-buildx"
    else
        info "buildx: $bx"
    fi
    local h
    if [ -d "$BINFMT_DIR" ] && [ -e "$BINFMT_DIR/status" ]; then
        for h in $BINFMT_HANDLERS; do
            if binfmt_ok "$h"; then info "binfmt: $h enabled (F)"
            else missing "binfmt handler $h (enabled, flag F)" \
                "Debian: apt-get install qemu-user-static binfmt-support && update-binfmts --enable $h; elsewhere: docker run --privileged --rm tonistiigi/binfmt --install arm64,arm"
            fi
        done
    elif docker_ok; then
        # Docker Desktop & co: binfmt lives in the daemon's VM; ask buildx.
        local plats; plats=$({ docker buildx inspect --bootstrap 2>/dev/null || true; } | sed -n 's/^Platforms: *//p' | head -n1)
        for p in linux/arm64 linux/arm/v7; do
            if grep -q "$p" <<<"$plats"; then info "buildx platform $p available"
            else missing "emulation for $p" "docker run --privileged --rm tonistiigi/binfmt --install arm64,arm"
            fi
        done
    else
        missing "binfmt_misc not mounted" "mount -t binfmt_misc binfmt_misc $BINFMT_DIR"
    fi
    if registry_ok; then
        info "registry: $REGISTRY_URL answers"
        if ! hub_reachable; then
            if seed_complete; then info "seed: $SEED_REPO:$SEED_TAG has all platforms"
            else missing "seeded $SEED_REPO:$SEED_TAG (Docker Hub unreachable)" "run this script as root on Debian"
            fi
        fi
    else
        missing "local registry on $REGISTRY_ADDR" \
            "Debian: run this script as root; elsewhere: docker run -d --name bake-registry -p $REGISTRY_ADDR:5000 registry:2"
    fi
    for t in curl jq; do have "$t" || missing "$t" "install $t"; done
    if have nox; then info "nox: $(type -P nox)"
    else missing "nox (the README's commands)" \
        "Debian: run this script as root (installs requirements.txt into $VENV); elsewhere: python3 -m venv VENV && VENV/bin/pip install --require-hashes -r requirements.txt"
    fi
}

# ---------------------------------------------------------- install mode ---

# shellcheck disable=SC1091
os_codename() { ( . "$SYSROOT/etc/os-release" 2>/dev/null; [ "${ID:-}" = debian ] && echo "${VERSION_CODENAME:-}" ) || true; }

# Mirror URI configured for a suite (deb822 or one-line format), e.g. the
# stanza whose Suites include "bookworm". Never hard-code a mirror host.
mirror_for_suite() {
    local suite=$1 f uri=
    for f in "$APT_DIR"/sources.list.d/*.sources; do
        [ -f "$f" ] || continue
        [ "$f" = "$APT_SOURCES" ] && continue
        uri=$(awk -v s="$suite" '
            function flush() { if (en && isdeb && hit && u != "" && out == "") out = u; isdeb=0; hit=0; u=""; en=1 }
            BEGIN { en = 1 }
            /^[ \t]*$/ { flush(); next }
            /^[ \t]*#/ { next }
            tolower($1) == "types:"   { for (i = 2; i <= NF; i++) if ($i == "deb") isdeb = 1 }
            tolower($1) == "uris:"    { u = $2 }
            tolower($1) == "suites:"  { for (i = 2; i <= NF; i++) if ($i == s) hit = 1 }
            tolower($1) == "enabled:" { if (tolower($2) == "no") en = 0 }
            END { flush(); print out }' "$f")
        [ -n "$uri" ] && { echo "$uri"; return 0; }
    done
    for f in "$APT_DIR"/sources.list "$APT_DIR"/sources.list.d/*.list; do
        [ -f "$f" ] || continue
        uri=$(awk -v s="$suite" '
            $1 == "deb" {
                i = 2
                if ($i ~ /^\[/) { while (i <= NF && $i !~ /\]$/) i++; i++ }
                if ($(i + 1) == s) { print $i; exit }
            }' "$f")
        [ -n "$uri" ] && { echo "$uri"; return 0; }
    done
    return 1
}

APT_SOURCES_CHANGED=0
ensure_apt_suites() {
    local host=$1 extra="" s
    for s in trixie testing; do [ "$s" = "$host" ] || extra="$extra $s"; done
    extra=${extra# }
    say "APT: suites '$extra' from the configured mirror, pinned low (100/50)"
    local keyring=/usr/share/keyrings/debian-archive-keyring.gpg
    if write_if_changed "$APT_SOURCES" <<EOF
# Written by scripts/setup-host.sh: extra suites for docker.io (trixie) and
# docker-buildx (testing). Pinned low in $APT_PREFS. The configured mirror may
# be a dated snapshot, whose testing Release file is past its Valid-Until.
Types: deb
URIs: $DEBIAN_MIRROR
Suites: $extra
Components: main
Signed-By: $keyring
Check-Valid-Until: no
EOF
    then APT_SOURCES_CHANGED=1; fi
    if write_if_changed "$APT_PREFS" <<'EOF'
# Written by scripts/setup-host.sh: nothing comes from these suites unless
# asked for (pkg/suite). trixie at 100: never preferred over the host's suite.
# testing below 100: never an upgrade candidate for an installed package
# (else docker.io/docker-cli from trixie would be offered testing's 28.x).
Package: *
Pin: release n=trixie
Pin-Priority: 100

Package: *
Pin: release a=testing
Pin-Priority: 50
EOF
    then APT_SOURCES_CHANGED=1; fi
    [ "$APT_SOURCES_CHANGED" = 1 ] || info "up to date"
}

APT_UPDATED=0
apt_update() {
    [ "$APT_UPDATED" = 1 ] && return 0
    say "APT: apt-get update (log: $APT_LOG)"
    retry 5 apt-get update -q -o Acquire::Retries=3 >>"$APT_LOG" 2>&1 \
        || { tail -n 20 "$APT_LOG" >&2; die "apt-get update failed 5 times"; }
    APT_UPDATED=1
}

apt_install() { # pkg-spec...
    apt_update
    say "APT: installing $* (log: $APT_LOG)"
    retry 5 apt-get install -y -q --no-install-recommends -o Acquire::Retries=3 "$@" >>"$APT_LOG" 2>&1 \
        || { tail -n 30 "$APT_LOG" >&2; die "apt-get install $* failed"; }
}

# Installed version of a package, empty when not installed (never fails).
# Keep package scripts from starting services while installing (no service
# manager here, and Debian's docker-registry default config would listen on all
# interfaces). Removed again afterwards, and by on_exit when a step fails.
services_off() {
    [ -e "$POLICY_RC" ] && return 0
    mkdir -p "$(dirname "$POLICY_RC")"
    POLICY_RC_CREATED=1
    printf '#!/bin/sh\nexit 101\n' >"$POLICY_RC"
    chmod 0755 "$POLICY_RC"
}
services_on() {
    if [ "$POLICY_RC_CREATED" = 1 ]; then rm -f "$POLICY_RC"; POLICY_RC_CREATED=0; fi
}

pkg_version() {
    { dpkg-query -W -f='${db:Status-Abbrev} ${Version}\n' "$1" 2>/dev/null || true; } | awk '$1 == "ii" {print $2}'
}

# pkg_ok NAME [MIN_VERSION]
pkg_ok() {
    local v; v=$(pkg_version "$1")
    [ -n "$v" ] || return 1
    [ -z "${2:-}" ] || dpkg --compare-versions "$v" ge "$2"
}

ensure_packages() {
    local want=() p
    say "Packages: docker.io >= $MIN_DOCKER, docker-buildx >= $MIN_BUILDX, qemu, registry, tools"
    ensure_docker_engine
    pkg_ok docker-buildx "$MIN_BUILDX~" || want+=(docker-buildx/testing)
    pkg_ok cosign || want+=(cosign/trixie)  # signs and verifies releases (BAKE_SIGN)
    for p in qemu-user-static binfmt-support docker-registry mmdebstrap arch-test \
             curl jq ca-certificates xz-utils chromium fonts-liberation python3-venv \
             git graphviz; do
        pkg_ok "$p" || want+=("$p")
    done
    if [ ${#want[@]} -eq 0 ]; then info "all installed"; return 0; fi
    services_off
    apt_install "${want[@]}"
    services_on
    # Debian's docker-registry service must not run (it binds :5000 on all
    # interfaces); our own instance is started below.
    if [ -d /run/systemd/system ] && systemctl is-enabled docker-registry >/dev/null 2>&1; then
        systemctl disable --now docker-registry >/dev/null 2>&1 || true
    fi
    return 0
}

# docker.io and docker-cli from testing (only these two and tini-static: never
# `-t testing`, which would move libc along); trixie's when testing's cannot install.
DOCKER_PKG_CHANGED=0
ensure_docker_engine() {
    pkg_ok docker.io "$WANT_DOCKER~" && pkg_ok docker-cli "$WANT_DOCKER~" && return 0
    local before; before=$(pkg_version docker.io)
    apt_update
    say "APT: installing docker.io/testing docker-cli/testing (log: $APT_LOG)"
    services_off
    if ! retry 3 apt-get install -y -q --no-install-recommends -o Acquire::Retries=3 \
            docker.io/testing docker-cli/testing >>"$APT_LOG" 2>&1; then
        warn "docker.io from testing did not install (see $APT_LOG); falling back to trixie's"
        if ! { pkg_ok docker.io "$MIN_DOCKER~" && pkg_ok docker-cli "$MIN_DOCKER~"; }; then
            apt_install docker.io/trixie docker-cli/trixie
        fi
    fi
    services_on
    [ "$(pkg_version docker.io)" = "$before" ] || DOCKER_PKG_CHANGED=1
}

ensure_binfmt() {
    say "binfmt: qemu handlers with flag F"
    local d=$BINFMT_DIR h
    if [ ! -e "$d/status" ]; then
        info "mounting binfmt_misc"
        mount -t binfmt_misc binfmt_misc "$d" || die "cannot mount binfmt_misc on $d"
    fi
    for h in $BINFMT_HANDLERS; do
        binfmt_ok "$h" && { info "$h ok"; continue; }
        if [ -e "$d/$h" ] && ! grep -Eq '^flags: .*F' "$d/$h"; then
            info "$h registered without flag F; re-registering"
            update-binfmts --disable "$h" || true
            [ -e "$d/$h" ] && echo -1 >"$d/$h"
        fi
        [ -e "/var/lib/binfmts/$h" ] || update-binfmts --import "$h" || true
        update-binfmts --enable "$h" || true
        binfmt_ok "$h" || die "binfmt handler $h not enabled with flag F: $(tr '\n' ' ' <"$d/$h" 2>/dev/null)"
        info "$h enabled"
    done
}

# Merge our keys into daemon.json (keeps other keys). True if it changed.
ensure_daemon_json() {
    local want_mirror=$1 cur new
    cur=$( [ -s "$DAEMON_JSON" ] && cat "$DAEMON_JSON" || echo '{}')
    new=$(jq --arg m "$REGISTRY_URL" --argjson wm "$want_mirror" '
        .features["containerd-snapshotter"] = true
        | if $wm then .["registry-mirrors"] = ((.["registry-mirrors"] // []) - [$m] | [$m] + .) else . end
        ' <<<"$cur") || die "$DAEMON_JSON is not valid JSON"
    if [ -s "$DAEMON_JSON" ] && jq -e --argjson n "$new" '. == $n' "$DAEMON_JSON" >/dev/null 2>&1; then
        return 1
    fi
    printf '%s\n' "$new" | write_if_changed "$DAEMON_JSON"
}

start_dockerd() {
    if [ -d /run/systemd/system ] && have systemctl; then
        systemctl start docker
    else
        info "starting dockerd in the background (log: $DOCKERD_LOG)"
        mkdir -p "$(dirname "$DOCKERD_LOG")"
        setsid nohup dockerd >>"$DOCKERD_LOG" 2>&1 </dev/null &
    fi
    local i
    for i in $(seq 60); do docker_ok && return 0; sleep 1; done
    tail -n 20 "$DOCKERD_LOG" >&2 || true
    die "dockerd did not answer within 60s (log: $DOCKERD_LOG)"
}

stop_dockerd() {
    if [ -d /run/systemd/system ] && have systemctl; then systemctl stop docker; return; fi
    local pid i
    pid=$(cat "$DOCKERD_PIDFILE" 2>/dev/null || true)
    [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null || return 0
    info "stopping dockerd (pid $pid)"
    kill "$pid"
    for i in $(seq 60); do kill -0 "$pid" 2>/dev/null || return 0; sleep 1; done
    die "dockerd (pid $pid) did not stop within 60s"
}

ensure_dockerd() { # daemon.json-changed
    say "dockerd: running with the containerd image store"
    if docker_ok && [ "$1" = 1 ]; then
        info "$DAEMON_JSON changed: restarting dockerd"
        stop_dockerd
    fi
    docker_ok || start_dockerd
    local snap; snap=$(snapshotter)
    [ "$snap" = io.containerd.snapshotter.v1 ] \
        || die "dockerd is not using the containerd snapshotter (driver-type '$snap'); is another daemon running with another config?"
    info "docker $(docker version --format '{{.Server.Version}}'), image store $snap"
    local bx; bx=$(buildx_version)
    version_ge "${bx:-0}" "$MIN_BUILDX" || die "docker buildx version '${bx:-none}' < $MIN_BUILDX ($(command -v docker) uses plugins from ~/.docker/cli-plugins, /usr/local/lib/docker/cli-plugins, /usr/libexec/docker/cli-plugins)"
    info "buildx $bx"
}

ensure_registry() {
    say "registry: $REGISTRY_URL (loopback only, no auth, delete enabled)"
    mkdir -p "$REGISTRY_DATA"
    local changed=0
    write_if_changed "$REGISTRY_CONF" <<EOF && changed=1
# Written by scripts/setup-host.sh: local registry for the bake pipeline.
version: 0.1
log:
  level: info
  fields:
    service: registry
storage:
  cache:
    blobdescriptor: inmemory
  filesystem:
    rootdirectory: $REGISTRY_DATA
  delete:
    enabled: true
http:
  addr: $REGISTRY_ADDR
  headers:
    X-Content-Type-Options: [nosniff]
EOF
    local pid i
    pid=$(cat "$REGISTRY_PIDFILE" 2>/dev/null || true)
    if [ -z "$pid" ] || ! kill -0 "$pid" 2>/dev/null; then
        # started by hand or by an older run: find it by its exact command line
        pid=$(pgrep -x -f "docker-registry serve $REGISTRY_CONF" | head -n1 || true)
        [ -n "$pid" ] && echo "$pid" >"$REGISTRY_PIDFILE"
    fi
    if [ "$changed" = 1 ] && [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
        info "config changed: restarting registry (pid $pid)"
        kill "$pid"
        for i in $(seq 20); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
    fi
    if registry_ok; then info "already answering${pid:+ (pid $pid)}"; return 0; fi
    info "starting docker-registry in the background (log: $REGISTRY_LOG)"
    setsid nohup docker-registry serve "$REGISTRY_CONF" >>"$REGISTRY_LOG" 2>&1 </dev/null &
    echo $! >"$REGISTRY_PIDFILE"
    for i in $(seq 30); do registry_ok && { info "answering"; return 0; }; sleep 1; done
    tail -n 20 "$REGISTRY_LOG" >&2 || true
    die "registry did not answer on $REGISTRY_URL/v2/ within 30s (log: $REGISTRY_LOG)"
}

# apt_index_ok URI SUITE ARCH: the mirror's main/binary-ARCH/Packages.xz
# matches its InRelease (a mirror caught mid-sync or a stale cache fails
# every `apt-get update` in the image with "File has unexpected size").
apt_index_ok() {
    local rel want got
    rel=$(curl -fsS -m 20 "$1/dists/$2/InRelease" 2>/dev/null) || return 1
    want=$(awk -v f="main/binary-$3/Packages.xz" '$3 == f {print $1; exit}' <<<"$rel")
    [ -n "$want" ] || return 1
    got=$(curl -fsS -m 120 "$1/dists/$2/main/binary-$3/Packages.xz" 2>/dev/null | sha256sum | awk '{print $1}')
    [ "$want" = "$got" ]
}

# Build one rootfs with mmdebstrap and push it as <repo>:<tag>-<debarch>.
seed_one() { # platform debarch workdir
    local plat=$1 arch=$2 work=$3 ref="$REGISTRY_ADDR/$SEED_REPO:$SEED_TAG-$2"
    local src=$work/$arch.sources key=/usr/share/keyrings/debian-archive-keyring.gpg
    local mirrors=("deb $DEBIAN_MIRROR $SEED_SUITE main")
    # Same sources as Debian's image: <suite>, <suite>-updates, -security,
    # minus those whose index for this arch is broken on the mirror.
    printf 'Types: deb\nURIs: %s\nSuites: %s\nComponents: main\nSigned-By: %s\n' "$DEBIAN_MIRROR" "$SEED_SUITE" "$key" >"$src"
    if apt_index_ok "$DEBIAN_MIRROR" "$SEED_SUITE-updates" "$arch"; then
        sed -i "s/^Suites: .*/& $SEED_SUITE-updates/" "$src"
        mirrors+=("deb $DEBIAN_MIRROR $SEED_SUITE-updates main")
    else
        warn "$plat: $DEBIAN_MIRROR $SEED_SUITE-updates binary-$arch index is inconsistent on the mirror; left out of the image"
    fi
    if [ -n "$SECURITY_MIRROR" ]; then
        if apt_index_ok "$SECURITY_MIRROR" "$SEED_SUITE-security" "$arch"; then
            printf '\nTypes: deb\nURIs: %s\nSuites: %s-security\nComponents: main\nSigned-By: %s\n' "$SECURITY_MIRROR" "$SEED_SUITE" "$key" >>"$src"
            mirrors+=("deb $SECURITY_MIRROR $SEED_SUITE-security main")
        else
            warn "$plat: $SECURITY_MIRROR $SEED_SUITE-security binary-$arch index is inconsistent on the mirror; left out of the image"
        fi
    fi
    # minbase + merged /usr without usrmerge (and thus without perl), no
    # docs/man/locales, deb822 sources for apt inside, no apt lists.
    # shellcheck disable=SC2016 # $1 is expanded by mmdebstrap's hook shell
    mmdebstrap --quiet --variant=minbase --arch="$arch" --format=tar \
        --hook-dir=/usr/share/mmdebstrap/hooks/merged-usr \
        --dpkgopt='path-exclude=/usr/share/man/*' \
        --dpkgopt='path-exclude=/usr/share/info/*' \
        --dpkgopt='path-exclude=/usr/share/doc/*' \
        --dpkgopt='path-include=/usr/share/doc/*/copyright' \
        --dpkgopt='path-exclude=/usr/share/locale/*' \
        --setup-hook='mkdir -p "$1/etc/apt/sources.list.d"' \
        --customize-hook="cp '$src' \"\$1/etc/apt/sources.list.d/debian.sources\"" \
        --customize-hook='rm -f "$1/etc/apt/sources.list" "$1/etc/resolv.conf"; : > "$1/etc/hostname"; rm -rf "$1"/var/lib/apt/lists/* "$1"/var/cache/apt/*.bin' \
        "$SEED_SUITE" "$work/$arch.tar" "${mirrors[@]}" >"$work/$arch.log" 2>&1 \
        || { tail -n 30 "$work/$arch.log" >&2; return 1; }
    docker import --platform "$plat" \
        --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
        --change 'CMD ["bash"]' \
        "$work/$arch.tar" "$ref" >/dev/null
    docker push -q "$ref" >/dev/null
    docker image rm "$ref" >/dev/null 2>&1 || true
    rm -f "$work/$arch.tar"
}

ensure_seed() {
    say "seed: $REGISTRY_ADDR/$SEED_REPO:$SEED_TAG for $(for e in $SEED_ARCHES; do echo "${e%%:*}"; done | paste -sd' ')"
    if seed_complete; then info "already complete"; return 0; fi
    local work entry plat arch refs=() pids=() failed=0 i
    work=$(mktemp -d /var/tmp/bake-seed.XXXXXX)
    for entry in $SEED_ARCHES; do
        plat=${entry%%:*}; arch=${entry##*:}
        refs+=("$REGISTRY_ADDR/$SEED_REPO:$SEED_TAG-$arch")
        if registry_has_tag "$SEED_REPO" "$SEED_TAG-$arch"; then
            info "$plat: $SEED_TAG-$arch already in the registry"
            continue
        fi
        info "$plat: mmdebstrap $SEED_SUITE ($arch) -> $SEED_TAG-$arch (log: $work/$arch.log)"
        seed_one "$plat" "$arch" "$work" & pids+=($!)
    done
    for i in "${pids[@]}"; do wait "$i" || failed=1; done
    [ "$failed" = 0 ] || die "seeding failed; logs kept in $work"
    info "creating the multi-arch index $SEED_TAG"
    local out
    out=$(docker buildx imagetools create -t "$REGISTRY_ADDR/$SEED_REPO:$SEED_TAG" "${refs[@]}" 2>&1) \
        || { printf '%s\n' "$out" >&2; die "docker buildx imagetools create failed"; }
    rm -rf "$work"
    seed_complete || die "index $SEED_REPO:$SEED_TAG does not list all platforms: $(seed_platforms | tr '\n' ' ')"
    # A debian:bookworm-slim pulled earlier would shadow the new index.
    local img=${SEED_REPO#library/}:$SEED_TAG
    if docker image inspect "$img" >/dev/null 2>&1; then
        info "refreshing local $img from the mirror"
        for entry in $SEED_ARCHES; do docker pull -q --platform "${entry%%:*}" "$img" >/dev/null; done
    fi
}

# The Python tools live in a virtual environment this script owns (Debian's
# python3 is externally managed, PEP 668), installed from the hash-pinned lock
# and rebuilt from scratch when the lock changes, so it holds exactly the lock.
ensure_python_deps() {
    local req=$REPO_ROOT/requirements.txt py=${BAKE_PYTHON:-/usr/bin/python3}
    [ "$SKIP_PYTHON" = 1 ] && return 0
    [ -f "$req" ] || { say "python: no requirements.txt at $REPO_ROOT, skipping"; return 0; }
    say "python: $VENV from requirements.txt (pip --require-hashes)"
    local stamp=$VENV/.bake-requirements.sha256 want
    want="$(sha256sum "$req" | awk '{print $1}') $("$py" -c 'import sys; print(sys.version.split()[0])')"
    if [ -x "$VENV/bin/python" ] && [ "$(cat "$stamp" 2>/dev/null || true)" = "$want" ]; then
        info "up to date"
    else
        info "creating $VENV with $py"
        "$py" -m venv --clear "$VENV" || die "$py -m venv $VENV failed (Debian: apt-get install python3-venv)"
        local out
        if ! out=$(retry 3 "$VENV/bin/python" -m pip install -q --disable-pip-version-check \
                --root-user-action=ignore --require-hashes -r "$req" 2>&1); then
            printf '%s\n' "$out" >&2; die "pip install --require-hashes -r $req into $VENV failed"
        fi
        [ -z "$out" ] || printf '%s\n' "$out" | sed 's/^/    /'
        printf '%s\n' "$want" >"$stamp"
    fi
    link_venv_commands
}

# The README's commands stay plain `nox ...`: link them into $BIN_DIR.
link_venv_commands() {
    local name target link
    mkdir -p "$BIN_DIR"
    for name in $VENV_LINKS; do
        target=$VENV/bin/$name link=$BIN_DIR/$name
        [ -x "$target" ] || die "$target missing after installing requirements.txt"
        [ "$(readlink "$link" 2>/dev/null || true)" = "$target" ] && continue
        if [ -e "$link" ] || [ -L "$link" ]; then info "replacing $link (not a link to $target)"; fi
        ln -sfn "$target" "$link"
        info "linked $link -> $target"
    done
    local first; first=$(type -P nox || true)
    [ "$first" = "$BIN_DIR/nox" ] || warn "nox on PATH is '${first:-none}', not $BIN_DIR/nox: put $BIN_DIR first in PATH"
}

# A docker CLI found before the packaged one (e.g. a static binary in
# /usr/local/bin from a machine image) is what users get; say so, and use the
# packaged one here so the versions checked are the ones installed.
DOCKER_USED=
prefer_packaged_docker() {
    local first; first=$(type -P docker || true)
    [ -x "$PACKAGED_DOCKER" ] && [ -n "$first" ] && [ "$first" != "$PACKAGED_DOCKER" ] || return 0
    warn "$first (client $(docker_client "$first")) comes before the packaged $PACKAGED_DOCKER (client $(docker_client "$PACKAGED_DOCKER")) on PATH; this script uses $PACKAGED_DOCKER; remove $first to use it everywhere"
    docker() { "$PACKAGED_DOCKER" "$@"; }
    DOCKER_USED=$PACKAGED_DOCKER
}
docker_client() { "$1" version --format '{{.Client.Version}}' 2>/dev/null || echo unknown; }

summary() {
    say "Summary"
    local dv="-" bx="-" snap="-" h b reg="not answering" seed="-"
    if docker_ok; then
        dv="$(docker version --format '{{.Server.Version}}' 2>/dev/null || true) (client $(docker version --format '{{.Client.Version}}' 2>/dev/null || true), ${DOCKER_USED:-$(type -P docker || true)})"
        snap=$(snapshotter)
    fi
    bx=$(buildx_version); bx=${bx:--}
    b=""
    for h in $BINFMT_HANDLERS; do
        if binfmt_ok "$h"; then b="$b $h:ok"; else b="$b $h:missing"; fi
    done
    if registry_ok; then reg="$REGISTRY_URL ok"; seed=$(seed_platforms | paste -sd' '); fi
    info "docker:      $dv"
    info "buildx:      $bx"
    info "snapshotter: ${snap:--}"
    info "binfmt:     $b"
    info "registry:    $reg"
    info "seed image:  $REGISTRY_ADDR/$SEED_REPO:$SEED_TAG [${seed:--}]"
    info "nox:         $(type -P nox || echo -)"
    if [ -s "$DAEMON_JSON" ]; then info "daemon.json: $(jq -c . "$DAEMON_JSON" 2>/dev/null || cat "$DAEMON_JSON")"; fi
    info "took $(( $(date +%s) - START_TS ))s"
}

# ------------------------------------------------------------------- main ---

CODENAME=$(os_codename)
if [ "$CHECK_ONLY" = 0 ]; then
    if [ "$(id -u)" != 0 ]; then
        warn "not root: checking only (rerun as root to install)"; CHECK_ONLY=1
    elif [ "$CODENAME" != bookworm ] && [ "$CODENAME" != trixie ]; then
        warn "not Debian bookworm/trixie: checking only, nothing will be installed"; CHECK_ONLY=1
    fi
fi

if [ "$CHECK_ONLY" = 1 ]; then
    run_checks
    summary
    if [ "$MISSING" -gt 0 ]; then say "$MISSING item(s) missing (see above)"; exit 1; fi
    say "All checks passed"
    exit 0
fi

DEBIAN_MIRROR=$(mirror_for_suite "$CODENAME") \
    || die "no 'deb' source for suite $CODENAME found in $APT_DIR/sources.list{,.d/*}"
SECURITY_MIRROR=$(mirror_for_suite "$SEED_SUITE-security" || true)
say "Debian $CODENAME host, mirror $DEBIAN_MIRROR"

ensure_apt_suites "$CODENAME"
# New or changed suites need fresh indexes (otherwise only when installing).
[ "$APT_SOURCES_CHANGED" = 1 ] && apt_update
ensure_packages
prefer_packaged_docker
ensure_binfmt

SEED=0
say "Docker Hub: probing $DOCKER_HUB_PROBE"
if [ "$SKIP_SEED" != 1 ]; then
    if hub_reachable; then info "Docker Hub reachable: no seeding, no registry mirror"
    else info "Docker Hub unreachable: will seed $SEED_REPO:$SEED_TAG and use $REGISTRY_URL as registry mirror"; SEED=1
    fi
fi
say "daemon.json: containerd snapshotter$([ "$SEED" = 1 ] && echo ", registry-mirrors $REGISTRY_URL")"
DJ_CHANGED=0
if ensure_daemon_json "$([ "$SEED" = 1 ] && echo true || echo false)"; then DJ_CHANGED=1; else info "up to date"; fi

ensure_registry
# A new docker.io package needs its daemon restarted, as does a changed daemon.json.
ensure_dockerd "$([ "$DJ_CHANGED" = 1 ] || [ "$DOCKER_PKG_CHANGED" = 1 ] && echo 1 || echo 0)"
[ "$SEED" = 1 ] && ensure_seed
ensure_python_deps
summary
say "Host ready"
