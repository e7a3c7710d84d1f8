# Load: many processes at once on one mount, for a bounded time, then the merged tree and the upper layer
# are checked against what the workload must have produced.
#  - 6 appenders append numbered lines to the same lower file: parallel copy-ups of one file; every line
#    must land exactly once in the one upper copy;
#  - 3 churners create, write, rename and unlink their own files in a directory that also holds 300
#    stable lower files, while 3 listers list it: every stable name must be listed exactly once each time;
#  - 2 readers read the stable files and check their content.
set -u
fails=0
bad() { echo "FAIL: $*"; fails=$((fails + 1)); }
SECS=${STRESS_SECONDS:-15}

mkdir -p L/shared U W M R
echo "start" >L/log.txt
for i in $(seq 300); do echo "stable $i" >"L/shared/s$i"; done
lower_before=$(fingerprint L)
"$FUSE_OVERLAY" -o lowerdir="$B/L",upperdir="$B/U",workdir="$B/W" "$B/M" || { echo "FAIL: mount"; exit 1; }
end=$(( $(date +%s) + SECS ))

appender() { local n=0; while [ "$(date +%s)" -lt "$end" ]; do n=$((n + 1)); echo "a$1 $n" >>M/log.txt; done; echo "$n" >"R/appender$1"; }
churner() {
  local n=0
  while [ "$(date +%s)" -lt "$end" ]; do
    n=$((n + 1))
    echo "c$1 $n" >"M/shared/tmp.$1.$n" && mv "M/shared/tmp.$1.$n" "M/shared/c.$1.$n" && rm "M/shared/c.$1.$n" || echo "churn $1 $n failed" >>R/errors
  done
}
lister() {
  while [ "$(date +%s)" -lt "$end" ]; do
    ls -f M/shared | grep '^s[0-9]*$' | sort | uniq -c | awk -v who="$1" '$1 != 1 { print who ": " $2 " listed " $1 " times" }' >>R/errors
    [ "$(ls -f M/shared | grep -c '^s[0-9]*$')" -eq 300 ] || echo "lister $1: a stable name missing" >>R/errors
  done
}
reader() {
  while [ "$(date +%s)" -lt "$end" ]; do
    i=$(( RANDOM % 300 + 1 ))
    [ "$(cat "M/shared/s$i")" = "stable $i" ] || echo "reader $1: s$i content" >>R/errors
  done
}
pids=()
for a in 1 2 3 4 5 6; do appender $a & pids+=($!); done
for c in 1 2 3; do churner $c & pids+=($!); done
for l in 1 2 3; do lister $l & pids+=($!); done
for r in 1 2; do reader $r & pids+=($!); done
wait "${pids[@]}"

[ ! -s R/errors ] || { bad "during the run:"; sort R/errors | uniq -c | head -20; }
# every appended line exactly once, in order per appender, after the original content
[ "$(head -n 1 M/log.txt)" = start ] || bad "log.txt lost its lower content"
for a in 1 2 3 4 5 6; do
  want=$(cat "R/appender$a")
  got=$(grep -c "^a$a " M/log.txt)
  [ "$got" -eq "$want" ] || bad "appender $a: $want lines appended, $got found"
  grep "^a$a " M/log.txt | awk '{ print $2 }' | awk '$1 != NR { bad = 1 } END { exit bad }' || bad "appender $a: lines out of order or duplicated"
done
[ "$(find U -name log.txt | wc -l)" -eq 1 ] || bad "more than one copy of log.txt in upper"
[ "$(cmp M/log.txt U/log.txt && echo same)" = same ] || bad "merged log.txt differs from the upper copy"
# the churned directory: exactly the stable names again; upper holds no leftovers of the churn
[ "$(ls -A M/shared | sort | tr '\n' ' ')" = "$(ls -A L/shared | sort | tr '\n' ' ')" ] || bad "merged shared/ is not the stable set"
[ -z "$(ls -A U/shared 2>/dev/null)" ] || bad "upper shared/ has leftovers: $(ls -A U/shared | head)"
[ -z "$(ls -A W/work)" ] || bad "work/ not empty: $(ls -A W/work | head)"
total=$(cat R/appender* | paste -sd+ | bc)
fusermount3 -u M || bad "unmount"
[ "$(fingerprint L)" = "$lower_before" ] || bad "the lower layer changed"
echo "stress done: $total appends in ${SECS}s, failures: $fails"
[ "$fails" -eq 0 ]
