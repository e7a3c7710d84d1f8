# metacopy=on, the other way round: kernel overlayfs writes metadata-only copy-ups (chown, chmod, touch,
# mv with redirects), then the implementation under test mounts that upper with the same options and
# must read the data from below, show the kernel's metadata, and copy the data on write.
LOWERS="L0 L1"
NOMOUNT=1

opts() { echo "redirect_dir=on,metacopy=on"; }

setup() {
  mkdir -p "$L0"/srv/app "$L1"/opt
  echo "conf" >"$L0"/srv/app/app.conf
  head -c 100000 /dev/zero | tr '\0' 'z' >"$L0"/srv/app/blob
  echo "tool v1" >"$L1"/opt/tool
  echo "lib" >"$L0"/srv/lib.so
}

run() {
  mkdir -p "$M"
  do_mount kernel "$M" "$L0:$L1" "$U" "$W" || { echo "kernel mount failed"; return; }
  (cd "$M" && chown -R 1:2 srv && chmod 640 opt/tool && touch -d "2020-01-01 00:00:00" srv/app/blob &&
    mv srv/lib.so srv/lib.so.1 && mv opt/tool srv/tool && chmod 600 srv/app/blob && ln srv/app/blob srv/blob2)
  do_umount kernel "$M"
  ovl_mount "$M" "$L0:$L1" "$U" "$W" >/dev/null && cd "$M" || return
  t 'stat -c "%n %U:%G %a %s" srv/app/app.conf srv/tool srv/lib.so.1 && stat -c "%n %U:%G %a %s %y" srv/app/blob'
  t 'cat srv/app/app.conf srv/tool srv/lib.so.1 && md5sum srv/app/blob'
  t 'ls -A srv opt && stat -c "%n %h %a" srv/blob2 && md5sum srv/blob2'
  t 'echo more >>srv/tool && echo more >>srv/lib.so.1 && cat srv/tool srv/lib.so.1'
  t 'chmod 600 srv/app/app.conf && cat srv/app/app.conf && stat -c "%n %a" srv/app/app.conf'
}
