# fuse-overlayfs's noacl: the kernel is not asked to enforce POSIX ACLs, which pass through as plain xattrs
# (kept in the upper layer, shown by getfacl, applied by the upper filesystem's own default-ACL inheritance)
# while permission checks use the mode bits alone; compared with fuse-overlayfs on the same option.
LOWERS="L0"
NO_KERNEL_REMOUNT=1

opts() { echo noacl; }

setup() {
  mkdir -p "$L0"/d "$L0"/shared
  echo secret >"$L0"/d/f
  chmod 600 "$L0"/d/f
  echo open >"$L0"/d/g
  chmod 1777 "$L0"/shared
}

run() {
  t 'setfacl -m u:1234:r d/f && getfacl -n d/f'
  t 'setpriv --reuid 1234 --regid 1234 --clear-groups cat d/f'
  t 'setfacl -m u:1234:--- d/g && getfacl -n d/g'
  t 'setpriv --reuid 1234 --regid 1234 --clear-groups cat d/g'
  t 'setfacl -d -m u:1234:rwx d && touch d/new && getfacl -n d/new'
  t 'getfattr -n system.posix_acl_access -e hex d/f'
  t 'setfacl -b d/f && getfattr -n system.posix_acl_access d/f'
  # the upper layer's own modes (fuse-overlayfs caches attributes, so its stat can lag behind a setfacl)
  t 'cd "$U" && stat -c "%n %a" d/f d/g d/new'
}
