# a record without id is invalid: exit 65 and the contract's message prefix
args='parse-txt "v=STSv1;"'
exit=65
stdout=''
stderr_has='mtasts: invalid MTA-STS record: '
