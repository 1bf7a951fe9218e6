# mode none needs no mx (RFC 8461 3.2)
args='parse-policy "$D/policy-none.txt"'
exit=0
stdout='{"version":"STSv1","mode":"none","max_age":86400,"mx":[]}'
