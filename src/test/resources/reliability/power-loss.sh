# Power loss after copy-up: the upper layer is a fresh ext4 or XFS image on a loop device. Files are copied
# up (chmod: a full copy; with metacopy=on, chmod then an append: the data filled in place), an unrelated
# file is fsynced so that the journal commits what came before it, then the filesystem is shut down without
# flushing its log (xfs_io shutdown: what a crash leaves on disk), the server killed, the image remounted
# (journal replay) and the overlay mounted again. Every merged file must show the lower data (whole, or
# with the appended byte): a file whose rename or metacopy removal reached the disk before its data is torn.
# The same runs with fsync=0 on ext4 must tear files, or the simulated crash proves nothing. First, the
# sync each upper gets: write-back before the rename where a journal orders it, fsync elsewhere.
set -u
fails=0
bad() { echo "FAIL: $*"; fails=$((fails + 1)); }
N=60

mkdir -p L/d M X
for i in $(seq $N); do head -c $((8192 + i)) /dev/urandom >"L/d/f$i"; done
lower_before=$(fingerprint L)

# gone PIDS: waits until the servers have exited (they hold the upper layer open) and the mount is gone
gone() {
  for _ in $(seq 100); do
    { [ -z "$1" ] || ! kill -0 $1 2>/dev/null; } && ! is_mounted "$B/M" && return
    sleep 0.1
  done
  bad "server $1 or mount $B/M still there"; umount -l "$B/M" 2>/dev/null
}

# crash FS OPTS ACTION: sets res to "torn=T whole=W" for the merged view after the crash ("error" if it
# could not get that far: bad has said why)
crash() {
  local fs=$1 opts=$2 action=$3 pid i f torn=0 whole=0
  res=error
  rm -f img && truncate -s 320M img || { bad "image"; return; }
  "mkfs.$fs" -q img || { bad "mkfs.$fs"; return; }
  mount -o loop img X || { bad "mount $fs image"; return; }
  mkdir X/U X/W
  "$FUSE_OVERLAY" -o "lowerdir=$B/L,upperdir=$B/X/U,workdir=$B/X/W$opts" "$B/M" || { bad "mount $fs$opts"; umount X; return; }
  for i in $(seq $N); do
    chmod 600 "M/d/f$i" || bad "chmod f$i ($fs$opts)"
    if [ "$action" = append ]; then printf x >>"M/d/f$i" || bad "append f$i ($fs$opts)"; fi
  done
  echo commit >X/other && sync X/other        # fsync: the journal commits everything before it
  xfs_io -x -c shutdown X || bad "shutdown $fs"  # no log flush: what is not committed is lost
  pid=$(server_pids "$B/M")
  [ -n "$pid" ] && kill -9 $pid
  gone "$pid"
  umount X || { bad "umount $fs image after the crash"; umount -l X; }
  mount -o loop img X || { bad "remount $fs image"; return; }
  "$FUSE_OVERLAY" -o "lowerdir=$B/L,upperdir=$B/X/U,workdir=$B/X/W$opts" "$B/M" || { bad "remount $fs$opts"; umount X; return; }
  for i in $(seq $N); do
    f=M/d/f$i
    if cmp -s "$f" "L/d/f$i" || { [ "$action" = append ] && [ "$(stat -c %s "$f")" -eq $((8193 + i)) ] &&
      cmp -s -n $((8192 + i)) "$f" "L/d/f$i"; }; then
      whole=$((whole + 1))
    else
      torn=$((torn + 1))
    fi
  done
  pid=$(server_pids "$B/M")
  fusermount3 -u M || umount -l M
  gone "$pid"
  umount X || { bad "umount $fs image"; umount -l X; }
  res="torn=$torn whole=$whole"
}

# mode FS [MKFS OPTIONS]: sets res to the sync a copy-up uses on such an upper (from the debug log)
mode() {
  local fs=$1 pid
  shift
  res=error
  rm -f img && truncate -s 320M img || { bad "image"; return; }
  "mkfs.$fs" -q "$@" img || { bad "mkfs.$fs $*"; return; }
  mount -o loop img X || { bad "mount $fs image"; return; }
  mkdir X/U X/W
  "$FUSE_OVERLAY" -f -o "debug,lowerdir=$B/L,upperdir=$B/X/U,workdir=$B/X/W" "$B/M" 2>debug.log &
  pid=$!
  for _ in $(seq 100); do is_mounted "$B/M" && break; sleep 0.1; done
  chmod 600 M/d/f1 || bad "chmod through the $fs $* mount"
  fusermount3 -u M || umount -l M
  wait $pid
  umount X || { bad "umount $fs image"; umount -l X; }
  res=$(grep -o 'realfs: \(fsync\|sync_file_range\) ' debug.log | sort -u | tr -d '\n')
}

# which sync each upper gets: the order argument needs a journal
mode ext4; echo "ext4: $res"
[ "$res" = "realfs: sync_file_range " ] || bad "ext4 with a journal: copy-up used '$res'"
mode ext4 -O ^has_journal; echo "ext4 without a journal: $res"
[ "$res" = "realfs: fsync " ] || bad "ext4 without a journal: copy-up used '$res', not fsync"
mode xfs; echo "xfs: $res"
[ "$res" = "realfs: sync_file_range " ] || bad "xfs: copy-up used '$res'"

for fs in ext4 xfs; do
  crash $fs "" chmod; echo "$fs chmod: $res"
  [ "$res" = "torn=0 whole=$N" ] || bad "$fs: copy-up torn by a crash: $res"
  crash $fs ",metacopy=on" append; echo "$fs metacopy=on, chmod then append: $res"
  [ "$res" = "torn=0 whole=$N" ] || bad "$fs metacopy: data fill torn by a crash: $res"
done
# controls: without any sync the same crash must tear files, or it proves nothing
crash ext4 ",fsync=0" chmod; echo "ext4 fsync=0 chmod (control): $res"
case $res in torn=0\ * | error) bad "fsync=0 copy-ups survived the crash: it does not lose unsynced data" ;; esac
crash ext4 ",metacopy=on,fsync=0" append; echo "ext4 metacopy=on,fsync=0 (control): $res"
case $res in torn=0\ * | error) bad "fsync=0 data fills survived the crash: it does not lose unsynced data" ;; esac
[ "$(fingerprint L)" = "$lower_before" ] || bad "the lower layer changed"
echo "power loss done, failures: $fails"
[ "$fails" -eq 0 ]
