# --help prints the synopsis and exits 0
args='--help'
exit=0
stdout_has='usage: mtasts [-c CONFIG] COMMAND'
