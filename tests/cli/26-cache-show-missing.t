# show of a domain that is not cached exits 1 and says so
args='-c "$D/config-nocache.yaml" cache show example.com'
exit=1
stderr_has='not in cache'
