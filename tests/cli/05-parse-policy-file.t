# mx lower-cased, in file order; exact JSON
args='parse-policy "$D/policy-ok.txt"'
exit=0
stdout='{"version":"STSv1","mode":"enforce","max_age":604800,"mx":["mail.example.com","*.example.net","backupmx.example.com"]}'
