# match-mx without --policy is a usage error
args='match-mx mail.example.com'
exit=64
