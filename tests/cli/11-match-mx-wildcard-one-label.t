# *.example.net matches one extra label
args='match-mx --policy "$D/policy-ok.txt" mx1.example.net'
exit=0
