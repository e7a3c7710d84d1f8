# An upper layer on a filesystem without xattrs (ramfs): whiteouts are still 0/0 devices, opaque
# directories fall back to the AUFS marker .wh..wh..opq, xattr changes get the filesystem's own answer,
# and what was written reads back the same after a remount.
set -u
fails=0
bad() { echo "FAIL: $*"; fails=$((fails + 1)); }

mkdir -p L/etc L/doc/old R M
echo os >L/etc/os-release
echo readme >L/doc/old/README
mount -t ramfs fo_ramfs R || { echo "FAIL: cannot mount ramfs"; exit 1; }
mkdir -p R/U R/W
setfattr -n user.probe -v 1 R/U 2>/dev/null && { echo "FAIL: ramfs took an xattr; the test needs one that does not"; exit 1; }
lower_before=$(fingerprint L)
mnt() { "$FUSE_OVERLAY" -o lowerdir="$B/L",upperdir="$B/R/U",workdir="$B/R/W" "$B/M" || { echo "FAIL: mount"; exit 1; }; }
mnt
rm M/etc/os-release || bad "rm of a lower file"
[ "$(stat -c '%F %t:%T' R/U/etc/os-release 2>/dev/null)" = "character special file 0:0" ] || bad "no 0/0 whiteout in upper"
rm -rf M/doc && mkdir M/doc && echo new >M/doc/NEW || bad "re-create a deleted directory"
[ -e R/U/doc/.wh..wh..opq ] || bad "opaque directory without its .wh..wh..opq marker"
[ "$(ls -A M/doc)" = NEW ] || bad "the opaque directory shows: $(ls -A M/doc | tr '\n' ' ')"
err=$(setfattr -n user.x -v 1 M/doc/NEW 2>&1) && bad "setfattr succeeded on ramfs" || true
case $err in *"Operation not supported"*) ;; *) bad "setfattr error: $err" ;; esac
fusermount3 -u M
mnt
[ ! -e M/etc/os-release ] || bad "whiteout lost over a remount"
[ "$(ls -A M/doc)" = NEW ] || bad "opaque directory lost over a remount: $(ls -A M/doc | tr '\n' ' ')"
[ "$(cat M/doc/NEW)" = new ] || bad "data lost over a remount"
fusermount3 -u M
[ "$(fingerprint L)" = "$lower_before" ] || bad "the lower layer changed"
echo "no-xattr upper done, failures: $fails"
[ "$fails" -eq 0 ]
