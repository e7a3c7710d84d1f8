# Large merged directories: listing is complete and duplicate-free across layers, and removing entries
# while the directory is being read (find -delete, rm -rf) still reaches every entry in one pass.
LOWERS="L0 L1"

setup() {
  mkdir -p "$L1"/big "$L0"/big "$L1"/wide
  (cd "$L1"/big && seq -f 'f%04g' 1 1500 | xargs touch)
  (cd "$L0"/big && seq -f 'f%04g' 1000 2000 | xargs touch && seq -f 'g%04g' 1 500 | xargs touch)
  (cd "$L1"/wide && seq -f 'd%04g' 1 300 | xargs mkdir && seq -f 'd%04g/file' 1 300 | xargs touch)
}

run() {
  t 'ls -f big | wc -l'
  t 'ls big | sort | uniq -d | wc -l'
  t 'ls big | cksum'
  t '(cd big && seq -f "h%04g" 1 500 | xargs touch) && ls big | wc -l'
  t 'find big -name "*5" -delete && ls big | wc -l && ls big | cksum'
  t 'ls -f big | sort | uniq -d | wc -l'
  t 'find wide -type f | wc -l'
  t 'rm -rf big && ls -A'
  t 'rm -rf wide && ls -A'
}
