# -*- coding: utf-8 -*-
# Copyright (c) osimg.glance contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""glance_image under faults: a token revoked before the upload, a create answered 503 after Glance made the image."""

import json
import re

from ansible_collections.osimg.glance.tests.unit.fake_glance import (
    DATA,
    IMAGES,
    ONE_IMAGE,
    active_image,
    lookup_returns,
    make_response,
    run_image_module,
)

FILE = re.compile(re.escape(IMAGES) + r'/[0-9a-f-]{36}/file$')

run = run_image_module


def queued_from(request):
    body = dict(json.loads(request.body), status='queued', size=None, checksum=None, os_hash_algo=None,
                os_hash_value=None, protected=False)
    return make_response(request, 201, json.dumps(body).encode(), {'Content-Type': 'application/json'})


def test_upload_refused_with_401_is_sent_again_after_one_reauthentication(fake_cloud, capsys, image_file):
    fake_cloud.add_token()
    lookup_returns(fake_cloud)
    fake_cloud.add('POST', IMAGES, func=queued_from)
    fake_cloud.add('PUT', FILE, status=401).add('PUT', FILE, status=204)
    fake_cloud.add('GET', ONE_IMAGE, json_body=active_image())
    fake_cloud.add('PATCH', ONE_IMAGE, json_body=active_image())
    rc, result = run({'name': 'cirros', 'filename': image_file, 'disk_format': 'qcow2'}, capsys)
    assert rc == 0, result
    assert result['changed'] is True and result['verified'].startswith('sha512:')
    puts = [i for i, r in enumerate(fake_cloud.requests) if r.method == 'PUT']
    assert [fake_cloud.bodies[i] for i in puts] == [DATA, DATA]
    tokens = [r for r in fake_cloud.requests if r.path_url == '/v3/auth/tokens']
    assert len(tokens) == 2
    assert not [r for r in fake_cloud.requests if r.method == 'DELETE']


def test_create_answered_503_after_glance_made_the_image_is_not_duplicated(fake_cloud, capsys):
    fake_cloud.add_token()
    lookup_returns(fake_cloud)
    made = {}

    def first(request):
        made.update(json.loads(request.body))
        return make_response(request, 503, b'', {'Retry-After': '0'})

    fake_cloud.add('POST', IMAGES, func=first)
    fake_cloud.add('POST', IMAGES, status=409, body=b'Image with identifier exists')
    fake_cloud.add('GET', ONE_IMAGE, func=lambda request: make_response(
        request, 200, json.dumps(dict(made, status='queued', tags=[])).encode(), {'Content-Type': 'application/json'}))
    rc, result = run({'name': 'cirros'}, capsys)
    assert rc == 0, result
    posts = [json.loads(r.body) for r in fake_cloud.requests if r.method == 'POST' and r.path_url == '/v2/images']
    assert len(posts) == 2 and posts[0]['id'] == posts[1]['id']
    assert result['image']['id'] == made['id'] and result['changed'] is True


def test_create_refused_after_glance_made_the_image_deletes_it(fake_cloud, capsys):
    # Glance 33 stores the image, then answers 400 for a tag with a 4-byte unicode character.
    fake_cloud.add_token()
    lookup_returns(fake_cloud)
    made = {}

    def refuse(request):
        made.update(json.loads(request.body))
        return make_response(request, 400, b'Param values can\'t contain 4 byte unicode.')

    fake_cloud.add('POST', IMAGES, func=refuse)
    fake_cloud.add('GET', ONE_IMAGE, json_body={'id': 'x', 'status': 'queued'})
    fake_cloud.add('DELETE', ONE_IMAGE, status=204)
    rc, result = run({'name': 'cirros', 'tags': [u'\U0001F600']}, capsys)
    assert rc == 1
    assert result['msg'].startswith('400 Bad Request for POST ')
    assert 'The image %s created by this run was deleted.' % made['id'] in result['msg']
    assert [(r.method, r.path_url) for r in fake_cloud.requests if r.method == 'DELETE'] == [
        ('DELETE', '/v2/images/' + made['id'])]


def test_create_refused_without_an_image_deletes_nothing(fake_cloud, capsys):
    fake_cloud.add_token()
    lookup_returns(fake_cloud)
    fake_cloud.add('POST', IMAGES, status=413, body=b'The limit has been exceeded on the number of allowed image tags.')
    fake_cloud.add('GET', ONE_IMAGE, status=404)
    rc, result = run({'name': 'cirros', 'tags': ['t%d' % i for i in range(129)]}, capsys)
    assert rc == 1 and result['status'] == 413
    assert 'deleted' not in result['msg']
    assert not [r for r in fake_cloud.requests if r.method == 'DELETE']


def test_create_that_fails_while_glance_is_unreachable_says_what_the_next_run_does(fake_cloud, capsys):
    import requests
    fake_cloud.add_token()
    lookup_returns(fake_cloud)
    fake_cloud.add('POST', IMAGES, exc=requests.exceptions.ConnectionError('[Errno 111] Connection refused'))
    fake_cloud.add('GET', ONE_IMAGE, exc=requests.exceptions.ConnectionError('[Errno 111] Connection refused'))
    rc, result = run({'name': 'cirros'}, capsys)
    assert rc == 1
    assert 'Connection refused' in result['msg']
    assert 'the next run finds it by name' in result['msg']
