# Hard links in a lower layer: both names report the real nlink and one inode; ln to a lower file
# copies it up (index=off: the copy-up breaks the lower link, as the kernel does); modifying one name.
LOWERS="L0"

setup() {
  mkdir -p "$L0"/bin "$L0"/sbin
  echo "busybox v1" >"$L0"/bin/busybox
  ln "$L0"/bin/busybox "$L0"/bin/sh
  ln "$L0"/bin/busybox "$L0"/sbin/init
  echo "plain" >"$L0"/bin/plain
  echo "pair" >"$L0"/bin/left
  ln "$L0"/bin/left "$L0"/bin/right
}

run() {
  t 'stat -c "%n %h %s" bin/busybox bin/sh sbin/init bin/plain'
  t '[ "$(stat -c %i bin/busybox)" = "$(stat -c %i bin/sh)" ] && echo same inode'
  t 'ln bin/plain bin/plain2'
  t 'stat -c "%n %h" bin/plain bin/plain2'
  t '[ "$(stat -c %i bin/plain)" = "$(stat -c %i bin/plain2)" ] && echo same inode'
  t 'echo "patched" >>bin/sh'
  t 'cat bin/busybox bin/sh sbin/init'
  t 'stat -c "%n %h" bin/busybox bin/sh sbin/init'
  t 'ln sbin/init sbin/init2 && echo more >>sbin/init2'
  t 'cat sbin/init sbin/init2 bin/busybox'
  t 'rm bin/busybox && stat -c "%n %h" sbin/init'
  t 'echo x >>bin/plain2 && cat bin/plain'
  t 'ln bin missing-dir-link'
  # two names of a lower hard link are two inodes on the kernel (index=off): rename is a real rename
  t 'perl -e "rename(q(bin/left), q(bin/right)) or die qq(rename: \$!\n)" && ls bin && cat bin/right'
}
