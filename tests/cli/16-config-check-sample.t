# the shipped sample config is valid
args='config-check "$S/config/mtasts.yaml"'
exit=0
