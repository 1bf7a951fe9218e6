# --version prints the package name and version
args='--version'
exit=0
stdout_has='mtasts 0.'
