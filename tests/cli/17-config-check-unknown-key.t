# an unknown key is EX_CONFIG with file:line:column
args='config-check "$D/config-unknown-key.yaml"'
exit=78
stderr_has='config-unknown-key.yaml:5:3: '
