# Renames of files across layers: a lower file to a new name, over an existing lower file, an upper
# file over a lower one, into another directory, and back over its own whiteout.
LOWERS="L0 L1"

setup() {
  mkdir -p "$L1"/dir "$L1"/other "$L0"/dir
  echo one >"$L1"/dir/one
  echo two >"$L1"/dir/two
  echo three >"$L0"/dir/three
  echo target >"$L1"/other/target
  echo keep >"$L1"/dir/keep
  chmod 600 "$L1"/dir/two
}

run() {
  t 'mv dir/one dir/uno'
  t 'ls -1A dir'
  t 'mv dir/two other/target'
  t 'cat other/target && stat -c "%n %a" other/target'
  t 'echo new >dir/new && mv dir/new dir/three'
  t 'cat dir/three'
  t 'mv dir/three other/'
  t 'mv dir/uno dir/one'
  t 'cat dir/one'
  t 'ls -1A dir other'
  t 'mv dir/missing dir/x'
  t 'mv dir/keep dir/keep'
  t 'perl -e '\''rename("dir/keep", "dir") or die "rename: $!\n"'\'''
  t 'perl -e '\''rename("dir", "dir/keep") or die "rename: $!\n"'\'''
}
