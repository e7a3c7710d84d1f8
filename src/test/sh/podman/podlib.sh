# shellcheck shell=bash
# Common functions of the podman harnesses (rootful, rootless). Sourced, never run.
#
# Everything podman does here runs inside a private mount + pid namespace (ns_enter from ../lib.sh) with
# a fresh tmpfs on /run (runc's and netavark's state) and, as root, a copy-on-write /var/lib (podman's
# blob-info cache), and with its own storage.conf and containers.conf in a temporary base directory
# (CONTAINERS_STORAGE_CONF, CONTAINERS_CONF): nothing system-wide is configured or written, no mount can
# leak to the host, and every process podman starts (conmon, the mount program's servers, rootless
# podman's pause process) dies with the namespace.

# shellcheck source=../lib.sh
. "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/../lib.sh"
PODRES="$REPO/src/test/resources/podman"

# pod_config DIR DRIVER GRAPHROOT RUNROOT [ROOTLESS_STORAGE]: writes DIR/storage.conf and
# DIR/containers.conf and exports the variables that make podman and buildah use them.
#   DRIVER=fuse: overlay with this repository's mount program; DRIVER=kernel: podman's kernel overlay
#   driver, told to compute diffs the way it does with any mount program (walking the merged trees, not
#   reading the upper directory): its cached "native-diff" check is pre-seeded to false. So podman diff,
#   commit and build run the very same algorithm on both, and only the filesystem differs.
# The machine facts behind containers.conf: crun 1.8.1 fails on this hybrid cgroup layout (runc), limits
# cannot be raised to podman's defaults (default_ulimits), no network (netns none); runroot must stay
# short (at most 50 characters) or container cleanup silently breaks.
pod_config() {
  local dir=$1 driver=$2 graph=$3 run=$4 rootless=${5:-}
  mkdir -p "$dir" "$graph" "$run"
  [ ${#run} -le 50 ] || { echo "pod_config: runroot $run is longer than 50 characters" >&2; return 1; }
  {
    echo '[storage]'
    echo 'driver = "overlay"'
    echo "graphroot = \"$graph\""
    echo "runroot = \"$run\""
    [ -n "$rootless" ] && echo "rootless_storage_path = \"$rootless\""
    echo '[storage.options.overlay]'
    [ "$driver" = fuse ] && echo "mount_program = \"$FUSE_OVERLAY\""
  } >"$dir/storage.conf"
  cat >"$dir/containers.conf" <<CONF
[containers]
netns = "none"
default_ulimits = ["nofile=20000:20000", "nproc=32768:32768"]
[engine]
runtime = "runc"
cgroup_manager = "cgroupfs"
events_logger = "file"
tmp_dir = "$dir/tmp"
image_copy_tmp_dir = "$dir/tmp"
[network]
network_config_dir = "$dir/net"
CONF
  mkdir -p "$dir/tmp" "$dir/net"
  if [ "$driver" = kernel ]; then
    mkdir -p "$run/overlay"
    echo "PodmanIT: naive diff, as with a mount program" >"$run/overlay/native-diff()-false"
  fi
  export CONTAINERS_STORAGE_CONF="$dir/storage.conf" CONTAINERS_CONF="$dir/containers.conf"
  export TMPDIR="$dir/tmp"
}

# p ARGS...: podman with a time limit; a failure is recorded in $OUT/errors.txt (the test fails on it).
p() {
  local rc t0=${EPOCHREALTIME/./}
  timeout --kill-after=10 "${POD_TIMEOUT:-180}" podman "$@"
  rc=$?
  printf '[podman %s: %s ms, rc=%s]\n' "$1" "$(((${EPOCHREALTIME/./} - t0) / 1000))" "$rc" >&2
  [ $rc -eq 0 ] || printf 'podman %s: exit status %s\n' "$*" "$rc" >>"$OUT/errors.txt"
  return $rc
}

# b ARGS...: the same for buildah.
b() {
  local rc t0=${EPOCHREALTIME/./}
  timeout --kill-after=10 "${POD_TIMEOUT:-180}" buildah "$@"
  rc=$?
  printf '[buildah %s: %s ms, rc=%s]\n' "$1" "$(((${EPOCHREALTIME/./} - t0) / 1000))" "$rc" >&2
  [ $rc -eq 0 ] || printf 'buildah %s: exit status %s\n' "$*" "$rc" >>"$OUT/errors.txt"
  return $rc
}

fail() { printf '%s\n' "$*" >>"$OUT/errors.txt"; echo "FAIL: $*" >&2; }

# fstype_at DIR: the filesystem type mounted exactly at DIR in this mount namespace (empty if none).
fstype_at() {
  awk -v m="$1" '{ for (i = 7; i <= NF; i++) if ($i == "-") break; if ($5 == m) t = $(i + 1) } END { print t }' \
    /proc/self/mountinfo
}

# fuse_or_overlay_mounts: "MOUNTPOINT FSTYPE" of every FUSE or overlay mount in this mount namespace
# but the harness's own private /var/lib (source podman-var-lib).
fuse_or_overlay_mounts() {
  awk '{ for (i = 7; i <= NF; i++) if ($i == "-") break; t = $(i + 1)
         if ((t == "overlay" || t ~ /^fuse/) && $(i + 2) != "podman-var-lib") print $5, t }' /proc/self/mountinfo
}

# wait_gone PID...: waits up to 10 s for the processes to exit; prints those still alive.
wait_gone() {
  local i pid alive
  for i in $(seq 100); do
    alive=
    for pid in "$@"; do [ -d "/proc/$pid" ] && alive="$alive $pid"; done
    [ -z "$alive" ] && return 0
    sleep 0.1
  done
  echo "$alive"
}

# other_processes: "PID ARGS" of every process of this pid namespace except the harness's own: pid 1
# (the namespace's init is the harness) and the shells running $HARNESS_SELF (this one, its subshells).
other_processes() {
  local f args
  for f in /proc/[0-9]*; do
    [ "$f" = /proc/1 ] && continue
    args=()
    mapfile -d '' -t args <"$f/cmdline" 2>/dev/null || continue
    [ ${#args[@]} -eq 0 ] && continue
    case " ${args[*]} " in *" $HARNESS_SELF "*) continue ;; esac
    echo "${f#/proc/} ${args[*]}"
  done
}
