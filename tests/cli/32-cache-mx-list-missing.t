# the MX state file (next to cache.path) not there yet lists as empty
args='-c "$D/config-nocache.yaml" cache mx-list --json'
exit=0
stdout=''
