# a lookup on a damaged cache is a temporary failure (mail defers), naming the cure
args='-c "$D/config-damaged.yaml" lookup example.com'
setup='rm -f /tmp/mtasts-cli-damaged.lmdb*; printf "not an lmdb file, just text" > /tmp/mtasts-cli-damaged.lmdb'
exit=75
stdout_has='cache rebuild'
