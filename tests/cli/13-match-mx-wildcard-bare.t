# *.example.net does not match example.net itself
args='match-mx --policy "$D/policy-ok.txt" example.net'
exit=1
