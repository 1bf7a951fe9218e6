# a list where a number belongs is EX_CONFIG with file:line:column
args='config-check "$D/config-wrong-type.yaml"'
exit=78
stderr_has='config-wrong-type.yaml:2:'
