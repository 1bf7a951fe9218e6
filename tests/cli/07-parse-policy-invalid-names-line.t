# a wildcard that is not the whole leftmost label is invalid; the error names line 5
args='parse-policy "$D/policy-bad.txt"'
exit=65
stdout=''
stderr_has='line 5'
