# exact pattern, host in other case with a trailing dot: match (exit 0)
args='match-mx --policy "$D/policy-ok.txt" MAIL.example.com.'
exit=0
