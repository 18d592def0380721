#!/usr/bin/env python3
"""Where does the time of an upload or a download go? Raw-HTTP variants of what the modules do.

    .bench-venv/bin/python bench/profile_transfer.py upload --size 1G --rounds 3
    .bench-venv/bin/python bench/profile_transfer.py download --size 1G --rounds 3

Each variant moves the same data with plain requests, so the cost of one ingredient (chunked
encoding, each hash algorithm, a hashing thread, fsync) shows up alone. Variants are interleaved
and repeated; for each, the median wall time, the client's CPU time (user + sys, independent of
how busy the shared machine is) and the transfer time that uwsgi logged in Glance are printed.
Used for the findings in docs/benchmarks.md; the numbers are not part of `make bench`.
"""

import argparse
import hashlib
import os
import queue
import resource
import statistics
import sys
import threading
import time

import requests

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, HERE)

import cloud as cloudmod  # noqa: E402
import run as benchrun  # noqa: E402

CHUNK = 1024 * 1024


def chunks(path, hashers=()):
    with open(path, 'rb') as f:
        while True:
            block = f.read(CHUNK)
            if not block:
                return
            for h in hashers:
                h.update(block)
            yield block


class HashingReader:
    """A file-like body with a length: requests sends Content-Length and calls read()."""

    def __init__(self, path, hashers):
        self.f = open(path, 'rb')
        self.hashers = hashers
        self.len = os.path.getsize(path)

    def __len__(self):
        return self.len

    def read(self, n=-1):
        block = self.f.read(n if n and n > 0 else CHUNK)
        for h in self.hashers:
            h.update(block)
        return block


class ThreadHashed:
    """Chunks hashed in a worker thread (hashlib releases the GIL on large buffers)."""

    def __init__(self, path, hashers):
        self.path, self.hashers = path, hashers
        self.q = queue.Queue(4)
        self.t = threading.Thread(target=self._work)
        self.t.start()

    def _work(self):
        while True:
            block = self.q.get()
            if block is None:
                return
            for h in self.hashers:
                h.update(block)

    def __iter__(self):
        for block in chunks(self.path):
            self.q.put(block)
            yield block
        self.q.put(None)
        self.t.join()


UPLOADS = [
    ('file object, Content-Length, no hash (curl, openstacksdk)', lambda p: open(p, 'rb')),
    ('chunked, no hash', lambda p: chunks(p)),
    ('chunked, sha512', lambda p: chunks(p, H('sha512'))),
    ('chunked, sha256 + sha512', lambda p: chunks(p, H('sha256', 'sha512'))),
    ('chunked, md5 + sha256 + sha512 (glance_image today)', lambda p: chunks(p, H('md5', 'sha256', 'sha512'))),
    ('Content-Length, md5 + sha256 + sha512', lambda p: HashingReader(p, H('md5', 'sha256', 'sha512'))),
    ('chunked, md5 + sha256 + sha512 in a thread', lambda p: ThreadHashed(p, H('md5', 'sha256', 'sha512'))),
    ('chunked, sha256 + sha512 in a thread', lambda p: ThreadHashed(p, H('sha256', 'sha512'))),
]


def H(*names):
    return [hashlib.new(n) for n in names]


def cpu():
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def upload_once(c, glog, path, body_fn):
    image = c.create_image(name=cloudmod.NAME_PREFIX + 'profile-up', disk_format='raw', container_format='bare')
    try:
        body = body_fn(path)
        mark = glog.mark()
        c0, t0 = cpu(), time.perf_counter()
        resp = requests.put('%s/v2/images/%s/file' % (c.glance_url, image['id']), data=body,
                            headers={'X-Auth-Token': c.token(), 'Content-Type': 'application/octet-stream'})
        wall, used = time.perf_counter() - t0, cpu() - c0
        resp.raise_for_status()
        server = glog.transfer_ms(mark, image['id'], 'PUT')
        size = c.get_image(image['id']).get('size')
        if size != os.path.getsize(path):
            raise RuntimeError('Glance stored %s bytes' % size)
        return wall, used, (server or 0) / 1000.0
    finally:
        c.delete_image(image['id'])


