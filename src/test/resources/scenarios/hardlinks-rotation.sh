# index=off (redirect_dir=on): the same rotation as index-rotation.sh; a copy-up of a lower hard link breaks
# the link and shows the upper inode's own st_ino, on kernel overlayfs as on fuse-overlay (what
# unionmount-testsuite --verify reports as "inode number/layer changed on copy up" without index=on).
opts() { echo "redirect_dir=on"; }
# shellcheck source=lib/hardlink-rotation.bash
. "$(dirname "$SCEN")/lib/hardlink-rotation.bash"
