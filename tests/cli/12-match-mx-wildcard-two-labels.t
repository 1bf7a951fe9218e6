# *.example.net does not match two extra labels (RFC 8461 4.1): exit 1
args='match-mx --policy "$D/policy-ok.txt" a.b.example.net'
exit=1
