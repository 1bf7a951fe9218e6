# an invalid policy is exit 65, not "no match"
args='match-mx --policy "$D/policy-bad.txt" mail.example.com'
exit=65
