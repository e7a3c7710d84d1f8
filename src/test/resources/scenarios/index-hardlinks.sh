# index=on, on both: lower hard links stay one inode after copy-up of any of their names (the copy goes
# to workdir/index/<origin handle> and upper names are hard links to it); nlink counts merged names through
# link, rm and remount; the last rm takes the index entry away. The kernel then mounts fuse-overlay's upper
# AND its index (same workdir) and must show the same tree.
LOWERS="L0"

opts() { echo "index=on"; }

setup() {
  mkdir -p "$L0"/bin "$L0"/sbin "$L0"/etc
  echo "busybox v1" >"$L0"/bin/busybox
  ln "$L0"/bin/busybox "$L0"/bin/sh
  ln "$L0"/bin/busybox "$L0"/sbin/init
  echo "conf" >"$L0"/etc/a.conf
  ln "$L0"/etc/a.conf "$L0"/etc/b.conf
  echo "plain" >"$L0"/etc/plain
}

same() { [ "$(stat -c %i "$1")" = "$(stat -c %i "$2")" ] && echo "same inode: $1 $2" || echo "DIFFERENT inodes: $1 $2"; }
# index entries (hex names; the kernel also keeps its whiteout cache "#..." there)
nindex() { echo "index entries: $(ls "$W"/index | grep -E '^[0-9a-f]+$' | wc -l)"; }
export -f same nindex

run() {
  t 'stat -c "%n %h %s" bin/busybox bin/sh sbin/init etc/a.conf etc/plain'
  # index=on refuses offline changes: a new directory in a merged one is opaque, as the kernel makes it
  t 'mkdir etc/new.d && { getfattr -n trusted.overlay.opaque --only-values "$U/etc/new.d" 2>/dev/null || echo none; }'
  t 'same bin/busybox bin/sh; same bin/sh sbin/init'
  t 'echo "patched" >>bin/sh'
  t 'cat bin/busybox bin/sh sbin/init'
  t 'stat -c "%n %h %s" bin/busybox bin/sh sbin/init'
  t 'same bin/busybox bin/sh; same bin/sh sbin/init'
  t 'nindex'
  t 'ln sbin/init sbin/init2 && echo more >>sbin/init2 && cat bin/busybox && stat -c "%n %h" bin/sh sbin/init2'
  t 'rm bin/busybox && stat -c "%n %h" sbin/init bin/sh sbin/init2 && ls bin'
  # a write through an open file of one name shows under the other, looked up while the file was open
  # (the devfuse engine's passthrough would not tell the other name's node)
  t 'echo first >>etc/a.conf; echo 3 >/proc/sys/vm/drop_caches; exec 3>>etc/a.conf; stat -c "%n %s" etc/b.conf; echo more-data-through-fd >&3; stat -c "%n %s" etc/b.conf; exec 3>&-; cat etc/b.conf'
  t 'chmod 600 etc/b.conf && stat -c "%n %h %a" etc/a.conf etc/b.conf && same etc/a.conf etc/b.conf'
  t 'mv etc/plain etc/a.conf && stat -c "%n %h" etc/b.conf etc/a.conf && cat etc/a.conf'
  cd "$B" && ovl_umount "$M" && ovl_mount "$M" "$L0" "$U" "$W" >/dev/null && cd "$M" || return
  t 'echo remounted; cat bin/sh sbin/init sbin/init2'
  t 'stat -c "%n %h %s" bin/sh sbin/init sbin/init2 etc/b.conf'
  t 'same bin/sh sbin/init; same sbin/init sbin/init2'
  t '[ "$(stat -c %i bin/sh)" = "$(stat -c %i "$L0"/bin/sh)" ] && echo "st_ino: the lower inode number"'
  t 'rm bin/sh sbin/init && stat -c "%n %h" sbin/init2 && nindex'
  t 'rm sbin/init2 etc/b.conf && ls -A bin sbin etc && nindex'
}
