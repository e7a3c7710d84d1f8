# fuse-overlayfs's noxattrs=1: getxattr, listxattr and setxattr are refused (EOPNOTSUPP, as the FUSE kernel
# module reports a server's ENOSYS), removexattr still works; compared with fuse-overlayfs on the same option.
LOWERS="L0"
NO_KERNEL_REMOUNT=1

opts() { echo noxattrs=1; }

setup() {
  mkdir -p "$L0"/d
  echo x >"$L0"/f
  setfattr -n user.x -v 1 "$L0"/f
  setfattr -n user.y -v 2 "$L0"/f
  echo z >"$L0"/d/g
}

run() {
  t 'getfattr -n user.x f'
  t 'getfattr -d f'
  t 'setfattr -n user.new -v 3 f'
  t 'setfattr -n user.new -v 3 d/g'
  t 'setfacl -m u:1234:r f'
  t 'getfacl -n d/g'
  t 'setfattr -x user.x f'
  t 'cat f d/g'
  t 'echo more >>d/g && cat d/g'
  t 'getfattr -d d/g'
  t 'stat -c "%n %s %a" f d/g'
}
