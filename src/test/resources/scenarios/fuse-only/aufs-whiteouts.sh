# Layers in the AUFS/OCI format (as image tools and fuse-overlayfs write them): .wh.NAME files hide NAME
# in the layers below, .wh..wh..opq makes a directory opaque, in a lower layer and in a pre-populated
# upper. Kernel overlayfs does not read this format (it would show the .wh. files), so this scenario runs
# on fuse-overlay only and its transcript is compared with aufs-whiteouts.expected.
LOWERS="L0 L1" # L0: an OCI layer over the base layer L1
NO_KERNEL_REMOUNT=1

setup() {
  mkdir -p "$L1"/etc "$L1"/usr/lib "$L1"/opt/app "$L1"/var/cache "$L1"/var/log
  echo "root:x:0:0" >"$L1"/etc/passwd
  echo "root:*:0" >"$L1"/etc/shadow
  echo "welcome" >"$L1"/etc/motd
  echo "a" >"$L1"/usr/lib/liba
  echo "b" >"$L1"/usr/lib/libb
  echo "bin" >"$L1"/opt/app/bin
  echo "x" >"$L1"/var/cache/x
  echo "log" >"$L1"/var/log/syslog
  # the OCI layer: removes motd, libb and opt/app, replaces var/cache, adds etc/issue
  mkdir -p "$L0"/etc "$L0"/usr/lib "$L0"/opt "$L0"/var/cache
  touch "$L0"/etc/.wh.motd "$L0"/usr/lib/.wh.libb "$L0"/opt/.wh.app "$L0"/var/cache/.wh..wh..opq
  echo "z" >"$L0"/var/cache/z
  echo "Debian" >"$L0"/etc/issue
  # an upper written in the same format: removes shadow and liba, makes var opaque
  mkdir -p "$U"/etc "$U"/usr/lib "$U"/var
  touch "$U"/etc/.wh.shadow "$U"/usr/lib/.wh.liba "$U"/var/.wh..wh..opq
  echo "new" >"$U"/var/new
}

run() {
  t 'find . -print0 | sort -z | xargs -0 printf "%q\n"'
  t 'cat etc/passwd etc/issue var/new'
  t 'cat etc/motd'
  t 'cat etc/shadow'
  t 'ls usr/lib/liba usr/lib/libb opt/app var/cache var/log'
  t 'stat -c %n etc/.wh.motd'
  t 'cat etc/.wh.shadow'
  t 'ls -1A opt usr/lib var'
  t 'echo "root:!:0" >etc/shadow && cat etc/shadow'
  t 'echo "again" >etc/motd && cat etc/motd'
  t 'mkdir opt/app && ls -1A opt/app'
  t 'mkdir var/cache && ls -1A var/cache'
  t 'rm etc/passwd && ls -1A etc'
  t 'rm -rf var && mkdir var && ls -1A var'
  t 'touch etc/.wh.new'
  t 'mkdir etc/.wh..wh..opq'
  t 'rmdir usr/lib'
  t 'find . -print0 | sort -z | xargs -0 printf "%q\n"'
  t 'cd "$U" && find . -print0 | sort -z | xargs -0 stat -c "%n %F"'
}
