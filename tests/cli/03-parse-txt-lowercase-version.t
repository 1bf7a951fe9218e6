# v=STSv1 is case-sensitive (RFC 8461 3.1 %s"STSv1")
args='parse-txt "v=stsv1; id=1;"'
exit=65
stderr_has='mtasts: invalid MTA-STS record: '
