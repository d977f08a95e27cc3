#!/bin/sh
# Command-line behaviour of the quorumctl binary that needs no kernel: every
# case here is refused (or answered) before a netlink socket is opened.
#   tests/cli.sh BINARY
# Prints "ok NAME" / "FAIL NAME: why" per case.
Q=$1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# expect NAME CODE STDERR_SUBSTRING ARGS...
expect() {
	name=$1 code=$2 needle=$3
	shift 3
	"$Q" "$@" >"$tmp/out" 2>"$tmp/err"
	rc=$?
	if [ $rc -ne "$code" ]; then
		echo "FAIL $name: exit $rc, want $code ($(head -n 1 "$tmp/err"))"
	elif [ -n "$needle" ] && ! grep -qF -- "$needle" "$tmp/err"; then
		echo "FAIL $name: stderr lacks \"$needle\": $(head -n 2 "$tmp/err" | tr '\n' ' ')"
	elif [ "$code" -eq 2 ] && [ -s "$tmp/out" ]; then
		echo "FAIL $name: a usage error wrote to stdout"
	elif [ "$code" -eq 2 ] && ! grep -q '^usage: ' "$tmp/err"; then
		echo "FAIL $name: a usage error without usage"
	else
		echo "ok $name"
	fi
}

n31=aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa
n32=${n31}b

"$Q" help >"$tmp/help" 2>&1
if [ $? -eq 0 ] && grep -q '^exit codes:' "$tmp/help" &&
	grep -q '^  3  the qfence kernel module is not loaded' "$tmp/help" &&
	grep -q 'quorumctl lease bench-renew' "$tmp/help"; then
	echo "ok cli: help lists commands and exit codes"
else
	echo "FAIL cli: help: $(head -n 3 "$tmp/help" | tr '\n' ' ')"
fi
if grep -q '^  5  quorumd is not running' "$tmp/help" &&
	grep -q '^  6  fence --wait' "$tmp/help" &&
	grep -q 'quorumctl transfer-leader \[ID\]' "$tmp/help" &&
	grep -q 'quorumctl leave \[--json\]' "$tmp/help"; then
	echo "ok cli: help lists the cluster commands and exit codes 5, 6"
else
	echo "FAIL cli: help lacks the cluster commands or exit codes 5, 6"
fi
expect "cli: no command" 2 "usage: quorumctl" 
expect "cli: unknown command" 2 'unknown command "bogus"' bogus
expect "cli: unknown global option" 2 "unknown option --yaml" --yaml lease list
expect "cli: help takes no arguments" 2 "help takes no arguments" help me
expect "cli: lease without subcommand" 2 "missing lease subcommand" lease
expect "cli: unknown lease subcommand" 2 'unknown lease subcommand "frob"' lease frob
expect "cli: lease help" 0 "" lease help
expect "cli: subcommand --help" 0 "" lease renew --help
expect "cli: list takes no NAME" 2 'unexpected argument "db0"' lease list db0
expect "cli: show needs NAME" 2 "missing argument" lease show
expect "cli: show takes one NAME" 2 'unexpected argument "b"' lease show a b
expect "cli: name of 32 bytes" 2 "longer than 31 bytes" lease show "$n32"
expect "cli: empty name" 2 "empty lease name" lease fence ""
expect "cli: new needs --generation" 2 "missing --generation" lease new db0 --max-lease-ms 1500
expect "cli: new needs --max-lease-ms" 2 "missing --max-lease-ms" lease new db0 --generation 1
expect "cli: new bad action" 2 'bad action "halt"' lease new db0 --generation 1 --max-lease-ms 1 --actions io,halt
expect "cli: new u32 overflow" 2 "out of range" lease new db0 --generation 1 --max-lease-ms 4294967296
expect "cli: new negative generation" 2 "not a decimal number" lease new db0 --generation -1 --max-lease-ms 1
expect "cli: new trailing garbage" 2 "not a decimal number" lease new db0 --generation 1x --max-lease-ms 1
expect "cli: renew needs a deadline" 2 "exactly one of --deadline-ns and --in-ms" lease renew db0 --generation 1
expect "cli: renew takes one deadline" 2 "exactly one of" lease renew db0 --generation 1 --in-ms 5 --deadline-ns 5
expect "cli: renew missing value" 2 "--in-ms needs a value" lease renew db0 --generation 1 --in-ms
expect "cli: fence takes no generation" 2 "unknown option --generation" lease fence db0 --generation 2
expect "cli: unfence needs a generation" 2 "missing --generation" lease unfence db0
expect "cli: del repeated option" 2 "unexpected argument" lease del db0 db1
expect "cli: events count 0" 2 "out of range 1.." lease events --count 0
expect "cli: events takes no NAME" 2 'unexpected argument "db0"' lease events db0
expect "cli: renew-loop period below lease" 2 "--every-ms must be smaller than --lease-ms" lease renew-loop db0 --generation 1 --every-ms 500 --lease-ms 500
expect "cli: renew-loop needs --every-ms" 2 "missing --every-ms" lease renew-loop db0 --generation 1 --lease-ms 500
expect "cli: bench-renew count 0" 2 "out of range" lease bench-renew db0 --generation 1 --count 0 --lease-ms 5
expect "cli: bench-renew needs --count" 2 "missing --count" lease bench-renew db0 --generation 1 --lease-ms 5

