# -*- coding: utf-8 -*-
"""Open311 with the two classic Python clients from PyPI, which only run on Python 2.7:
`three` (JSON by default, multipart `media`, `page_size`) and `open311` (XML, the singular
`service/{code}` path, `api_key` in the query string, urllib2 which refuses any non-200).
Usage: clients_py2.py BASE_URL API_KEY
"""

import os
import sys
import tempfile

from open311 import Open311
from three import Three

BASE = sys.argv[1].rstrip('/')
KEY = sys.argv[2]
ENDPOINT = BASE + '/open311/v2'
PNG = (b'\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00'
       b'\x00\x1f\x15\xc4\x89\x00\x00\x00\nIDAT\x78\x9c\x63\x00\x01\x00\x00\x05\x00\x01\r\n-\xb4'
       b'\x00\x00\x00\x00IEND\xaeB`\x82')


def check(condition, message):
    if not condition:
        raise SystemExit('open311 clients (python 2): ' + message)


def with_three(fmt):
    t = Three(ENDPOINT + '/', api_key=KEY, format=fmt)
    services = t.services()
    if fmt == 'xml':
        services = services['service']
    check(len(services) > 50, 'three %s services' % fmt)
    code = services[0]['service_code']
    definition = t.services(code)
    check(definition['service_code'] == code, 'three %s definition: %r' % (fmt, definition))
    photo = tempfile.NamedTemporaryFile(suffix='.png', delete=False)
    photo.write(PNG)
    photo.close()
    with open(photo.name, 'rb') as media:
        created = t.post(code, address=u'东城区王府井大街'.encode('utf-8'), name='Zhang San',
                         phone='13912345678', description=u'路灯不亮（three）'.encode('utf-8'),
                         media=media)
    os.unlink(photo.name)
    if fmt == 'xml':
        created = created['request']
    else:
        created = created[0]
    rid = created['service_request_id']
    check(rid, 'three %s post: %r' % (fmt, created))
    one = t.request(rid)
    one = one['request'] if fmt == 'xml' else one[0]
    check(one['status'] == 'open' and one['media_url'], 'three %s request: %r' % (fmt, one))
    listed = t.requests(code, count=5)
    if fmt == 'xml':
        listed = listed['request']
        listed = listed if isinstance(listed, list) else [listed]
    check(any(r['service_request_id'] == rid for r in listed), 'three %s requests' % fmt)


def with_open311():
    o = Open311(endpoint=ENDPOINT, api_key=KEY, format='xml')
    services = o.service_list()
    check(len(services) > 50, 'open311 services')
    code = services[0]['service_code']
    definition = o.service_definition(code)
    check(definition['service_definition']['service_code'] == code, 'open311 definition: %r' % definition)
    created = o.post_service_request(service_code=code,
                                     address_string=u'西城区金融大街'.encode('utf-8'),
                                     description=u'井盖缺失（open311）'.encode('utf-8'))
    rid = created['service_requests']['request']['service_request_id']
    one = o.get_service_request(rid)
    check(one['service_requests']['request']['status'] == 'open', 'open311 request: %r' % one)
    listed = o.service_requests(service_request_id=rid)
    check(listed['service_request_id'] == rid, 'open311 requests: %r' % listed)


with_three('json')
with_three('xml')
with_open311()
sys.stderr.write('open311 clients: three (JSON, XML, multipart media) and open311 (XML) passed\n')
