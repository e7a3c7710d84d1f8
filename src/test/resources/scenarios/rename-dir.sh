# Renames of directories: a lower directory (the kernel answers rename(2) with EXDEV by default and mv
# falls back to copying), a merged one, an upper-only one, and a directory over an empty lower one.
LOWERS="L0 L1"

setup() {
  mkdir -p "$L1"/lowerdir/sub "$L1"/merged "$L0"/merged/top "$L1"/emptylower
  echo a >"$L1"/lowerdir/a
  echo b >"$L1"/lowerdir/sub/b
  ln -s a "$L1"/lowerdir/link
  chmod 751 "$L1"/lowerdir/sub
  echo m1 >"$L1"/merged/m1
  echo m2 >"$L0"/merged/top/m2
}

run() {
  t 'perl -e '\''rename("lowerdir", "renamed") or die "rename: $!\n"'\'''
  t 'mv lowerdir renamed'
  t 'ls -1AR renamed'
  t 'ls -1A'
  t 'perl -e '\''rename("merged", "merged2") or die "rename: $!\n"'\'''
  t 'mv merged merged2 && ls -1AR merged2'
  t 'mkdir -p fresh/inner && echo f >fresh/inner/f'
  t 'perl -e '\''rename("fresh", "fresh2") or die "rename: $!\n"'\'''
  t 'ls -1AR fresh2'
  t 'perl -e '\''rename("fresh2", "emptylower") or die "rename: $!\n"'\'''
  t 'ls -1AR emptylower'
  t 'mv renamed/sub renamed/sub2 && ls -1A renamed'
}
