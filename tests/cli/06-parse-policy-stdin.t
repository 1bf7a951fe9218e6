# "-" reads the policy from stdin
args='parse-policy -'
stdin=policy-ok.txt
exit=0
stdout='{"version":"STSv1","mode":"enforce","max_age":604800,"mx":["mail.example.com","*.example.net","backupmx.example.com"]}'
