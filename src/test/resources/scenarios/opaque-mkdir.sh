# mkdir over a deleted lower directory makes an opaque directory: nothing below shows through again.
LOWERS="L0 L1"

setup() {
  mkdir -p "$L1"/etc/conf.d "$L0"/etc/conf.d "$L1"/srv/www "$L1"/opt/tool
  echo base >"$L1"/etc/conf.d/base.conf
  echo app >"$L0"/etc/conf.d/app.conf
  echo index >"$L1"/srv/www/index.html
  echo tool >"$L1"/opt/tool/bin
}

run() {
  t 'rm -rf etc/conf.d'
  t 'mkdir etc/conf.d'
  t 'ls -1A etc/conf.d'
  t 'echo mine >etc/conf.d/mine.conf'
  t 'ls -1A etc/conf.d'
  t 'rm srv/www/index.html && rmdir srv/www && mkdir srv/www'
  t 'ls -1A srv/www'
  t 'rm -rf opt/tool && mkdir -p opt/tool/sub && echo t >opt/tool/sub/f'
  t 'ls -1AR opt'
  t 'rmdir srv/www && ls -1A srv'
  t 'mkdir srv/www && touch srv/www/again && ls -1A srv/www'
}