def download_once(c, glog, image_id, out, algorithm, background, fsync, chunk):
    mark = glog.mark()
    c0, t0 = cpu(), time.perf_counter()
    resp = requests.get('%s/v2/images/%s/file' % (c.glance_url, image_id), headers={'X-Auth-Token': c.token()},
                        stream=True)
    h = hashlib.new(algorithm) if algorithm else None
    q = t = None
    if h and background:
        q = queue.Queue(4)

        def work():
            while True:
                block = q.get()
                if block is None:
                    return
                h.update(block)
        t = threading.Thread(target=work)
        t.start()
    with open(out, 'wb') as f:
        for block in resp.iter_content(chunk):
            f.write(block)
            if q:
                q.put(block)
            elif h:
                h.update(block)
        if q:
            q.put(None)
            t.join()
        if fsync:
            f.flush()
            os.fsync(f.fileno())
    wall, used = time.perf_counter() - t0, cpu() - c0
    os.unlink(out)
    return wall, used, (glog.transfer_ms(mark, image_id, 'GET') or 0) / 1000.0


DOWNLOADS = [
    ('1 MiB reads, no hash, no fsync (like curl)', (None, False, False, CHUNK)),
    ('64 KiB reads, no hash', (None, False, False, 65536)),
    ('sha512 inline', ('sha512', False, False, CHUNK)),
    ('sha512 in a thread', ('sha512', True, False, CHUNK)),
    ('sha512 in a thread + fsync (glance_image_download today)', ('sha512', True, True, CHUNK)),
    ('no hash + fsync', (None, False, True, CHUNK)),
]


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('what', choices=('upload', 'download'))
    parser.add_argument('--size', type=benchrun.parse_size, default=benchrun.GiB)
    parser.add_argument('--rounds', type=int, default=3)
    parser.add_argument('--only', help='comma-separated variant numbers (1-based)')
    parser.add_argument('--work-dir', default=os.path.join(ROOT, '.bench-work'))
    parser.add_argument('--state-dir', default=os.environ.get('LOCAL_CLOUD_STATE_DIR') or os.path.join(ROOT, '.local-cloud'))
    args = parser.parse_args()
    os.makedirs(os.path.join(args.work_dir, 'data'), exist_ok=True)
    c = cloudmod.Cloud(args.state_dir, args.work_dir)
    c.ensure_bench_user()
    glog = benchrun.GlanceLog(os.path.join(args.state_dir, 'logs', 'glance.log'))
    path = os.path.join(args.work_dir, 'data', 'profile-%d.raw' % args.size)
    with open(path, 'wb') as f:
        left = args.size
        while left:
            n = min(4 * CHUNK, left)
            f.write(os.urandom(n))
            left -= n
    variants = UPLOADS if args.what == 'upload' else DOWNLOADS
    if args.only:
        keep = set(int(x) for x in args.only.split(','))
        variants = [v for i, v in enumerate(variants, 1) if i in keep]
    results = dict((label, []) for label, *_ in variants)
    image = None
    try:
        if args.what == 'download':
            image = c.create_image(name=cloudmod.NAME_PREFIX + 'profile-down', disk_format='raw', container_format='bare')
            c.upload(image['id'], path)
        for rnd in range(args.rounds):
            for label, *spec in benchrun.rotate(variants, rnd):
                if args.what == 'upload':
                    res = upload_once(c, glog, path, spec[0])
                else:
                    res = download_once(c, glog, image['id'], path + '.out', *spec[0])
                results[label].append(res)
                print('  %-62s wall %6.2fs  client cpu %5.2fs  in Glance %6.2fs' % ((label,) + res), flush=True)
    finally:
        if image:
            c.delete_image(image['id'])
        os.unlink(path)
    print('\nmedians over %d rounds, %s %s, load average %s' % (
        args.rounds, benchrun.human(args.size), args.what, ', '.join('%.2f' % x for x in os.getloadavg())))
    print('| variant | wall (s) | client CPU (s) | transfer in Glance (s) |\n|---|---:|---:|---:|')
    for label, rs in results.items():
        if rs:
            print('| %s | %.2f | %.2f | %.2f |' % (label, statistics.median(r[0] for r in rs),
                                                  statistics.median(r[1] for r in rs),
                                                  statistics.median(r[2] for r in rs)))


if __name__ == '__main__':
    main()
