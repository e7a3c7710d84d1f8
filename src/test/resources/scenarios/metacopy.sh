# metacopy=on (with redirect_dir=on), on both: chown -R, chmod -R and touch over a lower tree copy up
# metadata only (the upper holds no file data), reads go to the lower data, the first write copies it;
# rename and ln record where the data is (redirect), truncate copies the data. The kernel mounts what
# fuse-overlay wrote and shows the same tree.
LOWERS="L0 L1"

opts() { echo "redirect_dir=on,metacopy=on"; }

setup() {
  mkdir -p "$L0"/srv/app/lib "$L0"/srv/app/data "$L1"/opt
  for i in 1 2 3 4 5 6 7 8; do head -c 1048576 /dev/zero | tr '\0' "$i" >"$L0/srv/app/data/blob$i"; done
  echo "lib" >"$L0"/srv/app/lib/liba.so
  echo "conf" >"$L0"/srv/app/app.conf
  echo "tool v1" >"$L1"/opt/tool
  echo "keep" >"$L0"/srv/keep
}

upper_data() { # the upper's disk usage against the 8 MiB of lower data
  local k
  k="$(du -sk "$U" | cut -f1)"
  if [ "$k" -lt 512 ]; then echo "upper: no file data (<512 KiB)"; else echo "upper: ${k} KiB"; fi
}
export -f upper_data

run() {
  t 'chown -R 1:2 srv/app && chmod -R g+w srv/app && touch -d "2020-01-01 00:00:00" srv/app/app.conf opt/tool'
  t 'stat -c "%n %U:%G %a %s" srv/app/data/blob3 srv/app/lib && stat -c "%n %U:%G %a %s %y" srv/app/app.conf opt/tool'
  t 'upper_data'
  t 'cat srv/app/app.conf srv/app/lib/liba.so opt/tool && md5sum srv/app/data/blob5'
  t 'echo "conf2" >>srv/app/app.conf && cat srv/app/app.conf && stat -c "%n %U:%G %a %s" srv/app/app.conf'
  t 'mv srv/app/lib/liba.so srv/app/lib/liba.so.1 && mv opt/tool srv/tool && cat srv/app/lib/liba.so.1 srv/tool'
  t 'ls -A srv/app/lib opt srv'
  t 'echo "v2" >>srv/tool && cat srv/tool'
  t 'ln srv/app/data/blob1 srv/blob1-link && stat -c "%n %h %s" srv/app/data/blob1 srv/blob1-link && md5sum srv/blob1-link'
  t 'truncate -s 3 srv/app/data/blob2 && cat srv/app/data/blob2; echo'
  t 'chmod 600 srv/keep && rm srv/keep && ls srv'
  # a metacopy unlinked while open still reads its data when opened again through /proc
  t 'exec 3<srv/app/data/blob4 && rm srv/app/data/blob4 && md5sum </proc/self/fd/3 && stat -L -c "%s %h" /proc/self/fd/3; exec 3<&-'
  t 'upper_data'
}
