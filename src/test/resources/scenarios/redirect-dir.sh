# redirect_dir=on, on both: renaming a directory that lower layers hold is one step (no EXDEV, no copy of
# its contents): the upper directory records where its lower parts live in the kernel's redirect xattr,
# lookups follow it, and the kernel mounts what fuse-overlay wrote the same way.
LOWERS="L0 L1"

opts() { echo "redirect_dir=on"; }

setup() {
  mkdir -p "$L1"/var/www/html "$L1"/srv "$L1"/opt/app/lib
  echo "index" >"$L1"/var/www/html/index.html
  echo "lib" >"$L1"/opt/app/lib/liba.so
  echo "conf" >"$L1"/opt/app/app.conf
  mkdir -p "$L1"/empty "$L1"/full/sub
  echo "f" >"$L1"/full/sub/f
  mkdir -p "$L0"/var/www
  echo "top" >"$L0"/var/www/top.txt
}

run() {
  t 'perl -e "rename(q(var/www), q(var/web)) or die qq(rename: \$!\n)" && ls -R var'
  t 'cat var/web/html/index.html var/web/top.txt'
  t 'echo more >>var/web/html/index.html && cat var/web/html/index.html'
  t 'perl -e "rename(q(var/web), q(srv/site)) or die qq(rename: \$!\n)" && ls -R var srv'
  t 'cat srv/site/html/index.html srv/site/top.txt'
  t 'mv opt/app opt/app2 && mv opt/app2/lib opt/app2/lib64 && ls -R opt && cat opt/app2/lib64/liba.so'
  t 'rm opt/app2/app.conf && mkdir opt/app && ls -A opt/app opt/app2'
  t 'mkdir var/www && ls -A var/www'
  t 'rm -rf srv/site && ls -A srv'
  t 'perl -e "rename(q(full), q(empty)) or die qq(rename: \$!\n)" && ls -R empty && ls -A .'
  t 'mkdir -p back && mv opt/app2 opt/tmp && mv opt/tmp opt/app2 && ls -R opt/app2'
  t 'perl -e "rename(q(opt/app2), q(opt/appX)) or die; rename(q(opt/appX), q(opt/app2)) or die" && ls -A opt/app2 opt'
}
