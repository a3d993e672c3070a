#!/usr/bin/env python3
"""Check that a Python client generated from openapi/papi.yaml by openapi-python-client sends
the requests the Rust client sends.

For each case, the same call is made twice through a recording proxy in front of a running
papi sandbox: once by the Rust client (`papi call`, which runs the action's generated
operation on papi-core's transport, as the typed clients do), once by the generated Python
function. The two recorded requests are compared as a server reads them: method, path,
query parameters (decoded, in any order), the `Authorization` header, and for a multipart
upload its media type and every part (name, file name, content type, bytes). Both answers'
HTTP statuses must match too. The raw forms are printed side by side.

What the generated client cannot be told by the file is passed as its documentation says:
the service credentials as HTTP Basic (`AuthenticatedClient` with the `Basic` prefix), the
user token of a GET as the `token` query parameter (openapi-python-client has no API key in
the query), a search with spaces between double quotes (the parameter's description).

One difference is known and asserted rather than hidden: openapi-python-client ignores
`explode: false` (its issue #197), so a list of several values is sent as a repeated
parameter where the Rust client, and the documents, send one comma-separated value. The
check expects exactly that difference for such a case, so a generator release that fixes it
shows up as a failure to update this file.

Usage: openapi-python-client.py SANDBOX_URL PACKAGE_PARENT PAPI_BINARY
Environment: PAPI_SERVICE_ID, PAPI_SERVICE_PASSWORD, PAPI_TOKEN (a token with consent
granted for every family, as .ci/openapi-consent.py prints). Standard library only, besides
the generated package and its dependencies (httpx, attrs).
"""

import base64
import datetime
import email
import email.policy
import http.client
import http.server
import importlib
import io
import json
import os
import subprocess
import sys
import tempfile
import threading
import urllib.parse

HOP_BY_HOP = {"connection", "keep-alive", "transfer-encoding", "proxy-connection", "upgrade"}


class Recorded:
    def __init__(self, method, target, headers, body, status):
        self.method = method
        self.target = target
        self.headers = headers
        self.body = body
        self.status = status


def recording_proxy(upstream):
    """A proxy to `upstream` that records every request whole; returns (server, records)."""
    up = urllib.parse.urlsplit(upstream)
    records = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def log_message(self, *args):
            pass

        def read_body(self):
            if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
                body = b""
                while True:
                    size = int(self.rfile.readline().split(b";")[0].strip(), 16)
                    if size == 0:
                        self.rfile.readline()
                        return body
                    body += self.rfile.read(size)
                    self.rfile.readline()
            return self.rfile.read(int(self.headers.get("Content-Length") or 0))

        def forward(self):
            body = self.read_body()
            headers = {k: v for k, v in self.headers.items() if k.lower() not in HOP_BY_HOP}
            headers["Content-Length"] = str(len(body))
            conn = http.client.HTTPConnection(up.hostname, up.port, timeout=30)
            conn.request(self.command, self.path, body=body, headers=headers)
            answer = conn.getresponse()
            data = answer.read()
            records.append(Recorded(self.command, self.path, dict(self.headers), body, answer.status))
            self.send_response(answer.status)
            for k, v in answer.getheaders():
                if k.lower() not in HOP_BY_HOP | {"content-length"}:
                    self.send_header(k, v)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        do_GET = forward
        do_POST = forward

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, records


def parts(content_type, body):
    """The parts of a multipart/form-data body: (name, file name, content type, bytes), sorted.
    A part without a content type is text/plain (RFC 7578, 4.4)."""
    head = f"Content-Type: {content_type}\r\n\r\n".encode()
    message = email.message_from_bytes(head + body, policy=email.policy.HTTP)
    if not message.is_multipart():
        return [("<not multipart>", None, None, body)]
    out = []
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        out.append((name, part.get_filename(), part.get_content_type(), part.get_payload(decode=True)))
    return sorted(out)


def as_server_reads(r):
    """A recorded request as a server reads it."""
    url = urllib.parse.urlsplit(r.target)
    headers = {k.lower(): v for k, v in r.headers.items()}
    read = {
        "method": r.method,
        "path": url.path,
        "query": sorted(urllib.parse.parse_qsl(url.query, keep_blank_values=True)),
        "authorization": headers.get("authorization"),
        "status": r.status,
    }
    if r.method == "POST":
        content_type = headers.get("content-type", "")
        read["media type"] = content_type.split(";")[0].strip()
        read["parts"] = parts(content_type, r.body)
    return read


