# rmdir: ENOTEMPTY for a non-empty merged directory (entries in any layer), success once every entry is
# gone, ENOTDIR on a file, rmdir of a lower-only empty directory and of the mount's root.
LOWERS="L0 L1"

setup() {
  mkdir -p "$L1"/merged "$L0"/merged "$L1"/loweronly/sub "$L1"/empty "$L0"/top/empty
  echo a >"$L1"/merged/a
  echo b >"$L0"/merged/b
  echo c >"$L1"/loweronly/sub/c
}

run() {
  t 'rmdir merged'
  t 'rm merged/b && rmdir merged'
  t 'rm merged/a && rmdir merged && ls -1A'
  t 'rmdir loweronly'
  t 'rmdir loweronly/sub'
  t 'rm loweronly/sub/c && rmdir loweronly/sub loweronly && ls -1A'
  t 'rmdir empty top/empty && ls -1A . top'
  t 'rmdir top/missing'
  t 'echo f >file && rmdir file'
  t 'rmdir .'
  t 'mkdir -p new/a/b && rmdir new'
  t 'rm -r new && ls -1A'
  t 'mkdir merged && ls -1A merged'
}
