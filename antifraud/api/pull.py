"""Pull routes: resolvers and gateways download the published lists.

Lists are served from the immutable files of the version this node serves (a download never mixes two
versions, and a national list never passes through Python memory): ETag = version, 304 on
If-None-Match, `?since=VERSION` for a delta with IXFR's semantics — since the current version: an empty
delta; history too short or a format that cannot carry a delta: the full list, said so in `X-Delta`.
"""

from __future__ import annotations

import base64
import time

from aiohttp import web

from antifraud.api.auth import has_scope
from antifraud.api.context import KEY, LIMITER, services_of
from antifraud.api.errors import error_response
from antifraud.ports import ApiKeyRecord
from antifraud.services.status import Served
from blocklists.formats import FORMATS
from blocklists.serving import etag_for, matches_if_none_match, parse_since

SMALL_FILE = 1 << 20  # read small lists into memory; stream big ones from their file


async def blocklists_index(request: web.Request) -> web.Response:
    services = services_of(request)
    served = services.status.publications.served()
    lists = []
    if served is not None:
        for name, f in sorted(served.files.items()):
            fmt = FORMATS.get(name)
            lists.append(
                {
                    "name": name,
                    "version": served.version,
                    "entries": f.entries,
                    "sha256": f.sha256,
                    "bytes": f.size,
                    "updated_at": served.generated_at,
                    "media_type": fmt.media_type if fmt else "application/octet-stream",
                    "delta": bool(fmt and fmt.supports_delta),
                }
            )
    return web.json_response({"version": served.version if served else 0, "lists": lists})


async def blocklist(request: web.Request) -> web.StreamResponse:
    return await _serve_list(request, request.match_info["name"], request[KEY])


async def pull_by_token(request: web.Request) -> web.StreamResponse:
    """For resolvers that cannot send headers (Unbound's `url:` RPZ transfer): the key is in the path."""
    services = services_of(request)
    record = await services.keys.authenticate(request.match_info["token"])
    if record is None:
        return error_response(401, "unauthorized", "the key in the URL is unknown or revoked")
    if not has_scope(record, frozenset({"pull"})):
        return error_response(403, "forbidden", "this key lacks the 'pull' scope")
    wait = request.app[LIMITER].take(record.key_id)
    if wait > 0:
        return error_response(
            429,
            "rate_limited",
            f"too many requests; retry in {wait:.1f} s",
            headers={"Retry-After": str(max(1, round(wait + 0.5)))},
        )
    return await _serve_list(request, request.match_info["name"], record)


def _whole_file(served: Served, name: str, media: str, request: web.Request) -> web.Response:
    version = served.version
    headers = {"ETag": etag_for(version), "X-List-Version": str(version), "Cache-Control": "no-cache"}
    if matches_if_none_match(request.headers.get("If-None-Match"), version):
        return web.Response(status=304, headers=headers)
    file = served.files[name]
    headers |= _digest_headers(file.sha256)
    return web.Response(body=file.path.read_bytes(), headers={**headers, "Content-Type": media})


def _digest_headers(sha256_hex: str) -> dict[str, str]:
    b64 = base64.b64encode(bytes.fromhex(sha256_hex)).decode()
    return {"Digest": f"sha-256={b64}", "Repr-Digest": f"sha-256=:{b64}:"}


SIGNATURE = ".sig"
INDEX_FILE = "index.json"


async def _serve_file_beside(request: web.Request, name: str) -> web.StreamResponse:
    """index.json and the `.sig` signatures of the served version, from its immutable directory."""
    served = services_of(request).status.publications.served()
    if served is None:
        return error_response(503, "not_published", "no version has been published yet", headers={"Retry-After": "2"})
    path = served.directory / name
    if not path.is_file():
        what = "signature (is a signing key configured?)" if name.endswith(SIGNATURE) else "file"
        return error_response(404, "not_found", f"version {served.version} has no {what} {name!r}", field="name")
    media = "text/plain; charset=utf-8" if name.endswith(SIGNATURE) else "application/json"
    headers = {"ETag": etag_for(served.version), "X-List-Version": str(served.version), "Content-Type": media}
    return web.Response(body=path.read_bytes(), headers=headers)


async def _serve_list(request: web.Request, name: str, record: ApiKeyRecord) -> web.StreamResponse:
    services = services_of(request)
    fmt = FORMATS.get(name)
    base = name.removesuffix(SIGNATURE)
    if name == INDEX_FILE or (name.endswith(SIGNATURE) and (base in FORMATS or base in {INDEX_FILE, "SHA256SUMS"})):
        return await _serve_file_beside(request, name)
    served = services.status.publications.served()
    if fmt is None and served is not None and name in served.files:  # a static table (official numbers)
        return _whole_file(served, name, "text/plain; charset=utf-8", request)
    if fmt is None:
        known = ", ".join(sorted(FORMATS))
        return error_response(404, "unknown_list", f"no list named {name!r}; lists: {known}", field="name")
    served = services.status.publications.served()
    if served is None or name not in served.files:
        return error_response(
            503, "not_published", "no version has been published yet; retry shortly", headers={"Retry-After": "2"}
        )
    services.metrics.blocklist_pulls.labels(name).inc()
    services.metrics.operator_last_pull.labels(record.operator.name).set(time.time())
    version = served.version
    headers = {"ETag": etag_for(version), "X-List-Version": str(version), "Cache-Control": "no-cache"}
    if matches_if_none_match(request.headers.get("If-None-Match"), version):
        return web.Response(status=304, headers=headers)
    since_text = request.query.get("since")
    if since_text is not None:
        since = parse_since(since_text, version)
        delta = await services.status.publications.delta(fmt.kind, since, version) if fmt.supports_delta else None
        if delta is not None:
            body = fmt.render_delta(delta)
            if body is not None:
                headers |= {"X-Delta": "delta", "X-Delta-From": str(since)}
                return web.Response(body=body, headers={**headers, "Content-Type": fmt.media_type})
        headers["X-Delta"] = "full" if fmt.supports_delta else "unsupported"
    served_file = served.files[name]
    headers |= _digest_headers(served_file.sha256)
    headers["Content-Type"] = fmt.media_type
    if served_file.size <= SMALL_FILE:
        return web.Response(body=served_file.path.read_bytes(), headers=headers)
    return web.Response(body=served_file.path.open("rb"), headers=headers)
