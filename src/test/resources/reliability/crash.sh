# Crash safety: the server is killed with SIGKILL at a random moment during a copy-up of a 100 MiB file,
# a rename and an rm -rf of a lower tree, over and over. After each kill the mount must be gone (auto
# unmount, no "Transport endpoint is not connected"), a remount must show every path in its old or its new
# state (never a partial file, never a lost one), and the leftovers in work/ must be gone.
set -u
fails=0
bad() { echo "FAIL: $*"; fails=$((fails + 1)); }

mkdir -p L U W M
dd if=/dev/urandom of=L/big bs=1M count=100 status=none
mkdir -p L/tree
for d in $(seq 20); do mkdir -p "L/tree/d$d"; for f in $(seq 25); do echo "$d/$f" >"L/tree/d$d/f$f"; done; done
for f in $(seq 50); do echo "file $f" >"L/r$f"; done
sha_big=$(sha256sum <L/big | cut -c1-64)
lower_before=$(fingerprint L)

mnt() { "$FUSE_OVERLAY" -o lowerdir="$B/L",upperdir="$B/U",workdir="$B/W" "$B/M" || { bad "mount failed"; exit 1; }; }
kill_server() {
  local pid
  pid=$(server_pids "$B/M")
  [ -n "$pid" ] || { bad "no server"; return; }
  kill -9 $pid
  for _ in $(seq 50); do is_mounted "$B/M" || break; sleep 0.1; done
  if is_mounted "$B/M"; then bad "mount left after kill -9"; umount -l "$B/M"; fi
}

for i in $(seq 9); do
  mnt
  case $((i % 3)) in
    0) ( echo "appended $i" >>M/big ) 2>/dev/null & ;;
    1) ( n=$(( (i / 3) % 50 + 1 )); mv "M/r$n" "M/renamed$n" ) 2>/dev/null & ;;
    2) ( rm -rf M/tree ) 2>/dev/null & ;;
  esac
  op=$!
  sleep "0.$(( RANDOM % 40 ))"
  kill_server
  wait $op 2>/dev/null
  mnt
  # every path: old or new, complete
  if [ -e M/big ]; then
    size=$(stat -c %s M/big)
    [ "$(head -c 104857600 M/big | sha256sum | cut -c1-64)" = "$sha_big" ] || bad "round $i: big has damaged data"
    [ "$size" -ge 104857600 ] || bad "round $i: big is truncated ($size)"
  else
    bad "round $i: big lost"
  fi
  for f in $(seq 50); do
    if [ -e "M/r$f" ] && [ -e "M/renamed$f" ]; then bad "round $i: r$f both old and new"; fi
    if [ ! -e "M/r$f" ] && [ ! -e "M/renamed$f" ]; then bad "round $i: r$f lost"; fi
    for g in "M/r$f" "M/renamed$f"; do [ -e "$g" ] && { [ "$(cat "$g")" = "file $f" ] || bad "round $i: $g content"; }; done
  done
  if [ -d M/tree ]; then
    # whatever rm -rf left must be whole: tree/dD/fF holds "D/F"
    damaged=$(find M/tree -type f -exec sh -c 'for p; do r=${p#M/tree/d}; [ "$(cat "$p")" = "${r%%/f*}/${r##*/f}" ] || echo "$p"; done' _ {} +)
    [ -z "$damaged" ] || bad "round $i: damaged after rm -rf: $damaged"
  fi
  printf 'round %2d: big %s bytes, %s renamed, %s tree files left\n' "$i" "$(stat -c %s M/big)" \
    "$(ls M | grep -c renamed)" "$(find M/tree -type f 2>/dev/null | wc -l)"
  left=$(ls -A W/work | wc -l)
  [ "$left" -eq 0 ] || bad "round $i: $left leftovers in work/ after remount"
  fusermount3 -u M || bad "unmount"
  # the next round starts from this state: restore the tree so rm -rf has work to do again
  rm -rf U/tree
done
[ "$(fingerprint L)" = "$lower_before" ] || bad "the lower layer changed"
echo "crash rounds done, failures: $fails"
[ "$fails" -eq 0 ]
