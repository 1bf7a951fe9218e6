# RFC 8461 3.1 example record: exact JSON on stdout
args='parse-txt "v=STSv1; id=20160831085700Z;"'
exit=0
stdout='{"v":"STSv1","id":"20160831085700Z"}'
