# Set-id bits and file capabilities across copy-up: a chmod, a touch, an append by root, a chown, and an
# append, a truncate and an O_TRUNC open by another user (on a lower file and on one already copied up) must
# keep or drop S_ISUID/S_ISGID and security.capability exactly as on the kernel.
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
}

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
}
