# xattr_permissions=2 (owners and modes in user.fuseoverlayfs.override_stat, "UID:GID:OCTAL-MODE"), both
# ways with fuse-overlayfs 1.10: an upper layer fuse-overlayfs wrote with the option shows the same owners
# and modes under fuse-overlay with the option, and one fuse-overlay wrote shows the same under
# fuse-overlayfs. The operations avoid fuse-overlayfs 1.10's own slips with the option (it stores new files'
# modes without the umask, loses the owner on a chmod after a chown, and writes uid -1 on chgrp).
LOWERS="L0"
NOMOUNT=1
NO_KERNEL_REMOUNT=1

setup() {
  mkdir -p "$L0"/d "$L0"/keep
  echo hi >"$L0"/f && chown 5:6 "$L0"/f && chmod 640 "$L0"/f
  echo g >"$L0"/d/g && chmod 604 "$L0"/d/g
  chmod 750 "$L0"/d
  echo k >"$L0"/keep/k && chown 1:2 "$L0"/keep/k
}

opts() { echo xattr_permissions=2; }

VIEW='. f d d/g keep keep/k new nd nd/inner'

# fo_mount UPPER WORK: fuse-overlayfs with the option on $M
fo_mount() {
  mkdir -p "$1" "$2"
  fuse-overlayfs -o lowerdir="$L0",upperdir="$1",workdir="$2",xattr_permissions=2 "$M" 2>/dev/null
}

view() { (cd "$M" && for p in $VIEW; do [ -e "$p" ] && stat -c '%n %F %u:%g %a' -- "$p"; done) }

changes() {
  (
    cd "$M" || exit 1
    umask 022
    echo more >>f && chmod 600 f && chown 7:8 f
    chmod 711 d && chown 9:9 d
    chmod 644 d/g
    echo n >new && chmod 604 new && chown 11:12 new
    mkdir nd && chmod 751 nd && chown 13:14 nd && mkdir nd/inner && chmod 700 nd/inner
  )
}

run() {
  # fuse-overlayfs writes, fuse-overlay reads
  fo_mount "$B/fo/upper" "$B/fo/work"
  t 'changes && view >"$B/fo.view" && cat "$B/fo.view"'
  fusermount3 -u "$M"
  t '(cd "$B/fo/upper" && for p in . f d new nd; do echo "$p $(getfattr --only-values -n user.fuseoverlayfs.override_stat "$p")"; done)'
  ovl_mount "$M" "$L0" "$B/fo/upper" "$B/fo/work2"
  t 'view | diff "$B/fo.view" - && echo same as fuse-overlayfs showed'
  t '(cd "$M" && getfattr -d -m - f new; setfattr -n user.fuseoverlayfs.override_stat -v 0:0:777 f; setfattr -x user.fuseoverlayfs.override_stat f)'
  ovl_umount "$M"
  # fuse-overlay writes, fuse-overlayfs reads
  ovl_mount "$M" "$L0" "$U" "$W"
  t 'changes && view >"$B/ours.view" && cat "$B/ours.view"'
  t 'diff "$B/fo.view" "$B/ours.view" && echo the same changes show the same'
  ovl_umount "$M"
  t '(cd "$U" && for p in . f d new nd nd/inner; do echo "$p $(getfattr --only-values -n user.fuseoverlayfs.override_stat "$p")"; done)'
  t '(cd "$U" && stat -c "%n %u:%g %a" new nd nd/inner)'
  mkdir -p "$B/fo-work3"
  fuse-overlayfs -o lowerdir="$L0",upperdir="$U",workdir="$B/fo-work3",xattr_permissions=2 "$M" 2>/dev/null
  t 'view | diff "$B/ours.view" - && echo same as fuse-overlay showed'
  fusermount3 -u "$M"
  # and the mount that left it stays mounted for the harness's final checks
  ovl_mount "$M" "$L0" "$U" "$W"
}
