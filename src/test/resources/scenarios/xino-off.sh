# xino=off with layers on three filesystems, compared with kernel overlayfs (see lib/xino.bash).
XINO=off
INO_NONDIR=1
# shellcheck source=lib/xino.bash
. "$(dirname "$SCEN")/lib/xino.bash"
