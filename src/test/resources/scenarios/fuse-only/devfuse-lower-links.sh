# engine=devfuse with index=on: each name of a lower hard link is a kernel inode of its own (FUSE tells
# only the inode, and copy-up must know the name used), so a change through one name must reach what the
# kernel caches for the others: attributes, link counts, and the pages of the next open of another name
# (a same-size overwrite, which no size change reveals). devfuse-lower-links.expected is kernel overlayfs'
# transcript (index=on) of the same steps; the scenario asks for engine=devfuse, whose node table this is.
LOWERS="L0"

opts() { echo "engine=devfuse,index=on"; }

setup() {
  mkdir -p "$L0"/bin "$L0"/sbin
  echo "busybox v1" >"$L0"/bin/busybox
  ln "$L0"/bin/busybox "$L0"/bin/sh
  ln "$L0"/bin/busybox "$L0"/sbin/init
}

run() {
  t 'cat bin/busybox bin/sh sbin/init && stat -c "%n %h %s" bin/busybox bin/sh sbin/init'
  t 'chown 1:2 sbin/init && chmod 640 sbin/init && stat -c "%n %h %u:%g %a" bin/busybox bin/sh sbin/init'
  t 'cat sbin/init >/dev/null && printf XY | dd of=bin/sh conv=notrunc status=none && head -c 4 sbin/init && echo'
  t 'cat bin/busybox && stat -c "%n %h %s" bin/busybox sbin/init'
  t 'echo tail >>bin/busybox && cat sbin/init && stat -c "%n %s" bin/sh sbin/init'
  t 'truncate -s 4 sbin/init && cat bin/sh && echo && stat -c "%n %s" bin/busybox'
  t 'touch -d @1000000000 bin/sh && stat -c "%n %Y" bin/busybox sbin/init'
  t 'ln sbin/init sbin/init2 && stat -c "%n %h" bin/busybox bin/sh sbin/init sbin/init2'
  t 'rm bin/busybox && mv bin/sh bin/sh2 && stat -c "%n %h" sbin/init sbin/init2 bin/sh2'
}
