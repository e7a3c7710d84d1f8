# Non-root users through the mount (setpriv, as a container's users would be): the kernel checks modes
# against the merged attributes, including for objects only in a lower layer and after copy-up.
LOWERS="L0 L1"

setup() {
  mkdir -p "$L1"/home/alice "$L1"/home/bob "$L1"/tmp "$L1"/noexec "$L1"/etc "$L0"/etc
  echo "alice's notes" >"$L1"/home/alice/notes
  echo "bob's notes" >"$L1"/home/bob/notes
  chown -R 1000:1000 "$L1"/home/alice
  chown -R 1001:1001 "$L1"/home/bob
  chmod 700 "$L1"/home/alice "$L1"/home/bob
  chmod 1777 "$L1"/tmp
  echo "bob's tmp" >"$L1"/tmp/bobs
  chown 1001:1001 "$L1"/tmp/bobs
  echo "secret" >"$L1"/etc/shadow
  chmod 640 "$L1"/etc/shadow
  chown 0:42 "$L1"/etc/shadow
  echo "public" >"$L0"/etc/motd
  echo "x" >"$L1"/noexec/file
  chmod 644 "$L1"/noexec
  echo "group writable" >"$L1"/etc/shared
  chown 0:1000 "$L1"/etc/shared
  chmod 664 "$L1"/etc/shared
}

alice() { setpriv --reuid=1000 --regid=1000 --clear-groups -- "$@"; }
shadowgrp() { setpriv --reuid=1002 --regid=1002 --groups=42 -- "$@"; }

run() {
  t 'alice cat etc/motd home/alice/notes'
  t 'alice cat etc/shadow'
  t 'shadowgrp cat etc/shadow'
  t 'alice ls home/bob'
  t 'alice cat noexec/file'
  t 'alice sh -c "echo more >>home/alice/notes" && cat home/alice/notes'
  t 'alice sh -c "echo new >home/alice/new" && stat -c "%n %u:%g %a" home/alice home/alice/new'
  t 'alice touch newfile'
  t 'alice rm tmp/bobs'
  t 'alice sh -c "echo mine >tmp/alices" && alice rm tmp/alices && echo removed own file'
  t 'alice mkdir tmp/dir && stat -c "%n %u:%g" tmp/dir'
  t 'alice chmod 777 etc/motd'
  t 'alice chown 1000 etc/motd'
  t 'alice touch -d "2001-01-01" etc/motd'
  t 'alice touch etc/shared && echo touched'
  t 'alice sh -c "echo g >>etc/shared" && cat etc/shared'
  t 'alice setfattr -n user.a -v 1 home/alice/notes && getfattr -d home/alice/notes'
  t 'alice setfattr -n user.a -v 1 etc/motd'
  t 'alice mv home/alice/notes home/alice/notes.old && ls home/alice'
  t 'alice ln -s /etc/motd home/alice/link && stat -c "%n %u:%g" home/alice/link'
  t 'chmod 711 home/bob && alice cat home/bob/notes'
  t 'alice test -w etc/shared && echo writable'
  t 'alice test -r etc/shadow || echo not readable'
}
