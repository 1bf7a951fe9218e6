# forgetting a host the MX state file does not know exits 1 and says so
args='-c "$D/config-nocache.yaml" cache mx-purge MX.Example.COM.'
exit=1
stderr_has='not in cache'
