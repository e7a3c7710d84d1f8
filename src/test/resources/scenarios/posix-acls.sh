# POSIX ACLs as kernel overlayfs applies them: an access ACL grants or denies a user regardless of the
# group bits, on lower-only files and after copy-up; chmod rewrites the ACL mask; a default ACL is inherited
# by new objects and overrides the umask; setfacl -b drops the ACL. Users come from setpriv.
# ENGINES: devfuse (libfuse 2 cannot ask the kernel to enforce ACLs: with it they are stored, not enforced)
LOWERS="L0"

setup() {
  mkdir -p "$L0"/d/shared
  echo "secret" >"$L0"/d/secret
  chmod 600 "$L0"/d/secret
  echo "granted" >"$L0"/d/granted
  chmod 600 "$L0"/d/granted
  setfacl -m u:1234:r "$L0"/d/granted
  echo "denied" >"$L0"/d/denied
  chmod 644 "$L0"/d/denied
  setfacl -m u:1234:--- "$L0"/d/denied
  chmod 755 "$L0"/d/shared
  setfacl -d -m u:1234:rwx "$L0"/d/shared
}

as1234() { setpriv --reuid=1234 --regid=1234 --clear-groups -- "$@"; }

run() {
  t 'as1234 cat d/secret'
  t 'as1234 cat d/granted'
  t 'as1234 cat d/denied'
  t 'getfacl -n d/granted d/denied'
  t 'setfacl -m u:1234:r d/secret && as1234 cat d/secret && getfacl -n d/secret'
  t 'chmod 600 d/secret && getfacl -n d/secret && as1234 cat d/secret'
  t 'chmod 640 d/secret && as1234 cat d/secret'
  t 'echo more >>d/denied && as1234 cat d/denied'
  t 'setfacl -m u:1234:rw d/denied && as1234 sh -c "echo mine >>d/denied" && cat d/denied'
  t 'touch d/shared/new && mkdir d/shared/sub && getfacl -n d/shared/new d/shared/sub'
  t 'stat -c "%n %a" d/shared/new d/shared/sub'
  t 'as1234 sh -c "echo by-acl >d/shared/new" && cat d/shared/new'
  t 'umask 077 && touch d/masked && mkdir d/shared/private && stat -c "%n %a" d/masked d/shared/private'
  t 'setfacl -b d/granted && getfacl -n d/granted && as1234 cat d/granted'
  t 'setfacl -k d/shared && touch d/shared/after && getfacl -n d/shared/after'
  t 'ls -l d | cut -c1-11'
}
