# shellcheck shell=bash
# Common functions of the mounted-test harnesses (diffrun, nsrun). Sourced, never run.
#
# Everything here is meant to run INSIDE a private mount + pid namespace (see ns_enter), so that no
# mount can leak to the host and every process we start dies with the namespace.

# The repository root, found from this file's location (src/test/sh/lib.sh).
REPO="$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/../../.." && pwd)"
# The mount program under test (overridable, e.g. to test a snapshot of the jar while sources change).
FUSE_OVERLAY="${FUSE_OVERLAY:-$REPO/fuse-overlay}"
export LC_ALL=C

# ns_enter TIMEOUT_SECONDS CMD ARGS...: runs CMD in a fresh private mount namespace and pid namespace
# (CMD is pid 1 there: when it exits, the kernel kills every process we started and the namespace's
# mounts vanish). The whole run is bounded by TIMEOUT_SECONDS.
ns_enter() {
  local secs=$1
  shift
  timeout --kill-after=10 "$secs" \
    unshare --mount --pid --fork --kill-child --mount-proc --propagation private "$@"
}

# Whether an xattr line ("name=value") is worth comparing. Left out: what the kernel writes for its own
# bookkeeping (origin, impure, uuid, upper: handles differ from run to run) and fuse-overlay's private
# trusted.overlay.fuseoverlay.* / user.fuseoverlayfs.*; kept: opaque, redirect, nlink, metacopy, escaped names
# (trusted.overlay.overlay.*, set through a mount), every user.* and every other namespace.
xattr_kept() {
  case "$1" in
    trusted.overlay.opaque=* | trusted.overlay.redirect=* | user.overlay.opaque=* | user.overlay.redirect=*) return 0 ;;
    trusted.overlay.nlink=* | trusted.overlay.metacopy=* | user.overlay.nlink=* | user.overlay.metacopy=*) return 0 ;;
    trusted.overlay.overlay.*) return 0 ;;
    trusted.overlay.* | user.overlay.* | user.fuseoverlayfs.*) return 1 ;;
  esac
  return 0
}

