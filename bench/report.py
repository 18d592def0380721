#!/usr/bin/env python3
"""Turn bench results (results.json) into docs/benchmarks.md and docs/benchmarks.png.

    bench/report.py [.bench-work/results.json] [--docs docs]

The findings section is bench/findings.md, included as written (profiling notes, what remains).
"""

import argparse
import json
import os
import statistics

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
MiB = 1024 * 1024

NOOP_NAMES = {'floor': 'floor: ansible-playbook with one ansible.builtin.ping task',
              'ours': 'osimg.glance.glance_image, playbook', 'osc': 'openstack.cloud.image, playbook',
              'ours-cached': 'osimg.glance.glance_image, playbook, cache: {auth: true}',
              'ours-module': 'osimg.glance.glance_image, module alone',
              'ours-cached-module': 'osimg.glance.glance_image, module alone, cache: {auth: true}',
              'osc-module': 'openstack.cloud.image, module alone'}
NAMES = {
    'upload': {'ours': 'osimg.glance.glance_image, playbook', 'ours-module': 'osimg.glance.glance_image, module alone',
               'osc': 'openstack.cloud.image, playbook', 'glance': 'glance image-create --file',
               'curl': 'curl -T (wire limit)'},
    'download': {'ours': 'osimg.glance.glance_image_download, playbook',
                 'ours-module': 'osimg.glance.glance_image_download, module alone',
                 'ours-unverified': 'osimg.glance.glance_image_download, module alone, verify: false',
                 'glance': 'glance image-download', 'sdk': 'openstacksdk download_image', 'curl': 'curl -o (wire limit)'},
    'noop': NOOP_NAMES,
    'noop_large': NOOP_NAMES,
    'noop_crowded': NOOP_NAMES,
    'listing': {'ours': 'osimg.glance.glance_image_info (tag filter in Glance)',
                'osc': 'openstack.cloud.image_info (name glob, filtered locally)'},
    'catalogue': {'ours': 'osimg.glance: glance_auth once, then glance_image and glance_image_member',
                  'ours-plain': 'osimg.glance: the same tasks, each authenticating',
                  'osc': 'openstack.cloud.image, and openstack image add project'},
}
SHORT = {'ours': 'osimg.glance', 'osc': 'openstack.cloud', 'glance': 'glanceclient\nCLI', 'curl': 'curl',
         'sdk': 'openstacksdk', 'ours-module': 'osimg.glance\nmodule alone',
         'osc-module': 'openstack.cloud\nmodule alone', 'floor': 'floor\n(ping)',
         'ours-cached': 'osimg.glance\ncache.auth', 'ours-cached-module': 'osimg.glance\ncache.auth alone',
         'ours-plain': 'osimg.glance\nno glance_auth', 'ours-unverified': 'osimg.glance\nverify: false'}
COLORS = {'ours': '#2b7bba', 'ours-module': '#7fb3dc', 'osc': '#d9822b', 'osc-module': '#f0b880',
          'glance': '#6a9f58', 'sdk': '#a05195', 'curl': '#888888', 'floor': '#cccccc', 'ours-cached': '#1b4f7a',
          'ours-cached-module': '#4a90c8', 'ours-plain': '#9cc3e4', 'ours-unverified': '#b9d6ee'}
PEERS = {'upload': ('osc', 'glance'), 'download': ('glance', 'sdk'), 'noop': ('osc', 'osc-module'),
         'noop_large': ('osc', 'osc-module'), 'noop_crowded': ('osc',), 'listing': ('osc',), 'catalogue': ('osc',)}
ORDER = ['floor', 'ours', 'ours-cached', 'ours-plain', 'ours-module', 'ours-cached-module', 'ours-unverified', 'osc',
         'osc-module',
         'glance', 'sdk', 'curl']


def all_runs(case):
    runs = list(case.get('runs') or [])
    for sub in (case.get('sizes') or {}).values():
        if not sub.get('reused_from'):
            runs.extend(sub.get('runs') or [])
    return runs


def fmt_s(x):
    return '-' if x is None else ('%.2f' % x if x < 100 else '%.0f' % x)


def stats(runs, contender, key='wall_s'):
    values = [r[key] for r in runs if r['contender'] == contender and r['ok'] and r.get(key) is not None]
    if not values:
        return None
    return {'median': statistics.median(values), 'min': min(values), 'max': max(values), 'n': len(values)}


def count(runs, contender):
    rs = [r for r in runs if r['contender'] == contender]
    return sum(1 for r in rs if r['ok']), len(rs)


def contenders_of(runs):
    seen = []
    for r in runs:
        if r['contender'] not in seen:
            seen.append(r['contender'])
    return sorted(seen, key=ORDER.index)


def peer_group(case, contender):
    if case in ('noop', 'noop_large', 'noop_crowded'):
        return ('osc-module',) if contender.endswith('-module') else ('osc',)
    return PEERS[case]


