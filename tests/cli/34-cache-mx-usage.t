# mx-list takes only --json
args='cache mx-list --text'
exit=64
stderr_has='mx-list [--json] | mx-purge [HOST]'
