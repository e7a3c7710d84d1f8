# An upper written with redirect_dir=on, mounted again without the option: the kernel's default
# (redirect_dir=off, which with its default redirect_always_follow=Y means "follow") finds the lower parts
# of the renamed directories where the redirects say, and so must the implementation under test.
LOWERS="L0 L1"
NOMOUNT=1

opts() { echo "redirect_dir=on"; }

setup() {
  mkdir -p "$L1"/var/www/html "$L1"/opt/app/lib
  echo "index" >"$L1"/var/www/html/index.html
  echo "lib" >"$L1"/opt/app/lib/liba.so
  mkdir -p "$L0"/var/www
  echo "top" >"$L0"/var/www/top.txt
}

run() {
  ovl_mount "$M" "$L0:$L1" "$U" "$W" && cd "$M" || return
  t 'perl -e "rename(q(var/www), q(var/web)) or die qq(rename: \$!\n)" && ls -R var'
  t 'mv opt/app opt/app2 && ls -R opt'
  cd / || return
  ovl_umount "$M"
  OPTS=""
  ovl_mount "$M" "$L0:$L1" "$U" "$W" && cd "$M" || return
  t 'ls -R var opt'
  t 'cat var/web/html/index.html var/web/top.txt opt/app2/lib/liba.so'
  t 'echo more >>var/web/html/index.html && cat var/web/html/index.html'
  t 'perl -e "rename(q(opt/app2), q(opt/app3)) or print qq(rename: \$!\n)"; ls -A opt'
}
