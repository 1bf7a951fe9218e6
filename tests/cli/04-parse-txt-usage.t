# a missing argument is a usage error (EX_USAGE)
args='parse-txt'
exit=64
stderr_has='usage: mtasts parse-txt'
