# index=on, the other way round: kernel overlayfs writes an upper layer and index (copy-up of a lower hard
# link, ln, rm, chmod), then the implementation under test mounts that upper and workdir with index=on and
# must see one inode per lower hard link, the kernel's nlink bookkeeping and its index entries, and keep
# them up to date as the kernel would.
LOWERS="L0"
NOMOUNT=1

opts() { echo "index=on"; }

setup() {
  mkdir -p "$L0"/bin "$L0"/sbin "$L0"/etc
  echo "busybox v1" >"$L0"/bin/busybox
  ln "$L0"/bin/busybox "$L0"/bin/sh
  ln "$L0"/bin/busybox "$L0"/sbin/init
  echo "conf" >"$L0"/etc/a.conf
  ln "$L0"/etc/a.conf "$L0"/etc/b.conf
}

same() { [ "$(stat -c %i "$1")" = "$(stat -c %i "$2")" ] && echo "same inode: $1 $2" || echo "DIFFERENT inodes: $1 $2"; }
nindex() { echo "index entries: $(ls "$W"/index | grep -E '^[0-9a-f]+$' | wc -l)"; }
export -f same nindex

run() {
  # written by the kernel, whichever implementation is under test
  mkdir -p "$M"
  do_mount kernel "$M" "$L0" "$U" "$W" || { echo "kernel mount failed"; return; }
  (cd "$M" && echo patched >>bin/sh && ln bin/sh bin/sh2 && rm sbin/init && chmod 600 etc/b.conf)
  do_umount kernel "$M"
  ovl_mount "$M" "$L0" "$U" "$W" >/dev/null && cd "$M" || return
  t 'cat bin/busybox bin/sh bin/sh2'
  t 'stat -c "%n %h %s %a" bin/busybox bin/sh bin/sh2 etc/a.conf etc/b.conf'
  t 'same bin/busybox bin/sh; same bin/sh bin/sh2; same etc/a.conf etc/b.conf'
  t '[ "$(stat -c %i bin/sh)" = "$(stat -c %i "$L0"/bin/sh)" ] && echo "st_ino: the lower inode number"'
  t 'ls sbin; nindex'
  t 'echo more >>bin/busybox && cat bin/sh2 && stat -c "%n %h" bin/busybox bin/sh'
  t 'echo conf2 >>etc/a.conf && cat etc/b.conf && stat -c "%n %h" etc/a.conf'
  t 'ln etc/a.conf etc/c.conf && stat -c "%n %h" etc/b.conf etc/c.conf'
  t 'rm bin/busybox bin/sh && stat -c "%n %h" bin/sh2 && nindex'
  t 'rm bin/sh2 && ls -A bin && nindex'
}
