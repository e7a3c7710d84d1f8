# rm -rf of a deep lower tree, of a tree that is partly copied up, and of a tree spread over two lowers.
LOWERS="L0 L1"

setup() {
  local d
  for d in a b c; do
    mkdir -p "$L1"/usr/lib/$d/x/y/z/w
    echo "$d" >"$L1"/usr/lib/$d/file
    echo "$d deep" >"$L1"/usr/lib/$d/x/y/z/w/deep
    ln -s ../file "$L1"/usr/lib/$d/x/link
    mkfifo "$L1"/usr/lib/$d/x/y/fifo
  done
  for i in $(seq 1 40); do echo "$i" >"$L1"/usr/lib/a/many-$i; done
  mkdir -p "$L1"/usr/share/doc "$L0"/usr/share/doc/pkg "$L0"/usr/lib/b/extra
  echo base >"$L1"/usr/share/doc/base
  echo pkg >"$L0"/usr/share/doc/pkg/README
  echo extra >"$L0"/usr/lib/b/extra/file
  echo keep >"$L1"/usr/keep
}

run() {
  t 'echo changed >>usr/lib/c/x/y/z/w/deep'
  t 'mkdir usr/lib/c/x/new && echo new >usr/lib/c/x/new/file'
  t 'rm -rf usr/lib'
  t 'ls -1A usr'
  t 'ls usr/lib'
  t 'rm -rf usr/share'
  t 'ls -1A usr'
  t 'find . | sort'
  t 'rm -rf usr/lib'
}