# dump DIR KIND: one line per entry below DIR, sorted by path (LC_ALL=C), then the hard-link groups.
#   KIND=merged|upper: type mode uid:gid nlink, size+sha256 (files), target (symlinks), rdev (devices),
#   xattrs; no timestamps, no inode numbers (hard links are reported as groups instead).
#   KIND=lower: also inode numbers, mtime and ctime: a fingerprint that changes if anything is written.
# Whiteouts (0/0 character devices) show no nlink outside KIND=lower: the kernel links all the whiteouts
# of an upper layer to one shared inode (its whiteout cache), others make one node each.
# Few processes per dump (one find, one sha256sum batch, one recursive getfattr), so big trees are quick.
dump() {
  local root=$1 kind=$2
  (
    cd "$root" || { echo "dump: cannot enter $root"; exit 1; }
    local depth=1 links rec p line name
    [ "$kind" = lower ] && depth=0
    links="$(mktemp)"
    # content checksums: "HASH  PATH\0" records, names unescaped (-z)
    declare -A SHA XA
    while IFS= read -r -d '' rec; do
      SHA["${rec:66}"]="${rec:0:16}"
    done < <(find . -mindepth "$depth" -type f -print0 | xargs -0 -r sha256sum -z --)
    # xattrs: getfattr writes "# file: NAME" with \ooo escapes (every backslash starts one)
    p=
    while IFS= read -r line; do
      case "$line" in
        '# file: '*)
          name="${line#'# file: '}"
          printf -v p '%b' "${name//\\/\\0}"
          ;;
        '') p= ;;
        *) [ -n "$p" ] && xattr_kept "$line" && XA["$p"]+="${XA["$p"]:+ }$line" ;;
      esac
    done < <(getfattr -R -h -d -m - -e hex --absolute-names . 2>/dev/null)
    find . -mindepth "$depth" -printf '%p\0%y\0%m\0%U:%G\0%s\0%n\0%i\0%l\0%T@ %C@\0%D\0' |
      while IFS= read -r -d '' p && IFS= read -r -d '' y && IFS= read -r -d '' m && IFS= read -r -d '' ug &&
        IFS= read -r -d '' s && IFS= read -r -d '' n && IFS= read -r -d '' i && IFS= read -r -d '' l &&
        IFS= read -r -d '' times && IFS= read -r -d '' dev; do
        local qp ql rdev=
        printf -v qp '%q' "$p"
        case $y in c | b) rdev="$(stat -c '%Hr:%Lr' -- "$p")" ;; esac
        if [ "$y:$rdev" = c:0:0 ] && [ "$kind" != lower ]; then
          line="$qp $y $m $ug whiteout"
          n=whiteout
        else
          line="$qp $y $m $ug nlink=$n"
        fi
        case $y in
          f) line+=" size=$s sha256=${SHA["$p"]:-unreadable}" ;;
          l) printf -v ql '%q' "$l"; line+=" -> $ql" ;;
          c | b) line+=" rdev=$rdev" ;;
        esac
        [ "$kind" = lower ] && line+=" ino=$i times=$times"
        if [ -n "${XA["$p"]:-}" ]; then
          # sorted names: one line per xattr, sorted, joined again
          line+=" xattr: $(tr ' ' '\n' <<<"${XA["$p"]}" | sort | tr '\n' ' ')"
          line="${line% }"
        fi
        printf '%s\n' "$line"
        # hard-link bookkeeping on a side channel (fd 3): device:inode and path of every non-directory
        # (st_dev too: kernel overlayfs with xino=off tells layers on other filesystems apart by st_dev alone)
        [ "$y" != d ] && [ "$n" != whiteout ] && printf '%s:%s\t%s\n' "$dev" "$i" "$qp" >&3
      done 3>"$links" | sort
    # paths sharing an inode: one line per group
    sort "$links" | awk -F'\t' '
      $1 "" == prev { grp = grp " " $2; cnt++; next }
      { if (cnt > 1) print "hardlinks: " grp; prev = $1; grp = $2; cnt = 1 }
      END { if (cnt > 1) print "hardlinks: " grp }' | sort
    rm -f "$links"
  )
}

# inodes DIR [NONDIR]: "path ino" of every entry (of every non-directory when NONDIR=1), for the
# st_ino-stable-across-remount check.
inodes() {
  local notdir=()
  [ "${2:-0}" = 1 ] && notdir=('!' -type d)
  (cd "$1" && find . "${notdir[@]}" -printf '%p\0%i\0' | while IFS= read -r -d '' p && IFS= read -r -d '' i; do
    local qp
    printf -v qp '%q' "$p"
    printf '%s %s\n' "$qp" "$i"
  done | sort)
}

# fingerprint DIR: one hash of a lower-style dump (changes if anything below DIR is written).
fingerprint() { dump "$1" lower | sha256sum | cut -c1-16; }

# server_pids MNT: the fuse-overlay server processes serving MNT (in our pid namespace: ours alone).
server_pids() {
  local mnt=$1 f
  for f in /proc/[0-9]*/cmdline; do
    local pid=${f#/proc/}
    pid=${pid%/cmdline}
    [ "$pid" = "$$" ] && continue
    local args=()
    mapfile -d '' -t args <"$f" 2>/dev/null || continue
    [ ${#args[@]} -gt 2 ] || continue
    local a serve=0 at=0
    for a in "${args[@]}"; do
      [ "$a" = --serve ] && serve=1
      [ "$a" = "$mnt" ] && at=1
    done
    [ $serve = 1 ] && [ $at = 1 ] && echo "$pid"
  done
}

# mounts_under DIR: "MOUNTPOINT FSTYPE" of every mount at or below DIR (paths without odd bytes).
mounts_under() {
  awk -v d="$1" '{
    for (i = 7; i <= NF; i++) if ($i == "-") break
    if ($5 == d || index($5, d "/") == 1) print $5, $(i + 1)
  }' /proc/self/mountinfo
}

# is_mounted MNT: whether something is mounted exactly at MNT (absolute path without odd bytes).
is_mounted() { awk -v m="$1" '$5 == m { found = 1 } END { exit !found }' /proc/self/mountinfo; }