def fastest_peer(case, runs, contender):
    best = None
    for peer in peer_group(case, contender):
        s = stats(runs, peer)
        if s and (best is None or s['median'] < best[1]):
            best = (peer, s['median'])
    return best


def ratio(a, b):
    return None if a is None or b is None or b == 0 else a / b


def fmt_x(x):
    return '-' if x is None else '%.2fx' % x


def spread(s):
    return '-' if s is None else '%s–%s' % (fmt_s(s['min']), fmt_s(s['max']))


# ---- the tables -------------------------------------------------------------------------------

def transfer_table(case_name, case):
    runs, size = case['runs'], case['size']
    mib = size / MiB
    curl = stats(runs, 'curl')
    curl_srv = stats(runs, 'curl', 'server_ms')
    lines = [
        '| contender | wall, median (s) | spread (s) | MiB/s (wall) | transfer in Glance, median (s) | MiB/s (transfer) '
        '| client CPU, median (s) | peak RSS of the streaming process (MiB) | time vs fastest peer '
        '| throughput vs curl (wall / transfer) | runs ok |',
        '|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
    ]
    missing = ['ours'] if case_name == 'download' and not case.get('ours_available', True) else []
    for c in missing + contenders_of(runs):
        name = NAMES[case_name].get(c, c)
        s = stats(runs, c)
        if c in missing:
            lines.append('| %s | not measured (module not yet available) | | | | | | | | | |' % name)
            continue
        if s is None:
            ok, n = count(runs, c)
            lines.append('| %s | failed | | | | | | | | | %d/%d |' % (name, ok, n))
            continue
        srv = stats(runs, c, 'server_ms')
        rss = stats(runs, c, 'streamer_rss_mib')
        cpu_s = stats(runs, c, 'cpu_s')
        peer = fastest_peer(case_name, runs, c) if c not in PEERS[case_name] and c != 'curl' else None
        vs_curl_wall = ratio(curl['median'], s['median']) if curl and c != 'curl' else None
        vs_curl_srv = ratio(curl_srv['median'], srv['median']) if curl_srv and srv and c != 'curl' else None
        ok, n = count(runs, c)
        lines.append('| %s | %s | %s | %.0f | %s | %s | %s | %s | %s | %s | %d/%d |' % (
            ('**%s**' % name) if c.startswith('ours') else name, fmt_s(s['median']), spread(s), mib / s['median'],
            fmt_s(srv['median'] / 1000.0) if srv else '-', '%.0f' % (mib / (srv['median'] / 1000.0)) if srv else '-',
            fmt_s(cpu_s['median']) if cpu_s else '-', '%.0f' % rss['median'] if rss else '-',
            fmt_x(ratio(s['median'], peer[1])) if peer else '-',
            '%s / %s' % (fmt_x(vs_curl_wall), fmt_x(vs_curl_srv)) if c != 'curl' else '-', ok, n))
    return '\n'.join(lines)


def metadata_table(case_name, case):
    runs, http = case['runs'], case.get('http') or {}
    lines = [
        '| contender | wall, median (s) | spread (s) | client CPU, median (s) | peak RSS of the module (MiB) '
        '| HTTP requests (Keystone + Glance) | time vs openstack.cloud | runs ok |',
        '|---|---:|---:|---:|---:|---:|---:|---:|',
    ]
    for c in contenders_of(runs):
        name = NAMES[case_name].get(c, c)
        s = stats(runs, c)
        h = http.get(c)
        req = '%d (%d + %d)' % (h['total'], h['identity'], h['image']) if h else '-'
        ok, n = count(runs, c)
        if s is None:
            lines.append('| %s | failed | | | | %s | | %d/%d |' % (name, req, ok, n))
            continue
        peer = fastest_peer(case_name, runs, c) if not c.startswith('osc') else None
        if c == 'floor':
            peer = fastest_peer(case_name, runs, 'ours')
        cpu_s = stats(runs, c, 'cpu_s')
        # The module's own process (its VmHWM): a module run alone is one process; in a playbook the module is
        # not told apart from the controller reliably, so only module-alone runs show it.
        rss = stats(runs, c, 'streamer_rss_mib') if c.endswith('-module') else None
        lines.append('| %s | %s | %s | %s | %s | %s | %s | %d/%d |' % (
            ('**%s**' % name) if c.startswith('ours') else ('_%s_' % name if c == 'floor' else name),
            fmt_s(s['median']), spread(s), fmt_s(cpu_s['median']) if cpu_s else '-',
            '%.0f' % rss['median'] if rss else '-', req,
            fmt_x(ratio(s['median'], peer[1])) if peer else '-', ok, n))
    return '\n'.join(lines)


def measured_in(case, why=''):
    """' Measured in another run (...)' for a case merged from another results.json, else ''."""
    other = case.get('measured_in')
    if not other:
        return ''
    return ' Measured in another run (%s, commit %s, as project %s; load average %s at its start)%s.' % (
        other.get('date'), other.get('git_commit'), other.get('project'),
        ', '.join('%.2f' % x for x in other.get('load_at_start') or []), why)


