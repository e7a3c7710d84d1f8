# File data through the mount: appends, writes in the middle (dd conv=notrunc), O_TRUNC, a large file,
# copy-up of a sparse file, and a file that stays usable after it was unlinked.
LOWERS="L0"

setup() {
  mkdir -p "$L0"/data
  seq 1 100000 >"$L0"/data/numbers
  printf 'hello world\n' >"$L0"/data/greeting
  truncate -s 64M "$L0"/data/sparse
  printf 'end' | dd of="$L0"/data/sparse bs=1 seek=$((64 * 1024 * 1024 - 3)) conv=notrunc status=none
  echo "open me" >"$L0"/data/unlinked
  # pseudo-random but the same on every run
  perl -e 'srand(42); print pack("L*", map { int(rand(4294967296)) } 1 .. 750000)' >"$L0"/data/random
}

run() {
  t 'printf "XY" | dd of=data/greeting bs=1 seek=6 conv=notrunc status=none && cat data/greeting'
  t 'echo 100001 >>data/numbers && tail -2 data/numbers && wc -l <data/numbers'
  t 'sha256sum data/random | cut -c1-16'
  t 'printf "0123" | dd of=data/random bs=1 seek=1500000 conv=notrunc status=none && sha256sum data/random | cut -c1-16'
  t 'echo x >>data/sparse && stat -c "%n %s" data/sparse && tail -c 5 data/sparse'
  t 'stat -c "%b" data/sparse | awk "{ print (\$1 < 1024 ? \"sparse\" : \"not sparse: \" \$1 \" blocks\") }"'
  t 'echo new >data/greeting && cat data/greeting'
  t 'exec 3<data/unlinked; rm data/unlinked; cat <&3; exec 3<&-'
  t 'exec 4<>data/tmpfile; echo before >&4; rm data/tmpfile; echo after-unlink >&4 && echo written; ls data; exec 4>&-'
  t 'exec 5<>data/greeting; rm data/greeting; echo more >&5 && echo appended; cat /proc/self/fd/5 </dev/null; stat -L -c "%s %h" /proc/self/fd/5; exec 5>&-'
  t 'cat data/unlinked'
  t 'head -c 10000000 /dev/zero >data/zeros && stat -c "%n %s" data/zeros && sha256sum data/zeros | cut -c1-16'
  t 'cp data/numbers data/numbers.copy && cmp data/numbers data/numbers.copy && echo same'
  t 'df -h . >/dev/null && echo statfs ok'
  t 'sync data/numbers && echo synced'
}
