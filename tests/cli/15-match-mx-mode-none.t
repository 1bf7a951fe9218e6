# a mode none policy has no patterns: nothing matches
args='match-mx --policy "$D/policy-none.txt" mail.example.com'
exit=1