def run_note(case):
    """The line saying which run measured a merged case, as lines to add under its heading."""
    note = measured_in(case).strip()
    return [note, ''] if note else []


LISTING_WHY = ', so that the listing images do not crowd the project of the other cases'


def catalogue_table(case):
    runs, http = case['runs'], case.get('http') or {}
    lines = [
        '| contender | run | wall, median (s) | spread (s) | client CPU, median (s) | tasks changed '
        '| HTTP requests (Keystone + Glance) | time vs openstack.cloud | requests vs openstack.cloud | runs ok |',
        '|---|---|---:|---:|---:|---:|---:|---:|---:|---:|',
    ]
    for phase in ('first', 'noop'):
        phase_runs = [r for r in runs if r.get('phase') == phase]
        osc = stats(phase_runs, 'osc')
        osc_http = http.get('osc:%s' % phase)
        for c in contenders_of(phase_runs):
            name = NAMES['catalogue'].get(c, c)
            s = stats(phase_runs, c)
            h = http.get('%s:%s' % (c, phase))
            req = '%d (%d + %d)' % (h['total'], h['identity'], h['image']) if h else '-'
            ok, n = count(phase_runs, c)
            if s is None:
                lines.append('| %s | %s | failed | | | | %s | | | %d/%d |' % (name, phase, req, ok, n))
                continue
            cpu_s = stats(phase_runs, c, 'cpu_s')
            changed = stats(phase_runs, c, 'changed')
            lines.append('| %s | %s | %s | %s | %s | %s | %s | %s | %s | %d/%d |' % (
                ('**%s**' % name) if c.startswith('ours') else name, 'first' if phase == 'first' else 'no-op',
                fmt_s(s['median']), spread(s), fmt_s(cpu_s['median']) if cpu_s else '-',
                '%d' % changed['median'] if changed else '-', req,
                fmt_x(ratio(s['median'], osc['median'])) if osc and c != 'osc' else '-',
                fmt_x(ratio(h['total'], osc_http['total'])) if h and osc_http and c != 'osc' else '-', ok, n))
    return '\n'.join(lines)


def scaling_table(case):
    sizes = sorted(case['sizes'], key=int)
    header = ' | '.join('%s: peak RSS (MiB) / wall (s)' % human(int(s)) for s in sizes)
    lines = ['| contender | %s |' % header, '|---|%s' % ('---:|' * len(sizes))]
    contenders = []
    for s in sizes:
        for c in contenders_of(case['sizes'][s]['runs']):
            if c not in contenders:
                contenders.append(c)
    for c in contenders:
        cells = []
        for s in sizes:
            runs = case['sizes'][s]['runs']
            rss, wall = stats(runs, c, 'streamer_rss_mib'), stats(runs, c)
            cells.append('%s / %s' % ('%.0f' % rss['median'] if rss else '-', fmt_s(wall['median']) if wall else '-'))
        name = NAMES['upload'].get(c, c)
        lines.append('| %s | %s |' % (('**%s**' % name) if c == 'ours' else name, ' | '.join(cells)))
    return '\n'.join(lines)


