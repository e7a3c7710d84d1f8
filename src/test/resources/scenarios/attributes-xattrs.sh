# chmod, chown, touch -d, user.* xattrs (set, get, list, remove; also on lower-only files), truncate,
# and trusted.* names through the mount (root).
LOWERS="L0"

setup() {
  mkdir -p "$L0"/d/sub
  echo "0123456789" >"$L0"/d/file
  echo "x" >"$L0"/d/tagged
  setfattr -n user.origin -v lower "$L0"/d/tagged
  setfattr -n user.keep -v yes "$L0"/d/tagged
  setfattr -n user.dir -v lower "$L0"/d/sub
  echo "suid" >"$L0"/d/prog
  chmod 4755 "$L0"/d/prog
  mkdir -m 1777 "$L0"/d/tmp
  head -c 100000 /dev/zero | tr '\0' 'a' >"$L0"/d/big
  # copy-up must keep metadata: owner, mode, times, xattrs
  echo "meta" >"$L0"/d/meta
  chown 123:456 "$L0"/d/meta
  chmod 604 "$L0"/d/meta
  setfattr -n user.kept -v value "$L0"/d/meta
  touch -d "2002-02-02 02:02:02.123456789" "$L0"/d/meta
  mkdir -p "$L0"/d/olddir/inner
  chown 7:8 "$L0"/d/olddir
  chmod 2751 "$L0"/d/olddir
  touch -d "2003-03-03 03:03:03" "$L0"/d/olddir
}

run() {
  t 'chmod 606 d/meta && stat -c "%n %u:%g %a %y" d/meta && getfattr -d d/meta'
  t 'echo x >d/olddir/inner/new && stat -c "%n %u:%g %a" d/olddir d/olddir/inner'
  t 'chmod 640 d/file && stat -c "%n %a" d/file'
  t 'chmod g+s d/sub && stat -c "%n %a" d/sub'
  t 'chown 1000:2000 d/file d/sub && stat -c "%n %u:%g" d/file d/sub d'
  t 'stat -c "%n %a %u:%g" d/prog d/tmp'
  t 'chown 1:1 d/prog && stat -c "%n %a" d/prog'
  t 'touch -d "2001-02-03 04:05:06.789" d/file && stat -c "%n %y" d/file'
  t 'touch -m -d "1999-12-31 23:59:59" d/sub && stat -c "%n %y" d/sub'
  t 'touch -a -d "2010-01-01 00:00:00" d/big && stat -c "%n %x" d/big'
  t 'touch d/new && stat -c "%n %s %a" d/new'
  t 'getfattr -d d/tagged d/sub'
  t 'setfattr -n user.color -v blue d/file && getfattr -d d/file'
  t 'setfattr -n user.origin -v upper d/tagged && getfattr -n user.origin d/tagged'
  t 'setfattr -x user.keep d/tagged && getfattr -d d/tagged'
  t 'setfattr -x user.missing d/tagged'
  t 'getfattr -n user.missing d/tagged'
  t 'setfattr -n user.empty d/new && getfattr -d -e hex d/new'
  t 'setfattr -n user.x -v 1 -h d && getfattr -d d'
  t 'setfattr -n trusted.mine -v 1 d/file && getfattr -d -m "^trusted" d/file'
  t 'truncate -s 3 d/file && cat d/file && echo && stat -c "%n %s" d/file'
  t 'truncate -s 200000 d/big && stat -c "%n %s" d/big && tail -c 3 d/big | od -An -tx1'
  t 'truncate -s 0 d/big && stat -c "%n %s" d/big'
  t 'truncate -s 10 d/missing-dir/x'
  t 'truncate -s 5 d/sub'
}
