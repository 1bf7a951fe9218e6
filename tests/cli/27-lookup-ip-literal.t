# an IP literal next-hop has no MTA-STS policy: outcome none, exit 2, no network
args='lookup "[192.0.2.1]:25"'
exit=2
stdout_has='"outcome":"none"'
