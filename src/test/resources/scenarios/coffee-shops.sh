# Three coffee shops share one base layer (the franchise's menu and recipes), each with its own upper
# layer, all three mounted at once. Each shop changes its own view; the others and the base never see it.
LOWERS="L0" # the shared base
NOMOUNT=1

setup() {
  mkdir -p "$L0"/recipes "$L0"/specials
  printf 'espresso 2.00\nlatte 3.50\n' >"$L0"/menu.txt
  echo "18g in, 36g out" >"$L0"/recipes/espresso
  echo "espresso + steamed milk" >"$L0"/recipes/latte
  echo "pumpkin spice" >"$L0"/specials/monday
  echo "cold brew" >"$L0"/specials/friday
}

run() {
  for shop in north south east; do
    ovl_mount "$B/$shop" "$L0" "$B/$shop.upper"
  done
  t 'cd $B/north'
  t 'echo "oat latte 3.90" >>menu.txt'
  t 'rm specials/monday'
  t 'mkdir orders && echo "2 flat white" >orders/0001'
  t 'cd $B/south'
  t 'echo "40g out" >recipes/espresso'
  t 'rm -rf specials'
  t 'mkdir specials && echo "iced tea" >specials/daily'
  t 'cd $B/east'
  t 'mv recipes/latte recipes/flat-white'
  t 'ln -s recipes/espresso house-special'
  t 'chmod 600 menu.txt'
  t 'cd $B'
  for shop in north south east; do
    t "cat $shop/menu.txt"
    t "ls -1A $shop $shop/recipes $shop/specials"
    t "cat $shop/recipes/espresso"
  done
  t 'stat -c "%n %a" north/menu.txt south/menu.txt east/menu.txt'
  t 'ls -1A L0 L0/recipes L0/specials && cat L0/menu.txt L0/recipes/espresso'
}
