# A lower layer that changes while mounted (the kernel calls this undefined): files added and removed
# under the mount, and a directory the mount already knows replaced by a symlink to a directory outside
# every layer. The mount must keep answering, and nothing outside upper and work may be written.
set -u
fails=0
bad() { echo "FAIL: $*"; fails=$((fails + 1)); }

mkdir -p L/d L/keep U W M outside
echo inside >L/d/file
echo sentinel >outside/sentinel
outside_before=$(fingerprint outside)
"$FUSE_OVERLAY" -o lowerdir="$B/L",upperdir="$B/U",workdir="$B/W" "$B/M" || { echo "FAIL: mount"; exit 1; }
cat M/d/file >/dev/null && ls M/d >/dev/null || bad "initial reads"
echo added >L/keep/added
rm L/d/file
ls M/keep >/dev/null || bad "listing after a lower change"
mv L/d L/d.gone && ln -s "$B/outside" L/d
for op in 'echo x >M/d/new' 'echo x >>M/d/sentinel' 'mkdir M/d/sub' 'touch M/d/sentinel' 'rm -f M/d/sentinel' \
          'mv M/keep/added M/d/moved' 'ln M/keep/added M/d/linked' 'chmod 777 M/d/sentinel'; do
  eval "$op" 2>/dev/null
done
[ "$(fingerprint outside)" = "$outside_before" ] || bad "a directory outside the layers was written: $(ls -la outside)"
ls -la M >/dev/null 2>&1
fusermount3 -u M || bad "unmount"
echo "lower changes done, failures: $fails"
[ "$fails" -eq 0 ]
