# xino=on with layers on three filesystems, compared with kernel overlayfs (see lib/xino.bash).
XINO=on
# shellcheck source=lib/xino.bash
. "$(dirname "$SCEN")/lib/xino.bash"
