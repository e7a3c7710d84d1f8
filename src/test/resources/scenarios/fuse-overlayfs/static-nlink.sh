# fuse-overlayfs's static_nlink: every directory reports st_nlink 1 (lower-only, upper-only, merged and the
# root), files keep their link count; compared with fuse-overlayfs on the same option. (Lower hard links
# are left out: fuse-overlayfs 1.10 reports them differently from the kernel, which fuse-overlay follows.)
LOWERS="L0 L1"
NO_KERNEL_REMOUNT=1

opts() { echo static_nlink; }

setup() {
  mkdir -p "$L0"/only/a "$L0"/only/b "$L0"/both/x "$L1"/both/y "$L1"/deep/1/2/3
}

run() {
  t 'stat -c "%n %h" . only only/a both both/x both/y deep deep/1 deep/1/2'
  t 'mkdir -p new/sub1 new/sub2 && stat -c "%n %h" new new/sub1'
  t 'mkdir only/c && stat -c "%n %h" only'
  t 'touch deep/1/f && stat -c "%n %h" deep/1 deep/1/f'
  t 'echo h >new/h1 && ln new/h1 new/h2 && stat -c "%n %h" new/h1 new/h2 new'
  t 'find . -type d -links +1 | sort'
}
