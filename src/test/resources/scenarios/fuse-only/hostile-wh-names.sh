# Hostile .wh.-prefixed names in a lower layer. fuse-overlay reads every .wh.NAME entry (a file, a
# directory, a symlink to /etc, odd bytes) as an AUFS whiteout of NAME and never shows it; .wh.
# names cannot be created through the mount (EINVAL). The kernel would show these names, so this runs on
# fuse-overlay only and its transcript is compared with hostile-wh-names.expected.
LOWERS="L0 L1"
NO_KERNEL_REMOUNT=1

long251=$(printf 'w%.0s' $(seq 251))

setup() {
  mkdir -p "$L1"/etc "$L1"/dir "$L1"/bar
  echo foo >"$L1"/foo
  echo bar >"$L1"/bar/inside
  echo space >"$L1"/"with space"
  echo ff >"$L1"/$'\xff'
  echo x >"$L1"/etc/x
  echo plain >"$L1"/plain
  echo below >"$L1"/dir/below
  echo long >"$L1"/"$long251"
  echo visible >"$L1"/visible
  touch "$L0"/.wh.foo "$L0"/".wh.with space" "$L0"/.wh.$'\xff' "$L0"/.wh.nonexistent "$L0"/.wh. "$L0"/".wh.$long251"
  mkdir "$L0"/.wh.bar
  ln -s /etc "$L0"/.wh.etc
  mkdir -p "$L0"/dir
  touch "$L0"/dir/.wh..wh..opq
  echo y >"$L0"/dir/y
}

run() {
  t 'ls -1Ab'
  t 'cat foo "with space" $'\''\xff'\'' etc/x bar/inside'
  t 'ls -1A dir'
  t 'cat .wh.foo'
  t 'ls .wh.etc'
  t 'stat -c %n .wh.bar dir/.wh..wh..opq .wh.'
  t 'touch .wh.new'
  t 'mkdir .wh.d'
  t 'ln -s x .wh.l'
  t 'mkfifo .wh.p'
  t 'mv plain .wh.plain'
  t 'perl -e '\''rename("plain", ".wh.plain") or die "rename: $!\n"'\'''
  t 'ln plain .wh.h'
  t 'echo f >foo && cat foo'
  t 'mkdir bar && ls -1A bar'
  t 'rm visible && ls -1Ab'
  t 'cd "$U" && find . -print0 | sort -z | xargs -0 stat -c "%n %F"'
}
