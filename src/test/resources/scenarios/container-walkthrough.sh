# The layered-container walkthrough: a base image layer, an app layer on top, and the container's
# writable upper. Reads fall through to the base, the upper layer wins, appends copy up, new files land
# in upper, removing a lower file leaves a 0/0 whiteout.
LOWERS="L0 L1" # L0: the app layer (top), L1: the base layer

setup() {
  mkdir -p "$L1"/etc "$L1"/bin "$L1"/usr/share/doc "$L1"/var/log "$L1"/root
  echo "NAME=base 1.0" >"$L1"/etc/os-release
  echo "root:x:0:0::/root:/bin/sh" >"$L1"/etc/passwd
  printf '#!/bin/sh\necho base\n' >"$L1"/bin/sh
  chmod 755 "$L1"/bin/sh
  echo "config from base" >"$L1"/etc/app.conf
  echo "documentation" >"$L1"/usr/share/doc/README
  echo "boot" >"$L1"/var/log/boot.log
  chmod 700 "$L1"/root
  mkdir -p "$L0"/etc "$L0"/app
  echo "config from app" >"$L0"/etc/app.conf
  echo 'print("hello")' >"$L0"/app/main.py
  chmod 750 "$L0"/app
}

run() {
  t 'cat etc/os-release'
  t 'cat etc/app.conf'
  t 'ls -1A . etc app'
  t 'echo "app:x:1000:1000::/app:/bin/sh" >>etc/passwd'
  t 'cat etc/passwd'
  t 'echo "tuned" >>etc/app.conf'
  t 'cat etc/app.conf'
  t 'echo "written by the container" >app/data.txt'
  t 'mkdir -p var/cache/app && echo cached >var/cache/app/entry'
  t 'rm usr/share/doc/README'
  t 'rm etc/os-release'
  t 'cat etc/os-release'
  t 'ls -1A usr/share/doc etc var'
  t 'stat -c "%n %F %a %s %h %U:%G" etc/passwd etc/app.conf app app/main.py app/data.txt bin/sh root'
  t 'sh bin/sh'
}