def size_arg(n):
    for unit, div in (('G', 1024 * MiB), ('M', MiB)):
        if n and n % div == 0:
            return '%d%s' % (n // div, unit)
    return str(n)


def human(n):
    if n >= 1024 * MiB and n % (1024 * MiB) == 0:
        return '%d GiB' % (n // (1024 * MiB))
    return '%d MiB' % (n // MiB) if n % MiB == 0 else '%.1f MiB' % (n / MiB)


# ---- targets --------------------------------------------------------------------------------------

def targets(results):
    """The targets of the performance work, each with what was measured and a verdict."""
    cases = results['cases']
    rows = []

    def verdict(ok):
        return 'met' if ok else '**missed**'

    def med(runs, contender, key='wall_s'):
        st = stats(runs, contender, key)
        return st['median'] if st else None

    for name, wall_bar, transfer_bar in (('upload', 0.85, 0.95), ('download', 0.8, 0.95)):
        case = cases.get(name)
        if not case:
            continue
        runs, gib = case['runs'], case['size'] / float(1024 * MiB)
        curl, curl_srv = med(runs, 'curl'), med(runs, 'curl', 'server_ms')
        alone, alone_srv = med(runs, 'ours-module'), med(runs, 'ours-module', 'server_ms')
        play_srv = med(runs, 'ours', 'server_ms')
        if curl and alone:
            r = curl / alone
            rows.append(('%s, module alone ≥ %.2fx curl (wall)' % (name.capitalize(), wall_bar),
                         '%.2fx (%s s vs %s s)' % (r, fmt_s(alone), fmt_s(curl)), verdict(r >= wall_bar)))
        both = [x for x in (alone_srv, play_srv) if x]
        if curl_srv and both:
            r = curl_srv / statistics.median(both)
            rows.append(('%s, data transfer in Glance ≥ %.2fx curl' % (name.capitalize(), transfer_bar),
                         '%.2fx (%s s vs %s s)' % (r, fmt_s(statistics.median(both) / 1000.0), fmt_s(curl_srv / 1000.0)),
                         verdict(r >= transfer_bar)))
        cpu = med(runs, 'ours-module', 'cpu_s')
        if cpu:
            per_gib = cpu / gib
            peers = ', '.join('%s %.2f s' % (SHORT.get(c, c).replace('\n', ' '), med(runs, c, 'cpu_s') / gib)
                              for c in contenders_of(runs)
                              if c not in ('ours', 'ours-module') and med(runs, c, 'cpu_s'))
            rows.append(('%s, client CPU ≤ 1.2 s per GiB (module alone)' % name.capitalize(),
                         '%.2f s per GiB (%s)' % (per_gib, peers), verdict(per_gib <= 1.2)))
    peaks = []
    for name, case in cases.items():
        if name == 'scaling':
            for size, sub in case['sizes'].items():
                st = stats([r for r in sub['runs'] if r['contender'] == 'ours'], 'ours', 'streamer_rss_mib')
                if st:
                    peaks.append((int(size), 'upload', st['max']))
        elif name in ('upload', 'download'):
            for c in ('ours', 'ours-module'):
                st = stats(case['runs'], c, 'streamer_rss_mib')
                if st:
                    peaks.append((case['size'], name, st['max']))
    if peaks:
        worst = max(p for _s, _n, p in peaks)
        seen = {}
        for size, what, peak in peaks:
            seen[(what, size)] = max(seen.get((what, size), 0), peak)
        detail = ', '.join('%s %s: %.0f MiB' % (what, human(size), peak) for (what, size), peak in sorted(seen.items()))
        rows.append(('Peak RSS while streaming < 50 MiB at every size', 'highest %.0f MiB (%s)' % (worst, detail),
                     verdict(worst < 50)))
    for name, label in (('noop', '1 MiB image'), ('noop_large', '%s image'),
                        ('noop_crowded', '1 MiB image, project of %d images')):
        case = cases.get(name)
        if not case:
            continue
        if '%s' in label:
            label = label % human(case.get('data_size', 0))
        elif '%d' in label:
            label = label % case.get('project_images', 0)
        runs = case['runs']
        osc_alone, osc = med(runs, 'osc-module'), med(runs, 'osc')
        for c, what in (('ours-module', 'module alone'), ('ours-cached-module', 'module alone, cache: {auth: true}')):
            mine = med(runs, c)
            if mine and osc_alone:
                r = mine / osc_alone
                rows.append(('No-op (%s), %s ≤ 0.4x openstack.cloud' % (label, what),
                             '%.2fx (%.2f s vs %.2f s)' % (r, mine, osc_alone), verdict(r <= 0.4)))
        floor = med(runs, 'floor')
        for c, what in (('ours', 'playbook'), ('ours-cached', 'playbook, cache: {auth: true}')):
            mine = med(runs, c)
            if mine and floor:
                above = mine - floor
                rows.append(('No-op (%s), %s ≤ 0.25 s above the ping floor' % (label, what),
                             '+%.2f s (%.2f s vs %.2f s)' % (above, mine, floor), verdict(above <= 0.25)))
        mine = med(runs, 'ours')
        if name == 'noop_crowded' and mine and osc:
            http = case.get('http') or {}
            req = http.get('ours', {}).get('total')
            rows.append(('No-op (%s): requests do not grow with the project' % label,
                         'ours %s requests, openstack.cloud %s; playbook %.2fx (%.2f s vs %.2f s)' % (
                             req, http.get('osc', {}).get('total'), mine / osc, mine, osc),
                         verdict(req is not None and req <= 3)))
    case = cases.get('listing')
    if case:
        mine, osc = med(case['runs'], 'ours'), med(case['runs'], 'osc')
        if mine and osc:
            rows.append(('Listing (%d images) ≤ 0.5x openstack.cloud.image_info' % case.get('images', 0),
                         'playbook %.2fx (%.2f s vs %.2f s)' % (mine / osc, mine, osc), verdict(mine / osc <= 0.5)))
    case = cases.get('catalogue')
    if case:
        noop = [r for r in case['runs'] if r.get('phase') == 'noop']
        http = case.get('http') or {}
        osc, osc_req = med(noop, 'osc'), (http.get('osc:noop') or {}).get('total')
        for c in ('ours', 'ours-plain'):
            mine, req = med(noop, c), (http.get('%s:noop' % c) or {}).get('total')
            what = NAMES['catalogue'][c].split(': ', 1)[1]
            if mine and osc:
                rows.append(('Catalogue of %d, no-op run (%s) ≤ 0.35x openstack.cloud wall' % (case['images'], what),
                             '%.2fx (%.2f s vs %.2f s)' % (mine / osc, mine, osc), verdict(mine / osc <= 0.35)))
            if req and osc_req:
                rows.append(('Catalogue of %d, no-op run (%s) ≤ 0.3x openstack.cloud requests' % (case['images'], what),
                             '%.2fx (%d vs %d)' % (req / float(osc_req), req, osc_req), verdict(req / float(osc_req) <= 0.3)))
    lines = ['| target | measured (medians) | verdict |', '|---|---|---|']
    lines += ['| %s | %s | %s |' % row for row in rows]
    return '\n'.join(lines)


# ---- the document --------------------------------------------------------------------------------

def versions(meta):
    m = meta.get('machine', {})
    ours, bench, cloud = meta.get('ours', {}), meta.get('bench', {}), meta.get('cloud', {})
    return '\n'.join([
        '- Machine: %s, %s cores, %s GiB RAM, %s, kernel %s, Python %s.' % (
            m.get('cpu'), m.get('cores'), m.get('mem_gib'), m.get('os'), m.get('kernel'), m.get('python')),
        '- Cloud (loopback, `tools/local_cloud.py`): Glance %s, Keystone %s, uWSGI %s; Glance runs %s uwsgi '
        'processes x %s threads (`%s`) with file stores; uwsgi %s `Connection: close`.' % (
            cloud.get('glance'), cloud.get('keystone'), cloud.get('uWSGI'), cloud.get('glance_processes'),
            cloud.get('glance_threads'), cloud.get('glance_app'),
            'sends' if cloud.get('connection_close') else 'does not send'),
        '- osimg.glance %s (commit %s%s), from the project venv: ansible-core %s, requests %s, jsonpatch %s.' % (
            ours.get('osimg.glance'), meta.get('git_commit'), ', with uncommitted changes in plugins/' if meta.get('git_dirty') else '',
            ours.get('ansible-core'), ours.get('requests'), ours.get('jsonpatch')),
        '- Peers, from `.bench-venv` (`bench/requirements.txt`): ansible %s (ansible-core %s) with openstack.cloud %s, '
        'openstacksdk %s, keystoneauth1 %s, python-glanceclient %s, requests %s.' % (
            bench.get('ansible'), bench.get('ansible-core'), bench.get('openstack.cloud'), bench.get('openstacksdk'),
            bench.get('keystoneauth1'), bench.get('python-glanceclient'), bench.get('requests')),
        '- %s.' % meta.get('curl'),
        '- Run %s; load average at start %s, at end %s.' % (
            meta.get('date'), ', '.join('%.2f' % x for x in meta.get('load_at_start') or []),
            ', '.join('%.2f' % x for x in meta.get('load_at_end') or [])),
    ])


METHOD = '''\
- **One run, interleaved.** Each case runs every contender once per round (3 rounds for uploads and
  downloads, 5 for the no-op and listing cases, which take seconds), and the order rotates from round
  to round, so a slow moment of the shared machine does not land on one contender only. Medians are
  reported, with the spread (fastest–slowest run). Every run is checked (image active with the right
  size, downloaded bytes identical to the image by SHA-256, `changed=0` for the no-op, exactly 10
  images found in the listing); a failed check is reported, never timed. A run that failed on a
  connection error or an HTTP 500 is run again (up to 4 times); "runs ok" counts every attempt.
- **Client CPU** is user + system time of the whole process tree (from `wait4`), the figure that
  depends least on how busy the shared machine is.
- **Wall time** is the whole process as a user starts it: `ansible-playbook` with one task (two for the
  listing: the module and a filter), the `glance` CLI, a Python script for openstacksdk, `curl`. Ours
  runs from the project venv (ansible-core + requests + jsonpatch only) with
  `ansible_python_interpreter` set to it; openstack.cloud runs from `.bench-venv` (the `ansible` package,
  same ansible-core version) with that venv's Python, which has openstacksdk. Both authenticate with the
  same password `clouds.yaml` entry as a dedicated project and user (`osimg-bench`).
- **curl is the wire limit**: the image record is created beforehand, the timed command is only the
  `PUT .../file` (`-T`, `Content-Length`, `Expect:` disabled) or `GET .../file` (`-o`).
- **Transfer in Glance** is the time uwsgi logs for the `PUT`/`GET /v2/images/<id>/file` request in
  `.local-cloud/logs/glance.log`: from the request's start to its end, as seen by the server, the same
  way for every client. It isolates the data transfer from process start-up, authentication and the
  requests before and after it; Glance itself (writing and hashing at its own speed) bounds it.
- **Peak RSS of the streaming process**: every 50 ms the harness walks the process tree of the command
  (`/proc/<pid>/task/*/children`) and reads each process's `VmHWM` (the kernel's peak-RSS high-water
  mark) and `rchar + wchar` from `/proc/<pid>/io`. The process that moved the most bytes is the one that
  streamed the data (for a playbook, the module's Python process, not the `ansible-playbook`
  controller); its last `VmHWM` is its peak RSS. GNU `time -f %M` / `wait4` is not used because it
  reports the largest process of the tree, usually the controller.
- **HTTP requests** (no-op and listing) are counted by a reverse proxy in the harness
  (`bench/proxy.py`) in front of Keystone and Glance. The contender gets a `clouds.yaml` whose
  `auth_url` is the proxy; the proxy rewrites the Keystone and Glance addresses in every response body
  (catalog, version documents), so each client is routed through it without any client-specific option.
  One counting run per contender precedes the timed runs (it doubles as the warm-up); the timed runs go
  straight to the services.
- **No-op**: the image (1 MiB of data, 2 properties, 2 tags, min_disk/min_ram, private) exists; the task
  names the same fields and the same file. "Module alone" runs the module file directly
  (`python -m ansible_collections....image args.json`), without the Ansible controller, to show the
  module's own cost.
- **Caches**: osimg.glance keeps its caches under the bench work directory (`XDG_CACHE_HOME`). The digest
  cache is on by default, so a no-op run reads the local file only when it has no entry for it (the first
  timed run at most). Contenders marked `cache: {auth: true}` use a `clouds.yaml` with openstacksdk's
  setting of that name, so they reuse the token of an earlier task; their counting run follows a warm-up
  run and shows the steady state. openstacksdk honours the same setting only with the `keyring` library,
  which the bench venv does not have (nor do most openstack.cloud installations), so openstack.cloud
  authenticates in every task.
- **Catalogue**: one playbook, 20 images of 1 MiB each (3 properties, 2 tags, min_disk/min_ram, private,
  community or shared), then a share of the shared image with another project. Before every first run the
  catalogue images are deleted; the no-op run follows at once. Every run is checked against the catalogue
  (status, size, properties, tags, visibility, min_ram, the member). Ours authenticates once with
  `glance_auth` and passes the token through `module_defaults`; "each authenticating" is the same playbook
  with `cloud` in `module_defaults` instead. openstack.cloud runs `openstack image add project` from the
  bench venv (python-openstackclient) for the share, as its users do.
- **Listing**: images without data in the bench project (`--list-images`, 2,000 by default), named `bench-list-a-NNNN` and
  `bench-list-b-NNNN`; 10 of each prefix carry the tag `bench-gold`. The task must return the 10
  gold images named `bench-list-a-*`. Glance has no name-prefix filter, so ours asks Glance for
  `tag=bench-gold` (20 images) and keeps the prefix with a Jinja `selectattr`; openstack.cloud's
  `image_info` has no server-side filters, its best call is the name glob `bench-list-a-*`
  (openstacksdk lists every image and matches the glob locally), then a `selectattr` on the tag.
- **Scaling** repeats the upload case at each size (the 1 GiB point is the upload case itself).
- Image data is random bytes (incompressible), written once per size and read from the page cache by
  every contender. Other engineers may run integration tests against the same Glance during a run:
  the load averages above tell how busy the machine was.
'''


def write(results, docs_dir):
    os.makedirs(docs_dir, exist_ok=True)
    md_path = os.path.join(docs_dir, 'benchmarks.md')
    png_path = os.path.join(docs_dir, 'benchmarks.png')
    chart(results, png_path)
    meta, cases = results['meta'], results['cases']
    args = meta.get('args', {})
    out = ['# Benchmarks', '',
           'Generated by `make bench` (`bench/run.py`); do not edit by hand: the findings section comes from '
           '`bench/findings.md`. Benchmarks are not tests: nothing in `make test` asserts a time.', '',
           'Command: `bench/run.py --size %s --repeat %s --metadata-repeat %s --format %s --cases %s`%s.' % (
               size_arg(args.get('size', 0)), args.get('repeat'), args.get('metadata_repeat', args.get('repeat')),
               args.get('format'), ','.join(args.get('cases', [])),
               ' (quick smoke run)' if args.get('quick') else ''), '',
           '![benchmark chart](benchmarks.png)', '',
           '## Targets', '', targets(results), '']
    if 'upload' in cases:
        c = cases['upload']
        out += ['## 1. Upload: %s %s image' % (human(c['nominal_size']), c['format']), ''] + run_note(c) + [
            transfer_table('upload', c), '']
    if 'download' in cases:
        c = cases['download']
        out += ['## 2. Download of the same image (verified)', ''] + run_note(c) + [transfer_table('download', c), '']
    if 'noop' in cases:
        out += ['## 3. No-op run of an image task', ''] + run_note(cases['noop']) + [
                'The image exists and matches the task; the task names the same fields and the same local file.', '',
                '### 1 MiB image (the project holds %d images)' % cases['noop'].get('project_images', 0), '',
                metadata_table('noop', cases['noop']), '']
    if 'noop_large' in cases:
        out += ['### %s image' % human(cases['noop_large'].get('data_size', 0)), '',
                'The same task when the image (and the file the task names) is big.', '',
                metadata_table('noop_large', cases['noop_large']), '']
    if 'noop_crowded' in cases:
        c = cases['noop_crowded']
        out += ['### 1 MiB image, in a project holding %d images' % c.get('project_images', 0), '',
                'The 1 MiB no-op again in the project of the listing case: looking an image up by name costs '
                'openstack.cloud a listing of every image in the project.%s' % measured_in(c, LISTING_WHY), '',
                metadata_table('noop_crowded', c), '']
    if 'listing' in cases:
        c = cases['listing']
        out += ['## 4. Listing: %d images, find the 10 with a tag and a name prefix' % c.get('images', 0), '',
                (measured_in(c, LISTING_WHY).strip() + '\n') if measured_in(c) else '', metadata_table('listing', c), '']
    if 'catalogue' in cases:
        c = cases['catalogue']
        out += ['## 5. A catalogue of %d images: first run and no-op run' % c.get('images', 0), ''] + run_note(c) + [
                'One playbook a user runs to publish a catalogue: %d images of 1 MiB, each with 3 properties, 2 tags, '
                'min_disk/min_ram and a visibility (private, community, one shared), then one share with another '
                'project. The same playbook for openstack.cloud uses its `image` module and shells out to '
                '`openstack image add project` for the share (it has no member module), accepting its 409 on a '
                'second run. First run: no image exists; no-op run: the same playbook again.' % c.get('images', 0), '',
                catalogue_table(c), '']
    if 'scaling' in cases:
        out += ['## 6. Scaling: upload peak RSS by image size (%s)' % cases['scaling']['format'], ''] + run_note(
            cases['scaling']) + [scaling_table(cases['scaling']), '']
    out += ['"time vs fastest peer" divides the median wall time by the fastest peer\'s (below 1 is faster). '
            '"throughput vs curl" is curl\'s time divided by the contender\'s: the share of the wire limit reached, '
            'for the whole process and for the data transfer alone.', '']
    findings = os.path.join(HERE, 'findings.md')
    if os.path.exists(findings):
        with open(findings) as f:
            out += ['## Findings', '', f.read().strip(), '']
    out += ['## Machine and versions', '', versions(meta), '', '## Method', '', METHOD,
            '## Running it', '',
            '```console\n$ make bench                                  # defaults: 1 GiB raw, 3 repeats, scaling to 4 GiB\n'
            '$ make bench BENCH_ARGS="--quick"              # a smoke run in a few minutes\n'
            '$ make bench BENCH_ARGS="--size 512M --format qcow2 --cases upload,download"\n```', '',
            'Raw per-run data (including the processes seen and the HTTP requests made) is written to '
            '`.bench-work/results.json`; `bench/report.py` rebuilds this page from it.', '']
    with open(md_path, 'w') as f:
        f.write('\n'.join(out))
    return md_path, png_path


def chart(results, path):
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt

    cases = results['cases']
    panels = []
    for name, title in (('upload', 'Upload'), ('download', 'Download'), ('noop', 'No-op task, 1 MiB image'),
                        ('noop_large', 'No-op task, large image'), ('noop_crowded', 'No-op task, crowded project'),
                        ('listing', 'Listing')):
        if name in cases:
            case = cases[name]
            sub = ''
            if name in ('upload', 'download'):
                sub = ' (%s %s)' % (human(case['nominal_size']), case['format'])
            elif name == 'listing':
                sub = ' (%d images)' % case.get('images', 0)
            elif name == 'noop_large':
                title = 'No-op task, %s image' % human(case.get('data_size', 0))
            elif name == 'noop_crowded':
                title = 'No-op task, project of %d images' % case.get('project_images', 0)
            panels.append(('wall', name, '%s%s: wall time, s' % (title, sub), case['runs']))
    if 'catalogue' in cases:
        noop_runs = [dict(r, contender=r['contender']) for r in cases['catalogue']['runs'] if r.get('phase') == 'noop']
        panels.append(('wall', 'catalogue', 'Catalogue of %d images, no-op run: wall time, s'
                       % cases['catalogue'].get('images', 0), noop_runs))
    transfer = [(n, cases[n]) for n in ('upload', 'download') if n in cases]
    if transfer:
        panels.append(('transfer', None, 'Data transfer as Glance timed it, MiB/s (higher is better)', transfer))
    if 'scaling' in cases:
        panels.append(('rss', 'scaling', 'Upload: peak RSS of the streaming process, MiB', cases['scaling']))
    http = [(n, cases[n]['http']) for n in ('noop', 'listing') if n in cases and cases[n].get('http')]
    if 'catalogue' in cases and cases['catalogue'].get('http'):
        http.append(('catalogue no-op', dict((k.split(':')[0], v) for k, v in cases['catalogue']['http'].items()
                                             if k.endswith(':noop'))))
    if http:
        panels.append(('http', 'http', 'HTTP requests per run', http))
    if not panels:
        panels.append(('empty', None, 'no results', None))
    cols = 3 if len(panels) > 4 else 2
    rows = (len(panels) + cols - 1) // cols
    fig, axes = plt.subplots(rows, cols, figsize=(6.2 * cols, 4.4 * rows), squeeze=False)
    for ax in axes.flat[len(panels):]:
        ax.axis('off')
    for ax, (kind, name, title, data) in zip(axes.flat, panels):
        ax.set_title(title, fontsize=10)
        ax.grid(axis='y', alpha=0.3)
        if kind == 'wall':
            cs = contenders_of(data)
            meds, lo, hi, labels, colors = [], [], [], [], []
            for c in cs:
                s = stats(data, c)
                if not s:
                    continue
                meds.append(s['median'])
                lo.append(s['median'] - s['min'])
                hi.append(s['max'] - s['median'])
                labels.append(SHORT.get(c, c))
                colors.append(COLORS.get(c, '#999999'))
            x = range(len(meds))
            ax.bar(x, meds, yerr=[lo, hi], color=colors, capsize=4)
            for i, m in zip(x, meds):
                ax.annotate(fmt_s(m), (i, m), ha='center', va='bottom', fontsize=8, xytext=(0, 2),
                            textcoords='offset points')
            ax.set_xticks(list(x))
            ax.set_xticklabels(labels, fontsize=8)
        elif kind == 'transfer':
            labels, vals, colors = [], [], []
            for case_name, case in data:
                for c in contenders_of(case['runs']):
                    st = stats(case['runs'], c, 'server_ms')
                    if not st:
                        continue
                    labels.append('%s\n%s' % (case_name, SHORT.get(c, c)))
                    vals.append(case['size'] / MiB / (st['median'] / 1000.0))
                    colors.append(COLORS.get(c, '#999'))
            x = range(len(vals))
            ax.bar(x, vals, color=colors)
            for i, v in zip(x, vals):
                ax.annotate('%.0f' % v, (i, v), ha='center', va='bottom', fontsize=7, xytext=(0, 2),
                            textcoords='offset points')
            ax.set_xticks(list(x))
            ax.set_xticklabels([l.replace('\n', ' ') for l in labels], fontsize=6, rotation=35, ha='right')
        elif kind == 'rss':
            sizes = sorted(data['sizes'], key=int)
            cs = []
            for s in sizes:
                for c in contenders_of(data['sizes'][s]['runs']):
                    if c not in cs:
                        cs.append(c)
            width = 0.8 / max(1, len(cs))
            for j, c in enumerate(cs):
                vals = []
                for s in sizes:
                    st = stats(data['sizes'][s]['runs'], c, 'streamer_rss_mib')
                    vals.append(st['median'] if st else 0)
                xs = [i + (j - (len(cs) - 1) / 2.0) * width for i in range(len(sizes))]
                ax.bar(xs, vals, width, label=SHORT.get(c, c), color=COLORS.get(c, '#999'))
            ax.axhline(50, color='red', linestyle='--', linewidth=1, label='target 50 MiB')
            ax.set_xticks(range(len(sizes)))
            ax.set_xticklabels([human(int(s)) for s in sizes])
            ax.legend(fontsize=7)
        elif kind == 'http':
            groups = []
            for case_name, counts in data:
                for c, h in counts.items():
                    if c.endswith('-module') or c == 'floor':
                        continue
                    groups.append(('%s\n%s' % (case_name, SHORT.get(c, c)), h['identity'], h['image'], c))
            x = range(len(groups))
            ax.bar(x, [g[1] for g in groups], color='#bbbbbb', label='Keystone')
            ax.bar(x, [g[2] for g in groups], bottom=[g[1] for g in groups],
                   color=[COLORS.get(g[3], '#999') for g in groups], label='Glance')
            for i, g in zip(x, groups):
                ax.annotate(str(g[1] + g[2]), (i, g[1] + g[2]), ha='center', va='bottom', fontsize=8,
                            xytext=(0, 2), textcoords='offset points')
            ax.set_xticks(list(x))
            ax.set_xticklabels([g[0] for g in groups], fontsize=8)
            ax.legend(fontsize=7)
    meta = results.get('meta', {})
    fig.suptitle('osimg.glance vs peers against the same local Glance (%s)' % meta.get('date', ''), fontsize=11)
    fig.tight_layout()
    fig.savefig(path, dpi=90)
    plt.close(fig)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument('results', nargs='?', default=os.path.join(ROOT, '.bench-work', 'results.json'))
    parser.add_argument('--docs', default=os.path.join(ROOT, 'docs'))
    args = parser.parse_args()
    with open(args.results) as f:
        results = json.load(f)
    md, png = write(results, args.docs)
    print(md, png)


if __name__ == '__main__':
    main()
