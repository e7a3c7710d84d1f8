# A file unlinked while open (the temporary-file idiom): fchmod, fchown and futimens still work through the
# descriptor and fstat shows no links; an upper file that keeps another name (made outside the mount, not
# yet looked up) still counts that link, and that name shows what was written through the descriptor. A
# descriptor opened before a copy-up reads the lower file: a change through it after the unlink goes to the
# copy, never to the lower layer (the run checks that the lower layer is unchanged). A file replaced by a
# rename while open is the same as one unlinked.
LOWERS="L0"

setup() {
  echo lower >"$L0"/keep
  echo lower >"$L0"/f
  echo hello >"$U"/a
  ln "$U"/a "$U"/b
}

run() {
  t 'echo x >tmp && perl -e "open(my \$f, q(>>), q(tmp)) or die; unlink(q(tmp)) or die; chmod(0640, \$f) or die qq(chmod: \$!\n); chown(1, 2, \$f) or die qq(chown: \$!\n); utime(0, 86400, \$f) or die qq(utime: \$!\n); my @s = stat(\$f); printf qq(%o %d:%d %d nlink=%d\n), \$s[2] & 07777, \$s[4], \$s[5], \$s[9], \$s[3]"'
  t 'perl -e "open(my \$h, q(>>), q(a)) or die; unlink(q(a)) or die; my @s = stat(\$h); print qq(nlink=\$s[3]\n); system(q(stat -c %s:%h b)); print \$h qq(more-data\n); close(\$h); system(q(stat -c %s:%h b))" && cat b'
  t 'perl -e "open(my \$r, q(<), q(f)) or die; chmod(0600, q(f)) or die; unlink(q(f)) or die; chmod(0604, \$r) or print qq(fchmod: \$!\n); my @s = stat(\$r); printf qq(%o nlink=%d\n), \$s[2] & 07777, \$s[3]"'
  t 'echo old >g && echo new >h && perl -e "open(my \$o, q(>>), q(g)) or die; rename(q(h), q(g)) or die; chmod(0640, \$o) or die qq(fchmod: \$!\n); my @s = stat(\$o); printf qq(%o nlink=%d\n), \$s[2] & 07777, \$s[3]" && cat g'
}
