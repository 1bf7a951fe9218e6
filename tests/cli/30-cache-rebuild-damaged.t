# a damaged cache file is moved aside and the cache starts empty
args='-c "$D/config-damaged.yaml" cache rebuild'
setup='rm -f /tmp/mtasts-cli-damaged.lmdb*; printf "not an lmdb file, just text" > /tmp/mtasts-cli-damaged.lmdb'
exit=0
stdout_has='moved the damaged cache to /tmp/mtasts-cli-damaged.lmdb.damaged-'
stderr_has='not an LMDB file'
