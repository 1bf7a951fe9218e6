# an unreadable file is EX_NOINPUT with the file named
args='parse-policy "$D/no-such-file.txt"'
exit=66
stderr_has='no-such-file.txt'
