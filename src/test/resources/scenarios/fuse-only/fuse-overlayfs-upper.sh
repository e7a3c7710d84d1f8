# An upper layer written by fuse-overlayfs (Debian's 1.10: 0/0 whiteouts, opaque directories marked
# with both trusted.overlay.opaque and a .wh..wh..opq file, plus .wh..opq nodes) is read by fuse-overlay
# and written further. Kernel overlayfs shows fuse-overlayfs's marker files, so this runs on fuse-overlay
# only and its transcript is compared with fuse-overlayfs-upper.expected.
LOWERS="L0"
NO_KERNEL_REMOUNT=1

setup() {
  mkdir -p "$L0"/d/sub "$L0"/keepdir
  echo a >"$L0"/d/a
  echo b >"$L0"/d/sub/b
  echo c >"$L0"/c
  ln "$L0"/c "$L0"/c2
  echo keep >"$L0"/keepdir/keep
  # let fuse-overlayfs write the upper
  mkdir -p "$B"/fo-mnt "$B"/fo-work
  fuse-overlayfs -f -o lowerdir="$L0",upperdir="$U",workdir="$B"/fo-work "$B"/fo-mnt 2>/dev/null &
  local pid=$! i
  for i in $(seq 100); do is_mounted "$B"/fo-mnt && break; sleep 0.1; done
  is_mounted "$B"/fo-mnt
  (
    cd "$B"/fo-mnt
    rm d/a
    rm -rf d/sub
    mkdir d/sub
    echo n >d/sub/n
    rm c
    echo x >>c2
    mkdir newdir
    echo f >newdir/f
    mv d d2
  )
  fusermount3 -u "$B"/fo-mnt
  wait $pid
  rm -rf "$B"/fo-work
}

run() {
  t 'find . -print0 | sort -z | xargs -0 printf "%q\n"'
  t 'cat c2 d2/sub/n newdir/f keepdir/keep'
  t 'ls -1A d2 d2/sub newdir'
  t 'cat c; ls d'
  t 'rm d2/sub/n && rmdir d2/sub && ls -1A d2'
  t 'echo again >c && cat c'
  t 'mkdir d && ls -1A d'
  t 'rm -rf newdir && ls -1A'
  t 'find . -print0 | sort -z | xargs -0 printf "%q\n"'
  t 'cd "$U" && find . -print0 | sort -z | xargs -0 stat -c "%n %F"'
}
