# Package management and version control inside the merged view: a minimal root filesystem (the host's
# dpkg, bash and coreutils with their libraries) as the lower layer, then `chroot MERGED dpkg -i` of a
# small package (dpkg renames its .dpkg-new files into place, rewrites its status database, runs a
# maintainer script), `dpkg -r`, and a git repository created, committed to and rewritten in the mount.
LOWERS="L0"

setup() {
  local r=$L0 p lib
  mkdir -p "$r"/{usr/bin,usr/sbin,usr/lib,usr/lib64,etc/dpkg/dpkg.cfg.d,var/lib/dpkg/{info,updates,triggers},tmp,root,dev}
  ln -s usr/bin "$r"/bin; ln -s usr/sbin "$r"/sbin; ln -s usr/lib "$r"/lib; ln -s usr/lib64 "$r"/lib64
  for p in bash sh dpkg dpkg-deb dpkg-split dpkg-query dpkg-trigger tar rm cat ls mkdir mv cp ln readlink diff find grep sed env touch; do
    command -v "$p" >/dev/null || continue
    cp -L "$(command -v "$p")" "$r/usr/bin/$p"
    for lib in $(ldd "$(command -v "$p")" | grep -o '/[^ ]*'); do
      mkdir -p "$r$(dirname "$lib")"
      [ -e "$r$lib" ] || cp -L "$lib" "$r$lib"
    done
  done
  [ -e "$r"/usr/bin/sh ] || ln -s bash "$r"/usr/bin/sh
  printf '#!/bin/sh\nexit 0\n' >"$r"/usr/sbin/ldconfig
  printf '#!/bin/sh\nexit 0\n' >"$r"/usr/sbin/start-stop-daemon
  chmod 755 "$r"/usr/sbin/ldconfig "$r"/usr/sbin/start-stop-daemon
  : >"$r"/var/lib/dpkg/status
  : >"$r"/var/lib/dpkg/available
  echo "root:x:0:0:root:/root:/bin/sh" >"$r"/etc/passwd
  echo "root:x:0:" >"$r"/etc/group
  mknod -m 666 "$r"/dev/null c 1 3
  # the package: two files, a conffile and a postinst that writes a marker
  local pkg
  pkg="$(mktemp -d)"
  mkdir -p "$pkg"/DEBIAN "$pkg"/usr/share/hello-fo "$pkg"/etc/hello-fo
  printf 'Package: hello-fo\nVersion: 1.0\nArchitecture: all\nMaintainer: t <t@t>\nDescription: test package\n' >"$pkg"/DEBIAN/control
  echo /etc/hello-fo/hello.conf >"$pkg"/DEBIAN/conffiles
  printf '#!/bin/sh\necho installed >/var/lib/hello-fo.marker\n' >"$pkg"/DEBIAN/postinst
  chmod 755 "$pkg"/DEBIAN/postinst
  echo "hello data" >"$pkg"/usr/share/hello-fo/data
  echo "greeting=hello" >"$pkg"/etc/hello-fo/hello.conf
  find "$pkg" -exec touch -h -d @1767225600 {} +
  SOURCE_DATE_EPOCH=1767225600 dpkg-deb --root-owner-group -Zgzip --build "$pkg" "$r"/tmp/hello-fo.deb >/dev/null
  rm -rf "$pkg"
}

run() {
  # commits must not depend on the clock, or kernel and fuse-overlay runs would hash differently
  export GIT_AUTHOR_DATE="2026-01-01T00:00:00Z" GIT_COMMITTER_DATE="2026-01-01T00:00:00Z"
  t 'PATH=/usr/sbin:/usr/bin:/sbin:/bin chroot . dpkg -i /tmp/hello-fo.deb'
  t 'PATH=/usr/sbin:/usr/bin:/sbin:/bin chroot . dpkg-query -W -f "\${Package} \${Version} \${Status}\n" hello-fo'
  t 'cat usr/share/hello-fo/data etc/hello-fo/hello.conf var/lib/hello-fo.marker'
  t 'ls var/lib/dpkg/info | sort'
  t 'PATH=/usr/sbin:/usr/bin:/sbin:/bin chroot . dpkg -r hello-fo'
  t 'ls usr/share/hello-fo etc/hello-fo 2>&1; ls var/lib/dpkg/info | sort'
  t 'PATH=/usr/sbin:/usr/bin:/sbin:/bin chroot . dpkg --purge hello-fo'
  t 'ls etc/hello-fo'
  t 'mkdir -p root/repo && (cd root/repo && git init -q . && git config user.email t@t && git config user.name t && echo one >f && git add f && git commit -qm first && echo two >>f && git commit -qam second && git rev-list --count HEAD)'
  t '(cd root/repo && git mv f g && git commit -qm rename && git gc -q && git fsck --strict 2>&1 | grep -v "^Checking"; git log --format=%s | sort)'
  t '(cd root/repo && git status --porcelain && cat g && ls .git/objects/pack | sed "s/pack-[0-9a-f]*/pack-X/" | sort)'
  # the index caches inode numbers and ctimes, which differ between any two filesystems: not compared
  t 'rm root/repo/.git/index'
}
