# userxattr: the overlay's own xattrs live in user.overlay.* (the kernel's choice inside a user namespace,
# allowed to root too): whiteouts, opaque directories, xattrs in the overlay's own prefix set through the
# mount (escaped), and the trusted.overlay.* names that are then an ordinary user's.
LOWERS="L0 L1"

opts() { echo userxattr; }

setup() {
  mkdir -p "$L1"/etc/conf.d "$L0"/etc/conf.d "$L1"/srv/www "$L0"/data
  echo base >"$L1"/etc/conf.d/base.conf
  echo app >"$L0"/etc/conf.d/app.conf
  echo index >"$L1"/srv/www/index.html
  echo d >"$L0"/data/f
  setfattr -n user.tag -v lower "$L0"/data/f
}

run() {
  t 'rm -rf etc/conf.d && mkdir etc/conf.d && ls -1A etc/conf.d'
  t 'rm srv/www/index.html && ls -1A srv/www'
  t 'mv data/f data/g && ls -1A data'
  t 'setfattr -n user.overlay.mine -v 1 data/g && getfattr -d -m "^user\." data/g'
  t 'getfattr -n user.overlay.mine data/g'
  t 'setfattr -n trusted.overlay.other -v 2 data/g && getfattr -n trusted.overlay.other data/g'
  t 'getfattr -d -m - data/g | grep -v "^#"'
  t 'setfattr -x user.overlay.mine data/g && getfattr -d -m "^user\." data/g'
  t 'mkdir -p new/sub && touch new/sub/f && rm -r new/sub && ls -1A new'
}
