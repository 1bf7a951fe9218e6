# -c naming a missing file is an error naming it
args='-c "$D/absent.yaml" config-check'
exit=78
stderr_has='absent.yaml'
