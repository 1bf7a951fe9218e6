# -c CONFIG names the file config-check checks when none is given
args='-c "$D/config-ok.yaml" config-check'
exit=0
stdout_has='config-ok.yaml: ok'
