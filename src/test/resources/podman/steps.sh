#!/bin/sh
# Runs inside a container (PodmanIT): the same steps on podman's kernel overlay driver and on
# fuse-overlay as mount_program. Prints what the container's / is, then a transcript of the steps.
# Each step is `t 'COMMAND'`: the command, its output and its exit status.
export LC_ALL=C PATH=/usr/sbin:/usr/bin:/sbin:/bin
echo "rootfs: $(sed -n 's/^[0-9]* [0-9]* [^ ]* [^ ]* \/ .* - \([^ ]*\) .*/\1/p' /proc/self/mountinfo | tail -n 1)"
t() {
  printf '$ %s\n' "$*"
  { eval "$*"; } 2>&1
  printf '[rc=%s]\n' "$?"
}
# a package: dpkg unpacks into .dpkg-new files, renames them into place, rewrites its database
t 'dpkg -i /opt/debs/hello-fo.deb >/dev/null && dpkg-query -W -f "\${Package} \${Version} \${Status}\n" hello-fo'
t 'cat /usr/share/hello-fo/data /etc/hello-fo/hello.conf /var/lib/hello-fo.marker'
# delete a lower directory, re-create it: nothing of the old one may come back
t 'rm -rf /usr/share/fo-lower/tree && ls /usr/share/fo-lower'
t 'mkdir -p /usr/share/fo-lower/tree/a && echo new >/usr/share/fo-lower/tree/a/f1 && echo new >/usr/share/fo-lower/tree/new'
t 'ls -R /usr/share/fo-lower/tree'
t 'rm -rf /etc/fo-opaque-dir/sub && mkdir /etc/fo-opaque-dir/sub && echo new >/etc/fo-opaque-dir/sub/new && ls /etc/fo-opaque-dir/sub'
# many files created and half of them removed; a directory created and removed whole
t 'mkdir /var/tmp/many && cd /var/tmp/many && for i in $(seq 1 2000); do echo "file $i" >f$i; done && ls | wc -l'
t 'cd /var/tmp/many && seq 1 2 2000 | sed "s/^/f/" | xargs rm && ls | wc -l && cat f2000'
t 'mkdir -p /var/tmp/gone/sub && for i in $(seq 1 300); do echo $i >/var/tmp/gone/sub/g$i; done && rm -rf /var/tmp/gone && ls /var/tmp'
# single lower files: delete, append, chmod, rename, hard link, partial overwrite, break a lower hard link
t 'rm /etc/fo-delete-me && echo more >>/etc/fo-append-me && chmod 600 /etc/fo-chmod-me'
t 'mv /etc/fo-rename-me /etc/fo-renamed && ln /etc/fo-link-me /etc/fo-link-me2 && stat -c "%n %h" /etc/fo-link-me'
t 'dd if=/dev/zero of=/usr/share/fo-lower/big bs=4k count=2 seek=5 conv=notrunc status=none && sha256sum /usr/share/fo-lower/big'
t 'echo appended >>/usr/share/fo-lower/hl-a && stat -c "%n %h" /usr/share/fo-lower/hl-a /usr/share/fo-lower/hl-b'
# new objects of every kind
t 'mkfifo /var/tmp/fifo && ln -s /etc/fo-renamed /var/tmp/symlink && echo mine >/var/tmp/owned && chown 65534:65534 /var/tmp/owned'
t 'echo both new >/var/tmp/hl-new1 && ln /var/tmp/hl-new1 /var/tmp/hl-new2 && stat -c "%n %h" /var/tmp/hl-new1'
t 'ls /etc | grep "^fo-"'
