# index=on (and redirect_dir=on, as unionmount-testsuite mounts): lower hard links linked and renamed while
# the layers rotate keep their st_ino through copy-up and remount, as on kernel overlayfs (see
# lib/hardlink-rotation.bash).
opts() { echo "redirect_dir=on,index=on"; }
# shellcheck source=lib/hardlink-rotation.bash
. "$(dirname "$SCEN")/lib/hardlink-rotation.bash"
