# The overlay's own xattr names through the mount. Recent kernels (seen here on 6.18) escape them for nested
# overlays: trusted.overlay.X set through the mount is stored as trusted.overlay.overlay.X in the upper
# layer and reads back as trusted.overlay.X; the real ones (opaque, origin, ...) stay invisible.
# (fuse-overlay escapes them the same way.)
LOWERS="L0 L1"

setup() {
  mkdir -p "$L1"/d/sub "$L0"/d
  echo x >"$L1"/d/file
  echo y >"$L1"/d/sub/inner
}

run() {
  t 'rm -rf d/sub && mkdir d/sub && ls -1A d/sub'
  t 'getfattr -n trusted.overlay.opaque d/sub'
  t 'getfattr -d -m - d/sub'
  t 'setfattr -n trusted.overlay.opaque -v y d/file'
  t 'setfattr -n trusted.overlay.anything -v 1 d/file'
  t 'getfattr -d -m "^trusted" d/file'
  t 'setfattr -x trusted.overlay.anything d/file'
  t 'setfattr -n user.overlay.opaque -v y d/file && getfattr -d d/file'
  t 'setfattr -n user.fuseoverlayfs.x -v y d/file && getfattr -d d/file'
  t 'getfattr -d -m - d/file'
}
