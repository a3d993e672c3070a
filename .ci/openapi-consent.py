#!/usr/bin/env python3
"""Prepare a running papi sandbox for a schemathesis run of openapi/papi.yaml.

Signs a test user in (the sandbox's /sandbox/login shortcut), then, for every operation of
the OpenAPI export, makes one valid call built from the operation's own schema; when the
answer is the privacy error (-3), grants the consent permanently through the sandbox's
consent form with the user's own login and password (its shortcut for scripts). Prints the
user token on stdout, so that schemathesis' positive cases reach the actions instead of the
consent wall.

Usage: openapi-consent.py BASE_URL SPEC LOGIN PASSWORD SERVICE_ID SERVICE_PASSWORD
Uses only the standard library and PyYAML (a dependency of schemathesis).
"""

import base64
import re
import sys
import urllib.error
import urllib.parse
import urllib.request
from html import unescape

import yaml


def request(url, data=None, headers=None):
    req = urllib.request.Request(url, data=data, headers=headers or {})
    try:
        with urllib.request.urlopen(req) as resp:
            return resp.status, resp.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode()


def resolve(spec, schema):
    while "$ref" in schema:
        node = spec
        for part in schema["$ref"].lstrip("#/").split("/"):
            node = node[part]
        schema = node
    if "allOf" in schema:
        return resolve(spec, schema["allOf"][0])
    return schema


def value(spec, schema):
    """A valid value of a parameter schema."""
    schema = resolve(spec, schema)
    if "const" in schema:
        return schema["const"]
    if "enum" in schema:
        return str(schema["enum"][0])
    if schema.get("type") == "array":
        return value(spec, schema["items"])
    if schema.get("type") == "integer":
        return "1"
    if schema.get("format") == "date":
        return "2024-01-01"
    return "a"


def main():
    base, spec_path, login, password, service_id, service_password = sys.argv[1:7]
    base = base.rstrip("/")
    with open(spec_path, encoding="utf-8") as f:
        spec = yaml.safe_load(f)
    status, token = request(
        base + "/sandbox/login",
        urllib.parse.urlencode({"login": login, "password": password}).encode(),
    )
    if status != 200:
        sys.exit(f"sign-in refused (HTTP {status})")
    token = token.strip()
    basic = base64.b64encode(f"{service_id}:{service_password}".encode()).decode()
    headers = {"Authorization": "Basic " + basic}
    granted = 0
    for key, item in spec["paths"].items():
        path = key.split("#", 1)[0]
        op = item.get("get")
        if op is None:
            continue  # uploads: the same family's GET operations grant it
        params = {}
        for p in op.get("parameters", []):
            if p["required"]:
                params[p["name"]] = value(spec, p["schema"])
        for group in op.get("x-papi-at-least-one-of", []):
            if not any(g in params for g in group):
                p = next(q for q in op["parameters"] if q["name"] == group[0])
                params[p["name"]] = value(spec, p["schema"])
        for p in op.get("parameters", []):
            pairs = p.get("x-papi-pairs")
            if pairs and pairs["with"] in params:
                other, this = pairs["allowed"][0]
                params[pairs["with"]], params[p["name"]] = other, this
        params["token"] = token
        url = base + path + "?" + urllib.parse.urlencode(params)
        status, body = request(url, headers=headers)
        found = re.search(r"<url>(.*?)</url>", body, re.S)
        if not found:
            continue
        consent = urllib.parse.urlsplit(unescape(found.group(1)).strip())
        query = dict(urllib.parse.parse_qsl(consent.query))
        # The user's own login and password: the consent form's shortcut for scripts.
        form = urllib.parse.urlencode(
            {
                "consent": query["consent"],
                "decision": "permanent",
                "login": login,
                "password": password,
            }
        )
        status, _ = request(base + "/privacy/decision", form.encode())
        if status >= 400:
            sys.exit(f"consent for {key} refused (HTTP {status})")
        granted += 1
    print(f"granted consent for {granted} operation(s)", file=sys.stderr)
    print(token)


if __name__ == "__main__":
    main()
