# Set-id bits and file capabilities across copy-up: a chmod, a touch, an append by root, a chown and an
# append by another user must keep or drop S_ISUID/S_ISGID and security.capability exactly as on the kernel.
LOWERS="L0"

setup() {
  mkdir -p "$L0"/bin
  for f in touched appended chowned chmodded userwrite; do
    printf '#!/bin/sh\necho %s\n' "$f" >"$L0/bin/$f"
    chmod 6755 "$L0/bin/$f"
    setcap cap_net_raw+ep "$L0/bin/$f"
  done
  chmod 0777 "$L0"/bin/userwrite
  chmod u+s,g+s "$L0"/bin/userwrite
}

show() { stat -c '%n %A' "$@"; for f in "$@"; do getcap "$f" | sed 's/^/  caps: /'; done; }

run() {
  t 'show bin/*'
  t 'touch -d @1700000000 bin/touched && show bin/touched'
  t 'echo "# more" >>bin/appended && show bin/appended'
  t 'chown 1:1 bin/chowned && show bin/chowned'
  t 'chmod 4755 bin/chmodded && show bin/chmodded'
  t 'setpriv --reuid=65534 --regid=65534 --clear-groups sh -c "echo x >>bin/userwrite" && show bin/userwrite'
  t 'show bin/*'
}