# Cluster commands: no quorumd listens at $tmp/none.sock.
none=$tmp/none.sock
long=/tmp/$(printf '%0110d' 0)
expect "cli: status, daemon absent" 5 "quorumd is not running (no socket at $none)" --socket "$none" status
expect "cli: --socket= form" 5 "no socket at $none" --socket="$none" status
expect "cli: --socket after the command" 5 "no socket at $none" status --socket "$none"
expect "cli: --socket too long" 2 "not a usable socket path" --socket "$long" status
expect "cli: --socket twice" 2 "--socket given twice" --socket a --socket b status
expect "cli: --socket without value" 2 "--socket needs a value" --socket
expect "cli: status takes no argument" 2 'unexpected argument "x"' --socket "$none" status x
expect "cli: member add bad address" 2 'bad address list: "10.0.0.4"' --socket "$none" member add 4 10.0.0.4
expect "cli: member add three addresses" 2 "more than 2 addresses" --socket "$none" member add 4 1.1.1.1:1,2.2.2.2:2,3.3.3.3:3
expect "cli: member remove id 0" 2 'bad node id "0"' --socket "$none" member remove 0
expect "cli: member without subcommand" 2 "missing member subcommand" member
expect "cli: fence needs NODE" 2 "missing argument (NODE)" --socket "$none" fence
expect "cli: fence --timeout-ms needs --wait" 2 "--timeout-ms needs --wait" --socket "$none" fence 3 --timeout-ms 5
expect "cli: fence --timeout needs --wait" 2 "--timeout needs --wait" --socket "$none" fence 3 --timeout 5
expect "cli: fence --timeout and --timeout-ms exclude each other" 2 "exclude each other" --socket "$none" fence 3 --wait --timeout 5 --timeout-ms 5
expect "cli: rejoin --timeout needs --wait" 2 "--timeout needs --wait" --socket "$none" rejoin 3 --timeout 5
expect "cli: fence --timeout-ms 0" 2 "out of range 1.." --socket "$none" fence 3 --wait --timeout-ms 0
expect "cli: fence --wait absent daemon" 5 "quorumd is not running" --socket "$none" fence 3 --wait
expect "cli: metrics, daemon absent" 5 "quorumd is not running (no socket at $none)" --socket "$none" metrics
expect "cli: metrics has no --json" 2 "metrics has no --json" metrics --json
expect "cli: metrics takes no argument" 2 "" metrics 3
expect "cli: rejoin bad node" 2 'bad node id "me"' --socket "$none" rejoin me
expect "cli: transfer-leader bad id" 2 'bad node id "x"' --socket "$none" transfer-leader x
expect "cli: leave takes no argument" 2 "leave" --socket "$none" leave 2
expect "cli: leave absent daemon" 5 "quorumd is not running" --socket "$none" leave
expect "cli: leave --help" 0 "" leave --help
expect "cli: fence --help" 0 "" fence --help
expect "cli: member add --help" 0 "" member add --help
"$Q" member --help >"$tmp/out" 2>&1
if [ $? -eq 0 ] && grep -q '^usage: quorumctl member remove ID' "$tmp/out"; then
	echo "ok cli: member --help lists add and remove"
else
	echo "FAIL cli: member --help: $(head -n 2 "$tmp/out" | tr '\n' ' ')"
fi

# keygen: 0600 from the start, 64 hex digits, never overwrites without --force.
k=$tmp/k/cluster.key
mkdir -p "$tmp/k"
(umask 0; "$Q" keygen "$k" >"$tmp/out" 2>"$tmp/err")
rc=$?
if [ $rc -eq 0 ] && [ "$(stat -c %a "$k")" = 600 ] &&
	grep -qxE '[0-9a-f]{64}' "$k" && [ "$(wc -c < "$k")" -eq 65 ]; then
	echo "ok cli: keygen writes 64 hex digits, mode 0600 under umask 0"
else
	echo "FAIL cli: keygen: exit $rc mode $(stat -c %a "$k" 2>&1) $(head -c 80 "$k" 2>&1)"
fi
cp "$k" "$tmp/k/before"
expect "cli: keygen refuses an existing file" 1 "exists" keygen "$k"
if cmp -s "$k" "$tmp/k/before"; then
	echo "ok cli: keygen refusal leaves the key unchanged"
else
	echo "FAIL cli: keygen refusal changed the key"
fi
expect "cli: keygen --force replaces" 0 "" keygen --force "$k"
if ! cmp -s "$k" "$tmp/k/before" && [ "$(stat -c %a "$k")" = 600 ] &&
	grep -qxE '[0-9a-f]{64}' "$k" && [ ! -e "$k.new" ]; then
	echo "ok cli: keygen --force writes a new 0600 key atomically"
else
	echo "FAIL cli: keygen --force: mode $(stat -c %a "$k") $(ls "$tmp/k")"
fi
expect "cli: keygen two files" 2 "one FILE" keygen "$tmp/k/a" "$tmp/k/b"
expect "cli: keygen unknown option" 2 "unknown option --bits" keygen --bits 256
expect "cli: keygen into a missing directory" 4 "No such file" keygen "$tmp/none/key"
