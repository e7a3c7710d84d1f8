# Symlinks (relative, absolute, dangling, in a lower layer, replaced), FIFOs, device nodes and sockets.
LOWERS="L0"

setup() {
  mkdir -p "$L0"/lib "$L0"/dev
  echo "libc" >"$L0"/lib/libc.so.6
  ln -s libc.so.6 "$L0"/lib/libc.so
  ln -s /nonexistent/target "$L0"/lib/dangling
  ln -s ../lib "$L0"/dev/lib-up
  mkfifo "$L0"/dev/initctl
  mknod "$L0"/dev/null c 1 3
  chmod 666 "$L0"/dev/null
  perl -MSocket -e 'socket(my $s, AF_UNIX, SOCK_STREAM, 0) or die; bind($s, pack_sockaddr_un($ARGV[0])) or die "$!"' "$L0"/dev/log
}

run() {
  t 'readlink lib/libc.so lib/dangling dev/lib-up'
  t 'cat lib/libc.so dev/lib-up/libc.so.6'
  t 'cat lib/dangling'
  t 'stat -c "%n %F %a %h" lib/libc.so dev/initctl dev/null dev/log'
  t 'stat -c "%n %t:%T" dev/null'
  t 'echo discard >dev/null && cat dev/null'
  t 'ln -s libc.so.6 lib/libc.so.new && readlink lib/libc.so.new'
  t 'ln -sf /etc/hostname lib/libc.so && readlink lib/libc.so'
  t 'ln -s "$(printf "%0200d" 0)/target" lib/long-target && readlink lib/long-target | wc -c'
  t 'rm lib/dangling && ls -1A lib'
  t 'mkfifo dev/fifo2 && stat -c "%n %F %a" dev/fifo2'
  t 'mknod dev/zero c 1 5 && stat -c "%n %F %t:%T" dev/zero && head -c 4 dev/zero | od -An -tx1'
  t 'mknod dev/blk b 7 0 && stat -c "%n %F %t:%T" dev/blk'
  t '{ sleep 0.2; echo through-fifo >dev/initctl; } & timeout 10 cat dev/initctl; wait'
  t 'chmod 600 dev/initctl && stat -c "%n %a" dev/initctl'
  t 'chown -h 12:34 lib/libc.so.new && stat -c "%n %u:%g" lib/libc.so.new lib/libc.so.6'
  t 'mv dev/log dev/log.old && stat -c "%n %F" dev/log.old'
  t 'perl -MSocket -e '\''socket(my $s, AF_UNIX, SOCK_STREAM, 0) or die; bind($s, pack_sockaddr_un("dev/sock")) or die "bind: $!\n"'\'' && stat -c "%n %F %a" dev/sock'
  t 'ln dev/initctl dev/initctl.link && stat -c "%n %h %F" dev/initctl dev/initctl.link'
  t 'rm dev/null dev/initctl && ls -1A dev'
}
