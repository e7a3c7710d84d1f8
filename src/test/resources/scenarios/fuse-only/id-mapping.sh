# fuse-overlayfs's ID mapping (uidmapping=/gidmapping=, what podman passes for --uidmap): an id stored in
# the layers in [stored, stored+count) shows as shown+(id-stored); ids the mount receives (chown, a new
# file's owner) are stored back the other way; ids outside every range show and store as the overflow id.
# The kernel has no such option, so this runs on fuse-overlay only against a reviewed transcript.
LOWERS="L0"
NO_KERNEL_REMOUNT=1

opts() { echo "uidmapping=0:1000:10:100:5000:1,gidmapping=0:2000:10"; }

setup() {
  mkdir -p "$L0"/pub
  chmod 1777 "$L0"/pub
  for f in root:0 five:5 hundred:100 unmapped:50; do
    echo "${f%%:*}" >"$L0/${f%%:*}"
    chown "${f#*:}:${f#*:}" "$L0/${f%%:*}"
  done
}

run() {
  t 'stat -c "%n %u:%g" root five hundred unmapped pub'
  t 'chown 1003:2004 five && stat -c "%n %u:%g" five && stat -c "stored %u:%g" "$U"/five'
  t 'chown 7777 root; stat -c "%n %u:%g" root'
  t 'setpriv --reuid=1002 --regid=2002 --clear-groups sh -c "echo mine >pub/byuser" && stat -c "%n %u:%g" pub/byuser && stat -c "stored %u:%g" "$U"/pub/byuser'
  t 'setpriv --reuid=1002 --regid=2002 --clear-groups cat five'
}
