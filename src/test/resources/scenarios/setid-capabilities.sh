# Set-id bits and file capabilities across copy-up: a chmod, a touch, an append by root, a chown, and an
# append, a truncate and an O_TRUNC open by another user (on a lower file and on one already copied up) must
# keep or drop S_ISUID/S_ISGID and security.capability exactly as on the kernel. New files created set-id, by
# root and by another user (in a plain and in a set-group-ID directory), keep what they were created with.
LOWERS="L0"

setup() {
  mkdir -p "$L0"/bin
  for f in touched appended chowned chmodded userwrite usertrunc useropen; do
    printf '#!/bin/sh\necho %s\n' "$f" >"$L0/bin/$f"
    chmod 6755 "$L0/bin/$f"
    setcap cap_net_raw+ep "$L0/bin/$f"
  done
  for f in userwrite usertrunc useropen; do
    chmod 0777 "$L0/bin/$f"
    chmod u+s,g+s "$L0/bin/$f"
  done
  mkdir -p "$L0/pub/sg"
  chmod 1777 "$L0/pub"
  chmod 2777 "$L0/pub/sg"
}

# creates files with the modes given (name mode ...), umask 0, as open(O_CREAT) does: no chmod after
MKSET='umask 0; for (my $i = 0; $i < @ARGV; $i += 2) { sysopen(my $f, $ARGV[$i], O_CREAT|O_WRONLY|O_EXCL, oct $ARGV[$i + 1]) or die "$ARGV[$i]: $!\n" }'
mkset() { perl -MFcntl -e "$MKSET" "$@"; }
mkset_nobody() { setpriv --reuid=65534 --regid=65534 --clear-groups perl -MFcntl -e "$MKSET" "$@"; }

as_nobody() { setpriv --reuid=65534 --regid=65534 --clear-groups sh -c "$1"; }

show() { stat -c '%n %A' "$@"; for f in "$@"; do getcap "$f" | sed 's/^/  caps: /'; done; }

run() {
  t 'show bin/*'
  t 'touch -d @1700000000 bin/touched && show bin/touched'
  t 'echo "# more" >>bin/appended && show bin/appended'
  t 'chown 1:1 bin/chowned && show bin/chowned'
  t 'chmod 4755 bin/chmodded && show bin/chmodded'
  t 'as_nobody "echo x >>bin/userwrite" && show bin/userwrite'
  t 'as_nobody "truncate -s 4 bin/usertrunc" && show bin/usertrunc'
  t 'as_nobody ": >bin/useropen" && show bin/useropen'
  # the same on files already in upper, set-id and capable again
  t 'chmod 6777 bin/userwrite bin/usertrunc bin/useropen && setcap cap_net_raw+ep bin/userwrite bin/usertrunc bin/useropen && show bin/user*'
  t 'as_nobody "echo y >>bin/userwrite" && show bin/userwrite'
  t 'as_nobody "truncate -s 2 bin/usertrunc" && show bin/usertrunc'
  t 'as_nobody ": >bin/useropen" && show bin/useropen'
  t 'echo root >>bin/userwrite && truncate -s 1 bin/usertrunc && show bin/userwrite bin/usertrunc'
  t 'show bin/*'
  t 'mkset pub/r4 4755 pub/r6 6755 pub/sg/r2 2755 && show pub/r4 pub/r6 pub/sg/r2 && stat -c "%n %u:%g" pub/r4 pub/sg/r2'
  t 'mkset_nobody pub/n4 4755 pub/n6 6755 pub/sg/n2 2755 pub/sg/n4 4755 && show pub/n4 pub/n6 pub/sg/n2 pub/sg/n4 && stat -c "%n %u:%g" pub/n4 pub/sg/n2'
}
