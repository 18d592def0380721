# -*- coding: utf-8 -*-
# Copyright (c) osimg.glance contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""A token that expires or is revoked before an upload: a replayable body is sent again after one re-authentication."""

import hashlib

import pytest

from ansible_collections.osimg.glance.plugins.module_utils._errors import Unauthorized
from ansible_collections.osimg.glance.plugins.module_utils._hashing import MultiHasher
from ansible_collections.osimg.glance.plugins.module_utils._image_data import FileSource
from ansible_collections.osimg.glance.tests.unit.fake_glance import IMAGE_URL, make_client

FILE_URL = IMAGE_URL + '/v2/images/x/file'
DATA = b'0123456789' * 100000


def upload_paths(transport):
    return [(r.method, r.path_url) for r in transport.requests]


@pytest.fixture
def data_file(tmp_path):
    path = tmp_path / 'data.bin'
    path.write_bytes(DATA)
    return str(path)


def test_replayable_upload_reauthenticates_once_on_401(data_file):
    client, transport, dummy = make_client()
    transport.add_token()
    transport.add('PUT', FILE_URL, status=401).add('PUT', FILE_URL, status=204)
    source = FileSource(data_file, ['sha256'])
    client.upload('/v2/images/{0}/file', 'x', body=source, size=len(DATA))
    assert upload_paths(transport) == [('POST', '/v3/auth/tokens'), ('PUT', '/v2/images/x/file'),
                                       ('POST', '/v3/auth/tokens'), ('PUT', '/v2/images/x/file')]
    # the whole data went out again, and the hash covers it once
    assert transport.bodies[1] == DATA and transport.bodies[3] == DATA
    assert source.hasher.size == len(DATA)
    assert source.hasher.hexdigest('sha256') == hashlib.sha256(DATA).hexdigest()


def test_replayable_upload_gives_up_after_one_reauthentication(data_file):
    client, transport, dummy = make_client()
    transport.add_token()
    transport.add('PUT', FILE_URL, status=401)
    with pytest.raises(Unauthorized):
        client.upload('/v2/images/{0}/file', 'x', body=FileSource(data_file, ['md5']))
    assert [m for m, dummy in upload_paths(transport)] == ['POST', 'PUT', 'POST', 'PUT']


def test_one_shot_stream_is_not_resent_after_401():
    client, transport, dummy = make_client()
    transport.add_token()
    transport.add('PUT', FILE_URL, status=401)
    with pytest.raises(Unauthorized):
        client.upload('/v2/images/{0}/file', 'x', body=iter([b'abc']))
    assert [m for m, dummy in upload_paths(transport)] == ['POST', 'PUT']


def test_replayable_body_and_hasher_do_not_mix(data_file):
    client, dummy, dummy2 = make_client()
    with pytest.raises(ValueError):
        client.upload('/v2/images/{0}/file', 'x', body=FileSource(data_file, ['md5']), hasher=MultiHasher(['md5']))


def test_file_source_starts_a_fresh_hash_on_every_call(data_file):
    source = FileSource(data_file, ['md5'])
    partial = source()
    next(partial)
    assert b''.join(source()) == DATA
    assert source.hasher.size == len(DATA)
    assert source.hasher.hexdigest('md5') == hashlib.md5(DATA).hexdigest()
