# Two-mount rotation: mount 1 writes, is unmounted, and its upper becomes the top lower of mount 2
# (lowerdir=OLDUPPER:BASE) with a new upper, as image builders commit layers.
LOWERS="L0"

setup() {
  mkdir -p "$L0"/etc "$L0"/data/old "$L0"/gone
  echo base >"$L0"/etc/version
  echo "base data" >"$L0"/data/old/file
  echo bye >"$L0"/gone/file
  echo keep >"$L0"/keep
}

run() {
  t 'echo "layer 1" >etc/version'
  t 'echo fresh >etc/new'
  t 'rm -rf data/old && mkdir data/old && echo "layer 1 data" >data/old/file2'
  t 'rm -rf gone'
  t 'mkdir -p made/in/one && echo 1 >made/in/one/f'
  cd / || return
  ovl_umount "$M"
  ovl_mount "$M" "$U:$L0" "$B/upper2" "$B/work2"
  cd "$M" || return
  t 'cat etc/version etc/new keep'
  t 'ls -1A . etc data/old made/in/one'
  t 'ls gone'
  t 'echo "layer 2" >>etc/version'
  t 'rm etc/new'
  t 'rm -rf data && mkdir data && echo "layer 2 data" >data/f'
  t 'mkdir gone && echo back >gone/again'
  t 'mv made/in/one/f made/f && rm -rf made/in'
  t 'ls -1AR .'
}
