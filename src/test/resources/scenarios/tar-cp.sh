# tar extract into the mount, tar create from the mount, cp -a of a tree within it and out of it.
LOWERS="L0"

setup() {
  mkdir -p "$L0"/src/pkg/bin "$L0"/src/pkg/share/man "$L0"/src/pkg/empty
  echo "binary" >"$L0"/src/pkg/bin/tool
  chmod 755 "$L0"/src/pkg/bin/tool
  ln "$L0"/src/pkg/bin/tool "$L0"/src/pkg/bin/tool-alias
  ln -s tool "$L0"/src/pkg/bin/tool-link
  echo "manual" >"$L0"/src/pkg/share/man/tool.1
  setfattr -n user.mime -v text/plain "$L0"/src/pkg/share/man/tool.1
  chown -R 1000:1000 "$L0"/src/pkg/share
  touch -d "2020-01-01 00:00:00" "$L0"/src/pkg/bin/tool
  # an archive to extract into the mount (kept in the base dir, outside every layer)
  mkdir -p "$B"/archive/rootfs/etc "$B"/archive/rootfs/usr/bin "$B"/archive/rootfs/src/pkg/bin
  echo "from tar" >"$B"/archive/rootfs/etc/hosts
  echo "run" >"$B"/archive/rootfs/usr/bin/run
  ln "$B"/archive/rootfs/usr/bin/run "$B"/archive/rootfs/usr/bin/run2
  ln -s run "$B"/archive/rootfs/usr/bin/runlink
  mkfifo "$B"/archive/rootfs/etc/pipe
  echo "replaced by tar" >"$B"/archive/rootfs/src/pkg/bin/tool
  chmod 700 "$B"/archive/rootfs/src/pkg/bin
  find "$L0" "$B"/archive/rootfs -exec touch -h -d "2020-01-01 00:00:00" {} +
  tar -C "$B"/archive/rootfs --xattrs --numeric-owner -cf "$B"/archive/rootfs.tar .
}

run() {
  t 'tar --xattrs --numeric-owner -xpf $B/archive/rootfs.tar'
  t 'ls -1AR etc usr src'
  t 'cat src/pkg/bin/tool src/pkg/bin/tool-alias && stat -c "%n %h %a" src/pkg/bin src/pkg/bin/tool src/pkg/bin/tool-alias'
  t 'tar --sort=name --mtime=@0 --numeric-owner --xattrs --pax-option=exthdr.name=%d/PaxHeaders/%f,delete=atime,delete=ctime -cf $B/out.tar src etc usr && tar -tvf $B/out.tar --numeric-owner --full-time | cut -c1-30,50-'
  t 'sha256sum <$B/out.tar | cut -c1-16'
  t 'cp -a src/pkg pkg-copy && ls -1AR pkg-copy'
  t 'stat -c "%n %h %a %u:%g %y" pkg-copy/bin/tool pkg-copy/bin/tool-alias pkg-copy/share/man/tool.1'
  t 'getfattr -d pkg-copy/share/man/tool.1'
  t 'cp -a src $B/copied-out && find $B/copied-out | sort && cat $B/copied-out/pkg/bin/tool'
  t 'rm -rf $B/copied-out $B/out.tar'
  t 'cp -r src/pkg/share share-copy && stat -c "%n %u:%g" share-copy/man/tool.1'
}
