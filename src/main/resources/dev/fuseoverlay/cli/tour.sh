#!/usr/bin/env bash
# The tour: classic overlay experiments run for real through a fuse-overlay mount.
# Run by `fuse-overlay tour` inside a private mount namespace; $SELF is the fuse-overlay launcher.
set -u
T=$(mktemp -d /tmp/fuse-overlay-tour.XXXXXX)
MOUNTS=()
cleanup() {
  local rc=$? # the tour's own status, before the unmounts below change $?
  for m in "${MOUNTS[@]}"; do fusermount3 -u "$m" 2>/dev/null || umount -l "$m" 2>/dev/null; done
  if [ -n "${KEEP:-}" ]; then
    # the contents only: cp -a of "$T"/. would give KEEP the private mode of the temporary directory
    if mkdir -p "$KEEP" && cp -a "$T"/* "$KEEP"/; then
      printf '\nThe layers are kept in %s (base, app, upper, shop/*/upper, trace.log).\n' "$KEEP"
    else
      printf 'tour: could not keep the layers in %s; they are left in %s\n' "$KEEP" "$T" >&2
      exit 1
    fi
  fi
  rm -rf "$T"
  exit $rc
}
trap cleanup EXIT
cd "$T" || exit 1

b=$'\e[1m'; d=$'\e[2m'; n=$'\e[0m'
[ -t 1 ] || { b=; d=; n=; }
step=0
say()  {
  if [ -n "${STEP:-}" ] && [ "$step" -gt 0 ]; then printf '%s[Enter for the next step]%s' "$d" "$n"; read -r _ < /dev/tty || true; fi
  step=$((step+1)); printf '\n%s%d. %s%s\n' "$b" "$step" "$1" "$n"; shift; for l in "$@"; do printf '   %s\n' "$l"; done; }
# what the filesystem decided since the last call, from its trace (-o trace)
seen=0
decided() {
  [ -f "$T/trace.log" ] || return 0
  local total; total=$(wc -l < "$T/trace.log")
  [ "$total" -gt "$seen" ] && tail -n +"$((seen+1))" "$T/trace.log" | grep -v ' for read: ' | sed "s/^/   ${b}fuse-overlay:${n} /"
  seen=$total
}
run()  { printf '%s$ %s%s\n' "$d" "$*" "$n"; ( cd "$T" && eval "$@" ) 2>&1 | sed 's/^/  /'; }
# every entry of a layer, with what it is: file, dir, symlink, whiteout (0/0 char device), opaque dir
layer() {
  local L=$1 name=$2
  printf '   %s[%s]%s\n' "$b" "$name" "$n"
  (cd "$L" && find . -mindepth 1 | LC_ALL=C sort | while IFS= read -r p; do
     local what
     if [ -c "$p" ] && [ "$(stat -c %t:%T "$p")" = 0:0 ]; then what="whiteout (char device 0/0)"
     elif [ -d "$p" ]; then what="dir"; [ "$(getfattr --only-values -n trusted.overlay.opaque "$p" 2>/dev/null)" = y ] && what="dir, opaque (trusted.overlay.opaque=y)"
     elif [ -L "$p" ]; then what="symlink -> $(readlink "$p")"
     else what="file, $(stat -c %s "$p") bytes"; fi
     printf '     %-28s %s\n' "${p#./}" "$what"
   done)
}
mountit() { "$SELF" -o "lowerdir=$1,upperdir=$2,workdir=$3" "$4" && MOUNTS+=("$4"); }

mkdir -p base/etc base/usr/share/doc/readme app/etc/nginx app/var/www upper work merged
echo "Debian GNU/Linux 12" > base/etc/os-release
echo "welcome to the base layer" > base/usr/share/doc/readme/README
echo "menu: espresso, latte" > base/etc/menu.txt
echo "worker_processes 1;" > app/etc/nginx/nginx.conf
echo "menu: espresso, latte, flat white" > app/etc/menu.txt
echo "<h1>hello</h1>" > app/var/www/index.html

