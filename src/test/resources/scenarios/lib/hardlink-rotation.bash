# shellcheck shell=bash
# Shared body of index-rotation.sh and hardlinks-rotation.sh (sourced; not a scenario itself): what
# unionmount-testsuite's "--ov=N --verify" runs do to lower hard links (rename-mass-5, hard-link): names of
# lower hard links are linked and renamed while the layers rotate (each remount turns the upper into the new
# top lower layer, with a new upper and workdir), then st_ino is compared before the rename and after a
# remount. The lower layer is a tmpfs of its own, so the layers are on two filesystems, as in the suite.
# The transcript never shows raw numbers (they differ between implementations and runs), only whether a
# name's st_ino is the one remembered ("same ino"/"CHANGED ino") and link counts.
#
# index=on (the kernel's ovl_getattr: an indexed copy-up keeps its origin's st_ino) keeps every number; with
# index=off a copy-up of a lower hard link breaks the link and shows the upper inode's own number, on the
# kernel as on fuse-overlay, which is why the suite needs index=on for --verify.
LOWERS="L0"
NOMOUNT=1

setup() {
  mount -t tmpfs -o size=8m tmpfs "$L0"
  mkdir -p "$L0"/a
  for i in 100 101 102 103 104 105; do echo ":xxx:yyy:zzz" >"$L0"/a/foo$i; done
}

# keep NAME...: remembers st_ino of each name; same NAME [AS]: compares NAME's st_ino with what was kept for AS
keep() { local n; for n in "$@"; do stat -c %i "$n" >"$B/ino.${n//\//_}"; done; echo "kept $*"; }
same() {
  local n=$1 as=${2:-$1}
  [ "$(stat -c %i "$n")" = "$(cat "$B/ino.${as//\//_}")" ] && echo "same ino: $n (as $as)" || echo "CHANGED ino: $n (was $as)"
}
links() { stat -c '%n %h' "$@"; }
export -f keep same links

# remount [LOWERS UPPER]: unmount, mount again (with a new upper: a rotation)
remount() {
  cd / && ovl_umount "$M" || return
  if [ $# -eq 2 ]; then cur_lowers=$1 cur_upper=$2; fi
  ovl_mount "$M" "$cur_lowers" "$B/$cur_upper" "$B/$cur_upper.w/work" >/dev/null && cd "$M"
}

run() {
  cur_lowers=$L0 cur_upper=u1
  ovl_mount "$M" "$cur_lowers" "$B/$cur_upper" "$B/$cur_upper.w/work" >/dev/null && cd "$M" || return
  t 'keep a/foo100 a/foo101 a/foo102 a/foo103 a/foo104 a/foo105'
  t 'for i in 100 101 102 103 104 105; do ln a/foo$i a/no_foo$i || break; done; links a/foo100 a/no_foo100'
  t 'same a/no_foo100 a/foo100; same a/foo100'
  remount
  t 'same a/foo100; same a/no_foo101 a/foo101; links a/foo101 a/no_foo101'
  # rotation 1: u1 (with its linked names) is a lower layer now
  remount "$B/u1:$L0" u2
  t 'links a/foo105 a/no_foo105; same a/no_foo105 a/foo105'
  t 'mv a/no_foo105 a/no_foo106 && same a/no_foo106 a/foo105 && links a/foo105 a/no_foo106'
  remount "$B/u2:$B/u1:$L0" u3
  t 'same a/no_foo106 a/foo105; same a/foo105'
  t 'mv a/no_foo104 a/no_foo105 && same a/no_foo105 a/foo104; links a/foo104 a/no_foo105'
  remount "$B/u3:$B/u2:$B/u1:$L0" u4
  t 'mv a/no_foo103 a/no_foo104 && same a/no_foo104 a/foo103'
  # no rotation any more: plain remounts of the last stack, as the suite checks st_ino
  remount
  t 'same a/no_foo104 a/foo103; same a/foo103'
  t 'keep a/no_foo102; mv a/no_foo102 a/no_foo103 && same a/no_foo103 a/no_foo102; links a/foo102 a/no_foo103'
  remount
  t 'same a/no_foo103 a/no_foo102; same a/foo102 a/no_foo102; links a/foo102 a/no_foo103'
  # a name of a lower hard link replaced by another one, and one removed
  t 'keep a/foo101; mv a/foo100 a/no_foo101 && same a/no_foo101 a/foo100; same a/foo101; links a/foo101 a/no_foo101'
  t 'rm a/foo101 && links a/no_foo100 a/no_foo101 && ls a'
  remount
  t 'same a/no_foo101 a/foo100; same a/no_foo100 a/foo100; links a/no_foo100 a/no_foo101; cat a/no_foo101'
}
