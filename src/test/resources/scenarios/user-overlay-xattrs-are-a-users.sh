# On a trusted.overlay.* mount, user.overlay.* xattrs are a user's own: an unprivileged user who owns a
# directory may set user.overlay.redirect or user.overlay.opaque on it, and after a remount neither may
# change the merged view (the redirect would show a lower directory its mode hides from that user). A copy-up
# keeps a lower file's user.overlay.* xattrs.
LOWERS="L0 L1"
NOMOUNT=1

setup() {
  mkdir -p "$L1"/private "$L1"/tmp "$L1"/shared
  echo secret >"$L1"/private/notes
  chmod 700 "$L1"/private
  chmod 1777 "$L1"/tmp
  echo base >"$L1"/shared/base
  chown 65534:65534 "$L1"/shared
  echo lower >"$L0"/tagged
  setfattr -n user.overlay.uo -v 3 "$L0"/tagged
}

run() {
  ovl_mount "$M" "$L0:$L1" "$U" "$W" && cd "$M" || return
  t 'setpriv --reuid=65534 --regid=65534 --clear-groups sh -c "mkdir tmp/x && setfattr -n user.overlay.redirect -v /private tmp/x && setfattr -n user.overlay.opaque -v y shared && echo set"'
  t 'chmod 600 tagged && getfattr -d tagged'
  cd / || return
  ovl_umount "$M"
  ovl_mount "$M" "$L0:$L1" "$U" "$W" && cd "$M" || return
  t 'setpriv --reuid=65534 --regid=65534 --clear-groups sh -c "ls -A tmp/x; cat tmp/x/notes; ls -A shared"'
  t 'getfattr -d tmp/x shared tagged'
}