def rust_call(papi, proxy_url, api, action, params):
    args = [papi, "call", api, action, "--base-url", proxy_url]
    for name, value in params:
        args += ["-p", f"{name}={value}"]
    done = subprocess.run(args, capture_output=True, text=True, timeout=60)
    return done.stdout


class Case:
    def __init__(self, name, api, action, rust_params, python_call, known_difference=None):
        self.name = name
        self.api = api
        self.action = action
        self.rust_params = rust_params
        self.python_call = python_call
        self.known_difference = known_difference


def main():
    sandbox, package_parent, papi = sys.argv[1:4]
    service_id = os.environ["PAPI_SERVICE_ID"]
    service_password = os.environ["PAPI_SERVICE_PASSWORD"]
    token = os.environ["PAPI_TOKEN"]
    sys.path.insert(0, package_parent)
    pkg = "papi_client"
    client_mod = importlib.import_module(f"{pkg}.client")
    types_mod = importlib.import_module(f"{pkg}.types")

    def op(tag, name):
        return importlib.import_module(f"{pkg}.api.{tag}.{name}")

    def model(module, cls):
        return getattr(importlib.import_module(f"{pkg}.models.{module}"), cls)

    server, records = recording_proxy(sandbox)
    proxy_url = f"http://127.0.0.1:{server.server_address[1]}"
    basic = base64.b64encode(f"{service_id}:{service_password}".encode()).decode()

    def python_client(token_in_query):
        args = {"params": {"token": token}} if token_in_query else {}
        return client_mod.AuthenticatedClient(
            base_url=proxy_url, token=basic, prefix="Basic", httpx_args=args
        )

    queried = python_client(True)
    uploading = python_client(False)

    # A contact of the user, for the calls that take one.
    answer = json.loads(rust_call(papi, sandbox, "contacts", "findcontactlist", [("search", "Orange")]))
    cid = answer["contacts"]["entries"][0]["id"]

    jpeg = bytes([0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x10]) + b"JFIF\x00\x01" + bytes([0xFF, 0xD9])
    upload_dir = tempfile.mkdtemp()
    upload_path = os.path.join(upload_dir, "me.jpg")
    with open(upload_path, "wb") as f:
        f.write(jpeg)

    civility = model("contacts_civility", "ContactsCivility")
    device_type = model("contacts_device_type", "ContactsDeviceType")
    subtype = model("contacts_add_device_subtype", "ContactsAddDeviceSubtype")
    messages_info = model("messages_messages_info", "MessagesMessagesInfo")
    rich_info = model("rich_profile_rich_profile_info", "RichProfileRichProfileInfo")
    picture_body = model("contacts_addpicture_body", "ContactsAddpictureBody")

    first_civility = list(civility)[0].value
    first_info = list(messages_info)[0].value
    two_infos = [i.value for i in list(rich_info)[:2]]
    cases = [
        Case("a search", "contacts", "findcontactlist", [("search", "Orange")],
             lambda: op("contacts", "contacts_findcontactlist").sync_detailed(client=queried, search="Orange")),
        Case("a search with a space, quoted as documented", "contacts", "findcontactlist",
             [("search", "Ada Lovelace")],
             lambda: op("contacts", "contacts_findcontactlist").sync_detailed(client=queried, search='"Ada Lovelace"')),
        Case("a contact", "contacts", "getcontact", [("cid", cid)],
             lambda: op("contacts", "contacts_getcontact").sync_detailed(client=queried, cid=cid)),
        Case("a contact added: text, a date, an enumeration", "contacts", "addcontact",
             [("firstname", "Ada"), ("lastname", "Lovelace & Co"), ("birthday", "1815-12-10"),
              ("civility", first_civility)],
             lambda: op("contacts", "contacts_addcontact").sync_detailed(
                 client=queried, firstname="Ada", lastname="Lovelace & Co",
                 birthday=datetime.date(1815, 12, 10), civility=civility(first_civility))),
        Case("a device: two enumerations that go in pairs", "contacts", "adddevice",
             [("cid", cid), ("type", "phone"), ("subtype", "mobile"), ("order", "1"),
              ("value", "+33 6 00 00 00 00")],
             lambda: op("contacts", "contacts_adddevice").sync_detailed(
                 client=queried, cid=cid, type_=device_type("phone"), subtype=subtype("mobile"),
                 order="1", value="+33 6 00 00 00 00")),
        Case("a picture: a multipart upload", "contacts", "addpicture",
             [("cid", cid), ("file", "@" + upload_path)],
             lambda: op("contacts", "contacts_addpicture").sync_detailed(
                 client=uploading,
                 body=picture_body(cid=cid, token=token, file=types_mod.File(
                     payload=io.BytesIO(jpeg), file_name="me.jpg", mime_type="image/jpeg")))),
        Case("a list of one value", "messages", "getPersonalMessages", [("infos", first_info)],
             lambda: op("messages", "messages_get_personal_messages").sync_detailed(
                 client=queried, infos=[messages_info(first_info)])),
        Case("an action on an endpoint of its own", "messages", "getPNS", [("infos", "nbEmail")],
             lambda: op("messages", "messages_get_pns").sync_detailed(client=queried, infos="nbEmail")),
        Case("a write with every parameter optional", "calendar", "addevent",
             [("title", "Lunch"), ("startdate", "2008-04-15")],
             lambda: op("calendar", "calendar_addevent").sync_detailed(
                 client=queried, title="Lunch", startdate="2008-04-15")),
        Case("a list of two values", "rich_profile", "getPersonalRichProfile",
             [("infos", ",".join(two_infos))],
             lambda: op("rich_profile", "rich_profile_get_personal_rich_profile").sync_detailed(
                 client=queried, infos=[rich_info(v) for v in two_infos]),
             known_difference=("infos", two_infos)),
    ]

    secrets = [token, urllib.parse.quote_plus(token), urllib.parse.quote(token, safe=""), basic]

    def shown(text):
        """`text` with the token and the service credentials as `***` (CI logs are kept)."""
        text = str(text)
        for secret in secrets:
            text = text.replace(secret, "***")
        return text

    failures = []
    for case in cases:
        before = len(records)
        rust_call(papi, proxy_url, case.api, case.action, case.rust_params)
        if len(records) != before + 1:
            failures.append(f"{case.name}: the Rust client sent {len(records) - before} requests")
            continue
        rust = records[-1]
        try:
            case.python_call()
            parsed = "answer parsed"
        except Exception as e:  # the generated parsers read JSON; the answers are XML
            parsed = f"answer not parsed ({type(e).__name__}): the generator reads no XML"
        if len(records) != before + 2:
            failures.append(f"{case.name}: the Python client sent {len(records) - before - 1} requests")
            continue
        python = records[-1]
        print(f"-- {case.name} ({case.api}.{case.action}); Python: {parsed}")
        print(f"   Rust:   {rust.method} {shown(rust.target)}")
        print(f"   Python: {python.method} {shown(python.target)}")
        got, want = as_server_reads(python), as_server_reads(rust)
        if case.known_difference:
            name, values = case.known_difference
            want_query = [q for q in want["query"] if q[0] != name]
            want_query += [(name, v) for v in values]
            want["query"] = sorted(want_query)
            # The sandbox refuses a parameter given twice; so would a server that reads
            # the documented comma-separated form.
            want["status"] = got["status"]
            print(f"   known difference (openapi-python-client #197): `{name}` repeated, not comma-separated")
        if got != want:
            for key in sorted(set(got) | set(want)):
                if got.get(key) != want.get(key):
                    failures.append(
                        f"{case.name}: {key} differs\n     Rust:   {shown(repr(want.get(key)))}\n"
                        f"     Python: {shown(repr(got.get(key)))}")
    server.shutdown()
    if failures:
        print("\nthe generated Python client does not send what the Rust client sends:", file=sys.stderr)
        for f in failures:
            print("  " + f, file=sys.stderr)
        sys.exit(1)
    print(f"\n{len(cases)} calls: the generated Python client sends what the Rust client sends"
          " (tokens shown as ***)")


if __name__ == "__main__":
    main()
