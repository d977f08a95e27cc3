# SPDX-License-Identifier: MIT
"""Name what delayed each failover run (issue 15, takeover tails).

failover.bench.sh measures partition -> NODE_FENCED committed -> the new
owner's first write. A run that takes longer than the design's bound
(design.md §2, rule 5: W + heartbeats, plus an election when the victim
led) has a cause in the daemons' logs; this module reads them and names,
per run, what happened in its window besides the victim's own fence:

  election          the victim led: a new leader first (part of the bound)
  survivor-election a survivor campaigned as well (a leader lost, terms)
  healthy-lapse     a survivor's kernel lease expired (a starved VM)
  survivor-fenced   a survivor was fenced in the window (and why)
  commit-late       the commit came after the bound
  write-late        the new owner's first write came long after the commit

The logs are the guests' own (their wall clock, set from the host at boot
and kept by the guest; good to some milliseconds, which is below every
cause's size). A slow run with none of these is reported "unexplained".
"""
import glob
import os
import re

LINE = re.compile(r'^(\d+\.\d+) quorumd\[\w+\]: (.*)$')
LAPSE = re.compile(r"kernel lease '\w+' generation (\d+) is FENCED \(expired\)")
FENCED = re.compile(r'NODE_FENCED committed: node (\d+) generation (\d+) .*reason (\w+)')
TERM = re.compile(r'term (\d+): (pre-candidate|candidate|leader),')
WRITE_LATE_MS = 500


def node_events(vmdir):
    """Every node's elections, lapses and committed fences, in time order:
    (seconds, node, kind, detail)."""
    ev, seen = [], set()
    for f in sorted(glob.glob(os.path.join(vmdir, 'qfnode*.out*'))):
        node = int(re.search(r'qfnode(\d+)', f).group(1))
        with open(f, errors='replace') as fh:
            for line in fh:
                m = LINE.match(line)
                if not m:
                    continue
                t, msg = float(m.group(1)), m.group(2)
                lm, fm, tm = LAPSE.search(msg), FENCED.search(msg), TERM.match(msg)
                if lm and (node, lm.group(1)) not in seen:
                    seen.add((node, lm.group(1)))	# logged once per start
                    ev.append((t, node, 'lapse', int(lm.group(1))))
                elif fm and ('f', fm.group(1), fm.group(2)) not in seen:
                    seen.add(('f', fm.group(1), fm.group(2)))
                    ev.append((t, node, 'fenced', (int(fm.group(1)), fm.group(3))))
                elif tm:
                    ev.append((t, node, tm.group(2), int(tm.group(1))))
    return sorted(ev)


def run_causes(ev, row, part_ns, commit_ns, first_ns, bound_ms):
    """The causes found in one run's window, and whether it was slow."""
    v, lo, hi = row['victim'], part_ns / 1e9 - 0.2, first_ns / 1e9 + 0.2
    win = [e for e in ev if lo <= e[0] <= hi]
    causes = []
    if row['victim_was_leader']:
        causes.append('election')
    terms = sorted({e[3] for e in win if e[2] in ('candidate', 'leader') and e[1] != v})
    if len(terms) > (1 if row['victim_was_leader'] else 0):
        causes.append('survivor-election (terms %s)' % ','.join(map(str, terms)))
    for n in sorted({e[1] for e in win if e[2] == 'lapse' and e[1] != v}):
        causes.append('healthy-lapse node %d' % n)
    for x, why in sorted({e[3] for e in win if e[2] == 'fenced' and e[3][0] != v}):
        causes.append('survivor-fenced node %d (%s)' % (x, why))
    commit_ms = (commit_ns - part_ns) / 1e6
    if commit_ms > bound_ms:
        causes.append('commit-late %.0f ms over the bound' % (commit_ms - bound_ms))
    if (first_ns - commit_ns) / 1e6 > WRITE_LATE_MS:
        causes.append('write-late %.0f ms after the commit' % ((first_ns - commit_ns) / 1e6))
    slow = (first_ns - part_ns) / 1e6 > bound_ms + WRITE_LATE_MS
    if slow and causes in ([], ['election']):
        causes.append('unexplained')
    return causes, slow
