# A read-only mount (no upperdir; two lowers, as the kernel needs): reads merge, every write is EROFS.
LOWERS="L0 L1"
RO=1

setup() {
  mkdir -p "$L1"/etc "$L0"/etc
  echo base >"$L1"/etc/base
  echo top >"$L0"/etc/top
  echo shadowed >"$L1"/etc/both
  echo winner >"$L0"/etc/both
  ln -s base "$L1"/etc/link
}

run() {
  t 'ls -1A etc && cat etc/base etc/top etc/both etc/link'
  t 'echo x >etc/new'
  t 'echo x >>etc/base'
  t 'rm etc/top'
  t 'mkdir etc/d'
  t 'touch etc/base'
  t 'chmod 600 etc/base'
  t 'mv etc/base etc/moved'
  t 'ln etc/base etc/hard'
  t 'ln -s x etc/sym'
  t 'mkfifo etc/fifo'
  t 'setfattr -n user.a -v 1 etc/base'
  t 'truncate -s 0 etc/base'
  t 'rmdir etc'
  t 'test -w etc/base && echo writable || echo not writable'
  t 'cat etc/base'
}
