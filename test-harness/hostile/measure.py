#!/usr/bin/python3
#++
# NAME
#	measure.py - run a command; report its exit, wall time and peak memory
# SYNOPSIS
#	measure.py SECONDS COMMAND [ARG...]
# DESCRIPTION
#	Runs COMMAND with its standard output and error passed through,
#	kills it (SIGKILL) if it runs longer than SECONDS, then prints one
#	line to standard output:
#	"MEASURE rc=N wall=SECONDS maxrss_kb=KB killed=0|1".
#	maxrss is the peak resident set of the command (getrusage of the
#	waited-for child; a libtool wrapper execs the real program, so it
#	is the program's own).
#--
import resource
import subprocess
import sys
import time

sys.dont_write_bytecode = True


def main(argv):
	if len(argv) < 3:
		sys.stderr.write("usage: measure.py SECONDS COMMAND [ARG...]\n")
		return 2
	limit = float(argv[1])
	t0 = time.time()
	p = subprocess.Popen(argv[2:])
	killed = 0
	try:
		rc = p.wait(timeout=limit)
	except subprocess.TimeoutExpired:
		p.kill()
		rc = p.wait()
		killed = 1
	wall = time.time() - t0
	rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
	sys.stdout.flush()
	print("MEASURE rc=%d wall=%.2f maxrss_kb=%d killed=%d" % (rc, wall, rss, killed))
	return 0


if __name__ == "__main__":
	sys.exit(main(sys.argv))
