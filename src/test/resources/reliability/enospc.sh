# A full upper layer: upper and work on an 8 MiB tmpfs. ENOSPC must reach the writer, a copy-up that does
# not fit must leave no partial file in upper (nor anything in work/), and the mount must keep serving
# reads, of the lower file that failed to copy up too; freeing space makes writes work again.
set -u
fails=0
bad() { echo "FAIL: $*"; fails=$((fails + 1)); }

mkdir -p L small M
mount -t tmpfs -o size=8m fo_small small || { echo "FAIL: cannot mount tmpfs"; exit 1; }
mkdir -p small/U small/W
dd if=/dev/urandom of=L/big bs=1M count=20 status=none
echo "hello" >L/small.txt
sha=$(sha256sum <L/big | cut -c1-64)
lower_before=$(fingerprint L)
"$FUSE_OVERLAY" -o lowerdir="$B/L",upperdir="$B/small/U",workdir="$B/small/W" "$B/M" || { echo "FAIL: mount"; exit 1; }

err=$( (echo more >>M/big) 2>&1 ); rc=$?
[ $rc -ne 0 ] || bad "append to a 20 MiB lower file on an 8 MiB upper succeeded"
case $err in *"No space left on device"*) ;; *) bad "copy-up error was not ENOSPC: $err" ;; esac
[ ! -e small/U/big ] || bad "partial copy-up left in upper: $(stat -c %s small/U/big) bytes"
[ -z "$(ls -A small/W/work)" ] || bad "copy-up leftovers in work/: $(ls -A small/W/work)"
[ "$(sha256sum <M/big | cut -c1-64)" = "$sha" ] || bad "the lower file no longer reads back intact"
[ "$(cat M/small.txt)" = hello ] || bad "reads stopped working"

err=$( (dd if=/dev/zero of=M/fill bs=1M count=20 status=none) 2>&1 ); rc=$?
[ $rc -ne 0 ] || bad "writing 20 MiB into 8 MiB succeeded"
case $err in *"No space left on device"*) ;; *) bad "write error was not ENOSPC: $err" ;; esac
[ "$(cat M/small.txt)" = hello ] || bad "reads stopped working when full"
err=$( (echo x >M/another) 2>&1 ) && bad "creating a file in a full upper succeeded" || true

rm -f M/fill || bad "cannot remove the file that filled the disk"
echo "again" >M/after.txt || bad "no write after freeing space"
[ "$(cat M/after.txt 2>/dev/null)" = again ] || bad "write after freeing space lost"
echo more >>M/small.txt || bad "small copy-up after freeing space"
[ "$(cat M/small.txt)" = "hello
more" ] || bad "small copy-up content"
fusermount3 -u M || bad "unmount"
[ "$(fingerprint L)" = "$lower_before" ] || bad "the lower layer changed"
echo "enospc checks done, failures: $fails"
[ "$fails" -eq 0 ]
