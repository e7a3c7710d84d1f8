# A hostile lower layer: symlinks that point outside the layers (/etc, ../../.., an absolute link and a
# relative link to a sentinel directory beside the layers) and odd names (spaces, a newline, a tab,
# backslashes, leading dashes, invalid UTF-8, 255 bytes). Reads through the mount, writes beside the
# links, rm, mv, cp -a and rm -rf must answer as the kernel does, and nothing outside upper and work may
# change: the sentinel directory ($SENT, PROTECTed) and both lowers are fingerprinted before and after.
# Nothing is ever written through a link. (.wh.-prefixed names are read as AUFS whiteouts, unlike the
# kernel: fuse-only/hostile-wh-names.sh covers them.)
LOWERS="L0 L1"
PROTECT="SENT"

long255=$(printf 'n%.0s' $(seq 255))
long254=$(printf 'n%.0s' $(seq 254))
long256=$(printf 'm%.0s' $(seq 256))

setup() {
  mkdir -p "$SENT"/inner
  echo "sentinel secret" >"$SENT"/secret
  echo "inner" >"$SENT"/inner/file
  ln -s /etc "$L1"/etc
  ln -s ../../.. "$L1"/up
  ln -s "$SENT" "$L1"/sent
  ln -s ../SENT "$L1"/sentrel
  mkdir -p "$L1"/box/deeper
  ln -s ../../../.. "$L1"/box/deeper/escape
  ln -s /etc/passwd "$L1"/box/passwd
  ln -s loop "$L1"/loop
  ln -s pong "$L1"/ping
  ln -s ping "$L1"/pong
  ln -s "$SENT"/secret "$L1"/box/secret
  echo "space" >"$L1"/"with space"
  echo "newline" >"$L1"/$'new\nline'
  echo "tab" >"$L1"/$'tab\tname'
  echo "backslash" >"$L1"/'back\slash'
  echo "dash" >"$L1"/-dash
  echo "star" >"$L1"/'*'
  mkdir "$L1"/$'\xff\xfe'
  echo "invalid utf-8" >"$L1"/$'\xff\xfe'/$'caf\xe9'
  echo "long" >"$L1"/"$long255"
  mkdir "$L1"/"d$long254"
  mkdir -p "$L0"/$'\xff\xfe'
  echo "upper lower" >"$L0"/"with space"
  echo "top" >"$L0"/$'\xff\xfe'/top
  ln -s "with space" "$L0"/$'link\nto space'
}

run() {
  t 'ls -1Ab'
  t 'readlink etc up sent sentrel box/deeper/escape box/passwd box/secret'
  t 'cat loop; cat ping; ls loop/x; echo x >pong; readlink loop ping pong'
  t 'test -f etc/passwd && echo host passwd visible through the link'
  t 'ls -1A sent sentrel && cat sent/secret sentrel/inner/file box/secret'
  t 'cat "with space" $'\''new\nline'\'' $'\''tab\tname'\'' '\''back\slash'\'' ./-dash "*" "$long255" $'\''link\nto space'\'''
  t 'ls -1Ab $'\''\xff\xfe'\'' && cat $'\''\xff\xfe'\''/*'
  t 'echo beside >>"with space" && cat "with space"'
  t 'echo new >$'\''\xff\xfe'\''/$'\''new\xe9'\'' && ls -1Ab $'\''\xff\xfe'\'''
  t 'echo more >>"$long255" && cat "$long255"'
  t 'touch "$long256"'
  t 'mkdir "$long256"'
  t 'ln -s x "$long256"'
  t 'mv "$long255" "$long256"'
  t 'mv "$long255" short && cat short'
  t 'echo x >"d$long254/$long255" && ls "d$long254" && cat "d$long254/$long255"'
  t 'rm etc up box/passwd'
  t 'mv sent sent-moved && readlink sent-moved'
  t 'chown -h 1:1 sentrel && stat -c "%n %u:%g %F" sentrel'
  t 'touch -h -d "2001-01-01" sentrel && stat -c "%n %y" sentrel'
  t 'cp -a box box-copy && readlink box-copy/deeper/escape box-copy/secret'
  t 'rm -rf box'
  t 'mv $'\''new\nline'\'' newline && mv ./-dash dash && rm $'\''tab\tname'\'' "*"'
  t 'rm -rf $'\''\xff\xfe'\'''
  t 'mkdir $'\''\xff\xfe'\'' && ls -1Ab $'\''\xff\xfe'\'''
  t 'ls -1Ab'
  t 'find . -print0 | sort -z | xargs -0 printf "%q\\n"'
  t 'ls -1A "$SENT" "$SENT"/inner && cat "$SENT"/secret'
}
