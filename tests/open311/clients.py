"""Open311 conformance from the outside, with the georeport client from PyPI.

Creates an intake_app API key through the staff API, checks discovery as the SeeClickFix
open311-validator does (tests/discovery.rb, services.rb, create.rb), files a request, reads it
back through georeport in JSON and XML, and prints the key for the Python 2 clients.
Usage: clients.py BASE_URL
"""

import datetime
import sys

import requests
from georeport import GeoReport

BASE = sys.argv[1].rstrip("/")
ENDPOINT = BASE + "/open311/v2"
PASSWORD = "Demo@12345"


def check(condition, message):
    if not condition:
        raise SystemExit("open311 clients (georeport): " + message)


def api_key():
    staff = requests.Session()
    res = staff.post(BASE + "/api/v1/auth/login", json={"username": "admin", "password": PASSWORD})
    check(res.status_code == 200, "admin login: %s" % res.text)
    orgs = staff.get(BASE + "/api/v1/orgs", params={"per_page": 100}).json()["items"]
    center = next(o for o in orgs if o["code"] == "CENTER")
    res = staff.post(
        BASE + "/api/v1/api-tokens",
        json={"name": "Open311 clients", "org_id": center["id"], "roles": ["intake_app"]},
    )
    check(res.status_code == 201, "token: %s" % res.text)
    return res.json()["secret"]


def validator_discovery():
    for fmt, mime in (("xml", "text/xml"), ("json", "application/json")):
        res = requests.get(ENDPOINT + "/discovery." + fmt)
        check(res.status_code == 200, "discovery.%s: %s" % (fmt, res.status_code))
        check(res.headers["content-type"] == mime, "discovery.%s content type %s" % (fmt, res.headers["content-type"]))
        check(res.text.strip() != "", "discovery.%s is empty" % fmt)
    d = requests.get(ENDPOINT + "/discovery.json").json()
    check(d["contact"] and d["key_service"], "contact and key_service")
    changeset = datetime.datetime.fromisoformat(d["changeset"])
    check(changeset <= datetime.datetime.now(datetime.timezone.utc), "changeset in the past")
    check(len(d["endpoints"]) >= 1, "an endpoint")
    for e in d["endpoints"]:
        check(e["specification"] and e["url"] and e["changeset"], "endpoint fields: %r" % e)


def main():
    key = api_key()
    validator_discovery()

    clients = {fmt: GeoReport(ENDPOINT, api_key=key, output_format=fmt) for fmt in ("json", "xml")}
    services = clients["json"].get_service_list()
    check(len(services) > 50 and all(s["service_code"] for s in services), "service list")
    xml_services = clients["xml"].get_service_list()
    check([s["service_code"] for s in xml_services] == [s["service_code"] for s in services], "same services in XML")
    code = services[0]["service_code"]
    definition = clients["json"].get_service_definition(code)
    check(definition["service_code"] == code and definition["attributes"], "definition in JSON")
    definition = clients["xml"].get_service_definition(code)
    check(definition["service_code"] == code, "definition in XML")

    # georeport cannot create; file one the way the validator's create test does.
    res = requests.post(
        ENDPOINT + "/requests.json",
        data={
            "api_key": key,
            "service_code": code,
            "email": "citizen@example.com",
            "description": "validator: 路面坑洼，车辆经过颠簸",
            "address_string": "东城区东长安街",
        },
    )
    check(res.status_code == 200 and res.text.strip(), "create: %s %s" % (res.status_code, res.text))
    rid = res.json()[0]["service_request_id"]

    for fmt, client in clients.items():
        one = client.get_service_request(rid)
        check(one["service_request_id"] == rid and one["status"] == "open", "%s request: %r" % (fmt, one))
        listed = client.get_service_requests(service_request_id=rid)
        if fmt == "xml" and isinstance(listed, dict):
            listed = [listed]  # xmltodict makes a lone child a dict
        check(len(listed) == 1, "%s list by id: %r" % (fmt, listed))
        recent = client.get_service_requests(status="open", service_code=code)
        check(recent, "%s list by status and service" % fmt)

    print("open311 clients: georeport (JSON, XML) and the validator's checks passed", file=sys.stderr)
    print(key)


if __name__ == "__main__":
    main()
