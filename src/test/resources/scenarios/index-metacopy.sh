# index=on and metacopy=on together, on both: a metadata change on a lower hard link copies its metadata
# only, to the index (workdir/index), and every name sees it; the first write brings the data up for all
# names; ln, rm and remount keep the count. The kernel reads fuse-overlay's upper and index the same way.
LOWERS="L0"

opts() { echo "index=on,metacopy=on"; }

setup() {
  mkdir -p "$L0"/bin "$L0"/usr/bin
  head -c 300000 /dev/zero | tr '\0' 'b' >"$L0"/bin/busybox
  ln "$L0"/bin/busybox "$L0"/bin/sh
  ln "$L0"/bin/busybox "$L0"/usr/bin/env
  echo "solo" >"$L0"/bin/solo
}

same() { [ "$(stat -c %i "$1")" = "$(stat -c %i "$2")" ] && echo "same inode: $1 $2" || echo "DIFFERENT inodes: $1 $2"; }
export -f same

run() {
  t 'chown 1:2 bin/sh && chmod 750 bin/solo && stat -c "%n %h %U:%G %a %s" bin/busybox bin/sh usr/bin/env bin/solo'
  t 'same bin/busybox usr/bin/env && md5sum usr/bin/env && [ "$(du -sk "$U" | cut -f1)" -lt 100 ] && echo "upper: no data"'
  t 'ln usr/bin/env usr/bin/env2 && stat -c "%n %h" bin/sh usr/bin/env2 && cat bin/solo'
  t 'echo tail >>usr/bin/env && tail -c 5 bin/busybox && stat -c "%n %h %s" bin/sh usr/bin/env2'
  t 'rm bin/busybox && stat -c "%n %h" bin/sh usr/bin/env'
  cd "$B" && ovl_umount "$M" && ovl_mount "$M" "$L0" "$U" "$W" >/dev/null && cd "$M" || return
  t 'stat -c "%n %h %U:%G %a %s" bin/sh usr/bin/env usr/bin/env2 bin/solo && same bin/sh usr/bin/env2'
  t 'tail -c 5 bin/sh && cat bin/solo'
}