say "Two read-only layers: a base system and an application on top." \
    "lowerdir=app:base puts app above base (leftmost wins); upper receives every change."
layer base base; layer app app
run "$SELF" -o lowerdir=app:base,upperdir=upper,workdir=work,trace=trace.log merged; MOUNTS+=("$T/merged")
printf '   (trace=trace.log: the mount writes one line per operation with its decision; shown below as "fuse-overlay:")\n'

say "Reads fall through: a file only the base has is read from the base."
run cat merged/etc/os-release

say "The upper of two layers wins: both have etc/menu.txt, app's copy is seen."
run cat merged/etc/menu.txt
run cat base/etc/menu.txt

say "Copy-up on the first write: the file is copied to upper, then changed there." \
    "The lower layer is never touched."
run 'echo "worker_connections 64;" >> merged/etc/nginx/nginx.conf'
decided
run cat merged/etc/nginx/nginx.conf
run cat app/etc/nginx/nginx.conf
layer upper upper

say "A new file lands in upper."
run 'echo "user data" > merged/etc/new.conf'
decided
layer upper upper

say "Deleting a lower file leaves a whiteout in upper: a 0/0 character device hides it."
run rm merged/etc/os-release
decided
run ls merged/etc
run ls -l upper/etc/os-release
run cat base/etc/os-release

say "A directory deleted and created again is opaque: nothing below shows through."
run rm -rf merged/usr/share/doc
run mkdir merged/usr/share/doc
decided
run ls -a merged/usr/share/doc
run getfattr -n trusted.overlay.opaque upper/usr/share/doc
layer upper upper

say "Renaming a directory that lower layers hold fails with EXDEV (as on the kernel with redirect_dir=off);" \
    "mv then falls back to copying it."
run "perl -e 'rename(\"merged/var/www\", \"merged/var/html\") or print \"rename: \$!\\n\"'"
decided
run mv merged/var/www merged/var/html
run ls merged/var
printf '   With redirect_dir=on (the kernel'"'"'s option, off by default) the same rename is one step: the directory\n'
printf '   is copied up alone and records where its lower parts live in a redirect xattr.\n'
mkdir -p kr/upper kr/work kr/merged
run "$SELF" -o lowerdir=app:base,upperdir=kr/upper,workdir=kr/work,redirect_dir=on kr/merged; MOUNTS+=("$T/kr/merged")
run "perl -e 'rename(\"kr/merged/var/www\", \"kr/merged/var/html\") or print \"rename: \$!\\n\"'"
run ls kr/merged/var/html
run getfattr -n trusted.overlay.redirect kr/upper/var/html
run ls -a kr/upper/var/html

say "Three coffee shops share one base layer, each with its own upper."
mkdir -p shop
for s in north south east; do mkdir -p "shop/$s/upper" "shop/$s/work" "shop/$s/merged"; mountit "$T/base" "$T/shop/$s/upper" "$T/shop/$s/work" "$T/shop/$s/merged"; done
run 'echo "menu: matcha" > shop/north/merged/etc/menu.txt'
run 'echo "menu: cold brew" > shop/south/merged/etc/menu.txt'
run 'for s in north south east; do printf "%-6s " $s; cat shop/$s/merged/etc/menu.txt; done'
run cat base/etc/menu.txt

say "Deleting does not save space: the bytes stay in the lower layer, only hidden."
dd if=/dev/zero of=base/usr/big.img bs=1M count=8 status=none
run du -sh base
run rm shop/east/merged/usr/big.img
run ls shop/east/merged/usr
run du -sh base shop/east/upper
run "$SELF" df -o lowerdir=base,upperdir=shop/east/upper,workdir=shop/east/work

say "Ask why: explain shows, layer by layer, which one serves a path and why the others do not."
run "$SELF" explain -o lowerdir=app:base,upperdir=upper,workdir=work /etc/os-release /etc/menu.txt

say "What the container changed, like docker diff, read from its upper layer."
run "$SELF" diff -o lowerdir=app:base upper

printf "\n%sDone.%s Every step above ran on a real fuse-overlay mount.\n" "$b" "$n"
