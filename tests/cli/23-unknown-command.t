# an unknown command is a usage error naming it
args='frobnicate'
exit=64
stderr_has="unknown command 'frobnicate'"
