# File data in every state a file of the mount can be open in at once: new files, copied-up files, a lower
# file held open for reading while another open appends to it (and written again once both are closed),
# in-place overwrites, truncates both ways, two appending opens, hard links, an unlinked file read through its
# descriptor, memory-mapped writes read back through read(2), and set-id bits across writes by root and by
# another user. (With the devfuse engine as root, reads and writes of upper files go straight to the upper
# file, FUSE passthrough; the kernel allows one way per file at a time, so the server has to choose right for
# each open, and leaves clearing set-id bits to it.)
LOWERS="L0"

setup() {
  mkdir -p "$L0"/d
  printf 'lower data\n' >"$L0/d/held"
  head -c 300000 /dev/zero | tr '\0' 'a' >"$L0/d/big"
  printf 'x\n' >"$L0/d/small"
  printf 'mapped lower\n' >"$L0/d/mapped"
}

run() {
  t 'dd if=/dev/zero bs=64k count=5 status=none | tr "\0" "n" >d/new && wc -c <d/new && md5sum <d/new'
  t 'exec 3<d/held; echo appended >>d/held; exec 3<&-; cat d/held'
  t 'echo again >>d/held && cat d/held && wc -c <d/held'
  t 'exec 3<d/held; echo while-open >>d/held; cat d/held; exec 3<&-; cat d/held'
  t 'printf ZZ | dd of=d/big bs=1 seek=1000 conv=notrunc status=none && md5sum <d/big && wc -c <d/big'
  t 'truncate -s 100 d/big && wc -c <d/big && truncate -s 200000 d/big && md5sum <d/big && stat -c %s d/big'
  t '(exec 4>>d/small 5>>d/small; echo one >&4; echo two >&5; echo three >&4) && cat d/small'
  t 'cat d/small d/held >d/joined && cat d/joined && stat -c "%s %h" d/joined'
  t 'exec 3<d/new; rm d/new; wc -c <&3; exec 3<&-; ls d'
  t 'cp d/held d/copy && mv d/copy d/moved && echo more >>d/moved && cat d/moved'
  t 'ln d/moved d/link && echo via-link >>d/link && cat d/moved && stat -c "%s %h" d/moved d/link'
  t 'printf M | dd of=d/mapped bs=1 seek=0 conv=notrunc status=none && cat d/mapped'
  t 'python3 -c "import mmap; f = open(\"d/mapped\", \"r+b\"); m = mmap.mmap(f.fileno(), 0); m[1:3] = b\"AP\"; m.flush(); m.close(); f.close()" && cat d/mapped'
  t 'echo s >d/setid && chmod 666 d/setid && (exec 4>>d/setid; chmod 6777 d/setid; echo root-write >&4) && stat -c "%a %s" d/setid'
  t 'setpriv --reuid=65534 --regid=65534 --clear-groups sh -c "echo nobody-write >>d/setid" && stat -c "%a %s" d/setid'
  t 'chmod 666 d/small && setpriv --reuid=65534 --regid=65534 --clear-groups sh -c "echo nobody >>d/small" && cat d/small'
  t 'cat d/*; stat -c "%n %a %s %h" d/*'
}
