# a malformed key is invalid data (exit 65), naming the key
args='lookup "bad..name"'
exit=65
stderr_has='bad..name'
