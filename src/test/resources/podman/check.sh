#!/bin/sh
# Runs inside a container (PodmanIT): prints what the container's / is, then one line per entry of the
# root filesystem (type, mode, owner, link count, size and sha256 of files, symlink targets), sorted,
# then the hard-link groups. No timestamps or inode numbers: the lines must be the same on podman's
# kernel overlay driver and on fuse-overlay. What podman mounts over the image (/proc, /sys, /dev, /run,
# /etc/hosts, ...) is left out. On the host: FO_ROOT=DIR FO_TMP=TMPDIR sh check.sh lists DIR instead
# (its first line is then of no interest).
export LC_ALL=C PATH=/usr/sbin:/usr/bin:/sbin:/bin
tmp=${FO_TMP:-/dev/shm}
echo "rootfs: $(sed -n 's/^[0-9]* [0-9]* [^ ]* [^ ]* \/ .* - \([^ ]*\) .*/\1/p' /proc/self/mountinfo | tail -n 1)"
cd "${FO_ROOT:-/}" || exit 1
find . \( -path ./proc -o -path ./sys -o -path ./dev -o -path ./run \) -prune -o \
  \( -path ./etc/hosts -o -path ./etc/hostname -o -path ./etc/resolv.conf \) -o \
  -printf '%p %y %m %U:%G nlink=%n size=%s %l\n' | sort >"$tmp/fo-list"
find . \( -path ./proc -o -path ./sys -o -path ./dev -o -path ./run \) -prune -o \
  \( -path ./etc/hosts -o -path ./etc/hostname -o -path ./etc/resolv.conf \) -o \
  -type f -print0 | xargs -0 sha256sum | sed 's/^\([0-9a-f]*\)  \(.*\)$/\2 sha256=\1/' | sort >"$tmp/fo-sums"
# join: a file's line gets its checksum
while IFS= read -r line; do
  p=${line%% *}
  case "$line" in
    "$p f "*)
      IFS= read -r sum <&3
      [ "${sum% sha256=*}" = "$p" ] || sum="checksum-list-out-of-step"
      line="$line ${sum##* }"
      ;;
  esac
  printf '%s\n' "$line"
done <"$tmp/fo-list" 3<"$tmp/fo-sums"
find . \( -path ./proc -o -path ./sys -o -path ./dev -o -path ./run \) -prune -o \
  ! -type d -links +1 -printf '%i %p\n' | sort -k1,1n -k2 | {
  prev= group= n=0
  while read -r ino p; do
    if [ "$ino" = "$prev" ]; then group="$group $p" n=$((n + 1)); else
      [ "$n" -gt 1 ] && echo "hardlinks:$group"
      prev=$ino group=" $p" n=1
    fi
  done
  [ "$n" -gt 1 ] && echo "hardlinks:$group"
} | sort
rm -f "$tmp/fo-list" "$tmp/fo-sums"
