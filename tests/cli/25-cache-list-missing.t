# a cache file that does not exist yet lists as empty, not as an error
args='-c "$D/config-nocache.yaml" cache list'
exit=0
stdout=''
