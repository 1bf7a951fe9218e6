# lookup without a domain is a usage error
args='lookup'
exit=64
