#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Timeline plot of one failover (SVG, standard library only).

    plot.py DIR OUT.svg [T_PARTITION_NS]

DIR is a cluster run folder (tests/cluster/lib.sh): clocks, nemesis.log,
fences, vm/qfnodeN.out*. One lane per node shows its kernel lease: the time
left until its deadline (from the writer's LEASE_GET samples), mapped to
host time with the nearest clock sample of that VM boot. Vertical lines:
the partition, each NODE_FENCED commit, each kernel fence, the new owner's
first contested write, the heal. The window is the partition -3 s .. +9 s.
"""
import glob
import os
import re
import sys

d, out = sys.argv[1], sys.argv[2]
t_part = int(sys.argv[3]) if len(sys.argv) > 3 else None

clocks = {}  # (node, vmboot) -> [(boot, real, mid)]
with open(os.path.join(d, 'clocks')) as f:
    for line in f:
        p = line.split()
        if len(p) != 6:
            continue
        n, h0, h1, b, r, vb = p
        clocks.setdefault((int(n), vb.lstrip('0') or '0'), []).append(
            (int(b), int(r), (int(h0) + int(h1)) // 2))


def est(node, vb, t, real=False):
    s = clocks.get((node, vb.lstrip('0') or '0'))
    if not s:
        return None
    k = 1 if real else 0
    best = min(s, key=lambda x: abs(x[k] - t))
    return best[2] + t - best[k]


marks = []
with open(os.path.join(d, 'nemesis.log')) as f:
    for line in f:
        p = line.split(None, 1)
        if len(p) == 2:
            marks.append((int(p[0]), p[1].strip()))
if t_part is None:
    parts = [t for t, m in marks if m.startswith('partition')]
    if not parts:
        sys.exit('plot.py: no partition in nemesis.log')
    t_part = parts[0]
lo, hi = t_part - 3_000_000_000, t_part + 9_000_000_000

nodes = {}    # node -> [(host_ns, remaining_ms)]
kfence = {}   # node -> [host_ns]
cfirst = []   # (host_ns, node)
commits = []  # (host_ns, node fenced)
for path in sorted(glob.glob(os.path.join(d, 'vm', 'qfnode*.out*'))):
    n = int(re.search(r'qfnode(\d+)', path).group(1))
    vb = '0'
    with open(path, errors='replace') as f:
        for line in f:
            line = line.strip('\r\n')
            p = line.split()
            if len(p) >= 4 and p[0] == 'W':
                boot = int(p[1])
                kv = dict(x.split('=', 1) for x in p[4:] if '=' in x)
                if p[3] == 'start':
                    vb = kv.get('vmboot', '0')
                    continue
                h = est(n, vb, boot)
                if h is None or not lo <= h <= hi:
                    continue
                if p[3] in ('dl', 'lease'):
                    st, dl = int(kv.get('state', 9)), int(kv.get('deadline', 0))
                    rem = (dl - boot) / 1e6 if st == 1 and dl else 0.0
                    nodes.setdefault(n, []).append((h, max(rem, 0.0)))
                    if p[3] == 'lease' and st == 2:
                        kfence.setdefault(n, []).append(h)
                elif p[3] == 'cwrite-first' and kv.get('epoch') != '1':
                    cfirst.append((h, n))   # epoch 1 is the initial owner
            elif 'NODE_FENCED committed' in line and 'leader measures' in line:
                m = re.match(r'(\d+)\.(\d+) .*NODE_FENCED committed: node (\d+)', line)
                if m:
                    ms = int(m.group(1)) * 1000 + int(m.group(2))
                    h = est(n, vb, ms * 1_000_000, real=True)
                    if h is not None and lo <= h <= hi:
                        commits.append((h, int(m.group(3))))

W, lane, top, left = 900, 110, 50, 90
H = top + lane * max(len(nodes), 1) + 60
ymax = max([r for v in nodes.values() for _, r in v] + [1.0])


def x(t):
    return left + (t - lo) / (hi - lo) * (W - left - 20)


svg = ['<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" '
       'font-family="sans-serif" font-size="11">' % (W, H),
       '<rect width="100%" height="100%" fill="white"/>',
       '<text x="%d" y="20" font-size="14">qfence failover timeline '
       '(time left on each node\'s kernel lease; t = 0 at the partition)</text>' % left]
for i, n in enumerate(sorted(nodes)):
    y0 = top + i * lane
    svg.append('<text x="10" y="%d">node %d</text>' % (y0 + lane // 2, n))
    svg.append('<line x1="%d" y1="%d" x2="%d" y2="%d" stroke="#999"/>' %
               (left, y0 + lane - 15, W - 20, y0 + lane - 15))
    svg.append('<text x="%d" y="%d" fill="#666">%d ms</text>' % (left - 60, y0 + 12, ymax))
    pts = sorted(nodes[n])
    path = ' '.join('%.1f,%.1f' % (x(t), y0 + lane - 15 - r / ymax * (lane - 30))
                    for t, r in pts)
    svg.append('<polyline fill="none" stroke="#1f5fbf" stroke-width="1.5" points="%s"/>' % path)
    for t in kfence.get(n, []):
        svg.append('<text x="%.1f" y="%d" fill="#c00" font-weight="bold">&#10007; fenced</text>' %
                   (x(t) - 4, y0 + lane - 18))


def vline(t, color, label, row):
    svg.append('<line x1="%.1f" y1="%d" x2="%.1f" y2="%d" stroke="%s" stroke-dasharray="4,3"/>' %
               (x(t), top - 10, x(t), H - 40, color))
    svg.append('<text x="%.1f" y="%d" fill="%s">%s</text>' % (x(t) + 3, H - 28 + 12 * row, color, label))


vline(t_part, '#c00', 'partition', 0)
for t, m in marks:
    if m.startswith('heal') and lo <= t <= hi:
        vline(t, '#555', 'heal', 1)
for t, n in commits:
    vline(t, '#e08000', 'NODE_FENCED(%d) +%.2fs' % (n, (t - t_part) / 1e9), 1)
for t, n in cfirst:
    vline(t, '#080', 'node %d takes over +%.2fs' % (n, (t - t_part) / 1e9), 2)
for s in range(-3, 10):
    t = t_part + s * 1_000_000_000
    svg.append('<text x="%.1f" y="%d" fill="#666">%+ds</text>' % (x(t) - 8, top - 14, s))
svg.append('</svg>')
# the same story as text, for the demo and the bench log
ev = [(t_part, 'partition (nemesis)')]
ev += [(t, 'node %d: kernel lease FENCED (IO refused)' % n) for n, v in kfence.items() for t in v]
ev += [(t, 'NODE_FENCED(%d) committed on the leader' % n) for t, n in commits]
ev += [(t, 'node %d: first write to the contested region (takeover)' % n) for t, n in cfirst]
ev += [(t, 'heal') for t, m in marks if m.startswith('heal') and lo <= t <= hi]
for t, what in sorted(ev):
    print('  %+8.3f s  %s' % ((t - t_part) / 1e9, what))
with open(out, 'w') as f:
    f.write('\n'.join(svg) + '\n')
print('plot: ' + out)
