# shellcheck shell=bash
# Shared body of the xino-*.sh scenarios (sourced by them; not a scenario itself): layers on three
# filesystems (two tmpfs lowers, a tmpfs upper+work), mounted with xino=$XINO. The transcript shows how st_ino
# relates objects, never raw numbers (the upper's numbers differ between implementations): which names are
# one object (same st_dev:st_ino), whether identities survive copy-up, whether st_ino survives a remount
# (st_dev is a new anonymous device at each mount, on the kernel and on FUSE alike), and for xino=on|auto
# the fsid in the top bits and that every object shows the mount's st_dev, as the kernel's xino promises.
#
# xino=off is where FUSE cannot do what the kernel does: the kernel keeps each layer's real st_ino and tells
# filesystems apart by a per-filesystem st_dev for non-directories; it gives directories numbers that do not
# survive a remount (ovl_map_ino). A FUSE mount has one st_dev, so fuse-overlay keeps numbers apart by
# putting the filesystem index in bits 48 and up, and keeps directories' numbers across remounts. So for off,
# only non-directories are checked across the remount (diffrun's INO_NONDIR); the dump's hard-link groups
# go by st_dev:st_ino, which both get right.
LOWERS="L0 L1"
NOMOUNT=1

opts() { echo "xino=$XINO"; }

setup() {
  mount -t tmpfs -o size=8m tmpfs "$L0"
  mount -t tmpfs -o size=8m tmpfs "$L1"
  mkdir -p "$B/t" && mount -t tmpfs -o size=8m tmpfs "$B/t"
  mkdir -p "$L0"/d "$L1"/d "$L1"/only1/sub "$L0"/only0
  echo a >"$L0"/fa
  echo b >"$L1"/fb          # the same real inode number as fa, on another filesystem
  echo h >"$L0"/h1
  ln "$L0"/h1 "$L0"/h2      # one lower object, two names
  echo x >"$L0"/d/x
  echo y >"$L1"/d/y
  echo z >"$L1"/only1/sub/z
  echo s >"$L1"/shadowed
  echo S >"$L0"/shadowed    # hides the one in L1
}

NAMES="fa fb h1 h2 d d/x d/y only0 only1 only1/sub only1/sub/z shadowed"
FILES="fa fb h1 h2 d/x d/y only1/sub/z shadowed new"

# ids NAME...: one letter per distinct object (st_dev:st_ino), in order of first appearance
ids() {
  local n k out= letters=ABCDEFGHIJKLMNOPQRSTUVWXYZ i=0
  declare -A seen
  for n in "$@"; do
    k="$(stat -c '%d:%i' -- "$n")" || return 1
    if [ -z "${seen[$k]:-}" ]; then seen[$k]=${letters:i:1}; i=$((i + 1)); fi
    out+="$n=${seen[$k]} "
  done
  echo "${out% }"
}

# xino_bits NAME...: the fsid in the top two bits of st_ino, and whether st_dev is the mount's (xino=on|auto)
xino_bits() {
  local n mdev
  mdev="$(stat -c %d .)"
  for n in "$@"; do
    stat -c '%i %d' -- "$n" | awk -v n="$n" -v m="$mdev" '{ printf "%s fsid=%d %s\n", n, $1 / 4611686018427387904, ($2 == m ? "mount-dev" : "OTHER-dev") }'
  done
}

# save WHICH FORMAT NAME...: each name's stat FORMAT (%d:%i identity, or %i alone across a remount)
save() {
  local to=$1 f=$2 n
  shift 2
  for n in "$@"; do [ -e "$n" ] && printf '%s %s\n' "$n" "$(stat -c "$f" -- "$n")"; done | sort >"$B/ino.$to"
}
# same A B: names whose identity differs between two saves
same() { join "$B/ino.$1" "$B/ino.$2" | awk '$2 != $3 { print "changed: " $1; c++ } END { if (!c) print "unchanged" }'; }

run() {
  ovl_mount "$M" "$L0:$L1" "$B/t/upper" "$B/t/work" || return
  cd "$M" || return
  t "ids $NAMES"
  [ "$XINO" != off ] && t "xino_bits $NAMES"
  t 'echo new >new && ids fa fb new'
  save before %d:%i $NAMES new
  t 'touch fb h1 d/y only1/sub/z && chmod 700 d only1 && echo more >>fa'
  # a new directory in a merged one is opaque where offline changes are refused (xino=on), else not
  t 'mkdir d/newdir && { getfattr -n trusted.overlay.opaque --only-values "$B/t/upper/d/newdir" 2>/dev/null || echo none; }'
  save copied %d:%i $NAMES new
  t 'same before copied'
  local kept="$NAMES new"
  [ "$XINO" = off ] && kept=$FILES
  save copied %i $kept
  t "ids $NAMES new"
  [ "$XINO" != off ] && t 'xino_bits fa fb h1 h2 d new'
  cd "$B" || return
  ovl_umount "$M"
  ovl_mount "$M" "$L0:$L1" "$B/t/upper" "$B/t/work" || return
  cd "$M" || return
  save remounted %i $kept
  t 'same copied remounted'
  t 'ls -i | awk "{ print \$2 }" | tr "\n" " "; echo'
  t 'for n in fa fb d only0 only1 new; do [ "$(ls -di "$n" | cut -d" " -f1)" = "$(stat -c %i "$n")" ] && echo "$n: d_ino = st_ino"; done'
}
