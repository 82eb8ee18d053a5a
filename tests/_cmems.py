"""Copernicus Marine's services on loopback, for the real ``copernicusmarine`` toolbox.

The toolbox (2.5) is pointed here only through its own configuration, the way a user
behind a company proxy configures it; nothing in it is patched:

- ``COPERNICUSMARINE_CONFIG_URL``: the Marine Data Store's client configuration, which
  names the STAC catalogue (its root and the dataset → product mapping);
- ``HTTP_PROXY`` / ``HTTPS_PROXY`` (read by the toolbox, by requests and by botocore):
  every request goes to this one server; plain-HTTP requests arrive in absolute form
  (``GET http://host/path``), HTTPS ones as ``CONNECT host:443`` tunnels that this
  server answers with TLS for the hosts the toolbox hard-codes (its login service
  ``auth.marine.copernicus.eu``, the configuration's CDN fallback);
- ``COPERNICUSMARINE_SET_SSL_CERTIFICATE_PATH``: the certificate of that TLS, made in
  the test, which the toolbox's requests session then trusts (verification stays on).

Served: the client configuration, the id mapping, the product's STAC collection, the
dataset's STAC item (its ``timeChunked`` and ``geoChunked`` ARCO assets described from
the Zarr stores themselves), the Keycloak token and userinfo endpoints, and the ARCO
Zarr stores (format 2, consolidated) through S3 ``GetObject``, path style or
virtual-hosted, written with xarray in the test. Hosts under ``.test`` never resolve,
so a request that escaped the proxy could not reach the internet; anything unknown is
answered 404 and logged.
"""

from __future__ import annotations

import datetime as dt
import json
import ssl
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import numpy as np
import xarray as xr

#: The hosts the toolbox hard-codes and that this server answers with TLS.
TLS_HOSTS = ("auth.marine.copernicus.eu", "stac.marine.copernicus.eu")
STAC_HOST = "stac.test"
S3_HOST = "s3.test"
BUCKET = "mdl-arco-time-test"
TOKEN_PATH = "/realms/MIS/protocol/openid-connect/token"
USERINFO_PATH = "/realms/MIS/protocol/openid-connect/userinfo"


def make_certificate(folder: Path) -> tuple[Path, Path]:
    """A self-signed certificate for :data:`TLS_HOSTS` (EC P-256): cert and key PEM."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "sarwatch test proxy")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=7))
        .add_extension(
            x509.SubjectAlternativeName([x509.DNSName(h) for h in TLS_HOSTS]), critical=False
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                key_cert_sign=True,
                crl_sign=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256())
    )
    folder.mkdir(parents=True, exist_ok=True)
    cert_pem, key_pem = folder / "proxy-cert.pem", folder / "proxy-key.pem"
    cert_pem.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_pem.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_pem, key_pem


@dataclass
class Dataset:
    """One ARCO dataset as the Marine Data Store publishes it."""

    dataset_id: str  # without the version, as the toolbox is asked for it
    product_id: str
    version: str  # YYYYMM
    data: xr.Dataset  # depth, if any, as ``elevation`` (negative, metres) as ARCO stores it
    #: The ARCO stores and their chunk length per axis: ``timeChunked`` (short in time,
    #: whole maps: for maps of a few hours) and ``geoChunked`` (long in time, small
    #: tiles: for time series at a place); the toolbox reads the one needing fewer chunks.
    stores: dict[str, dict[str, int]]

    @property
    def full_id(self) -> str:
        return f"{self.dataset_id}_{self.version}"

    def zarr_key(self, asset: str) -> str:
        return f"arco/{self.product_id}/{self.full_id}/{asset}.zarr"


@dataclass
class CmemsServer:
    """What the server serves and what it was asked (``log``: method, URL, status)."""

    datasets: list[Dataset]
    root: Path
    username: str
    password: str
    log: list[tuple[str, str, int]] = field(default_factory=list)
    proxy_url: str = ""
    config_url: str = f"http://{STAC_HOST}/clientsConfigV1.json"

    def write_stores(self) -> None:
        for d in self.datasets:
            for asset, chunks in d.stores.items():
                enc = {
                    v: {"chunks": tuple(chunks[dim] for dim in d.data[v].dims)}
                    for v in d.data.data_vars
                }
                d.data.to_zarr(self.root / BUCKET / d.zarr_key(asset), mode="w",
                               zarr_format=2, consolidated=True, encoding=enc)  # fmt: skip

    # -- the documents -------------------------------------------------------------
    def client_config(self) -> dict[str, Any]:
        return {
            "clientVersions": {
                "mds": ">=2.0.0",
                "mds/serverlessArco": ">=2.0.0",
                "mds/serverlessArco/meta": ">=2.0.0",
                "mds/serverlessNative": ">=2.0.0",
            },
            "catalogues": [
                {
                    "stac": f"http://{STAC_HOST}/metadata/catalog.stac.json",
                    "idMapping": f"http://{STAC_HOST}/metadata/dataset_product_id_mapping.json",
                    "stacRoot": f"http://{STAC_HOST}/metadata/",
                }
            ],
        }

    def id_mapping(self) -> dict[str, str]:
        return {d.dataset_id: d.product_id for d in self.datasets}

    def product(self, product_id: str) -> dict[str, Any] | None:
        mine = [d for d in self.datasets if d.product_id == product_id]
        if not mine:
            return None
        return {
            "type": "Collection",
            "stac_version": "1.0.0",
            "id": product_id,
            "title": product_id,
            "description": f"{product_id} (test)",
            "license": "proprietary",
            "extent": {
                "spatial": {"bbox": [[-6.0, 30.0, 37.0, 46.0]]},
                "temporal": {"interval": [["2020-01-01T00:00:00Z", None]]},
            },
            "sci:doi": f"10.0000/test/{product_id}",
            "links": [
                {
                    "rel": "item",
                    "href": f"{d.full_id}/dataset.stac.json",
                    "type": "application/json",
                    "title": d.full_id,
                }
                for d in mine
            ],
        }

    def item(self, product_id: str, full_id: str) -> dict[str, Any] | None:
        found = [d for d in self.datasets if d.product_id == product_id and d.full_id == full_id]
        return _stac_item(found[0]) if found else None

    # -- the login service ----------------------------------------------------------
    def token(self, form: dict[str, list[str]]) -> tuple[int, dict[str, Any]]:
        user = form.get("username", [""])[0]
        password = form.get("password", [""])[0]
        ok = (
            form.get("grant_type") == ["password"]
            and form.get("client_id") == ["toolbox"]
            and (user, password) == (self.username, self.password)
        )
        if not ok:  # what Keycloak answers for a wrong user name or password
            return 401, {"error": "invalid_grant", "error_description": "Invalid user credentials"}
        return 200, {"access_token": f"token-for-{user}", "token_type": "Bearer", "expires_in": 300}

    def userinfo(self, authorization: str | None) -> tuple[int, dict[str, Any]]:
        if authorization != f"Bearer token-for-{self.username}":
            return 401, {"error": "invalid_token"}
        return 200, {"preferred_username": self.username, "sub": "0"}

    # -- S3 ---------------------------------------------------------------------------
    def object(self, bucket: str, key: str) -> bytes | None:
        path = (self.root / bucket / key).resolve()
        if self.root.resolve() not in path.parents or not path.is_file():
            return None
        return path.read_bytes()


def _coord(values: np.ndarray, units: str) -> dict[str, Any]:
    values = np.asarray(values, float)
    step = float(values[1] - values[0]) if values.size > 1 else 0.0
    return {
        "type": "minMaxStep",
        "min": float(values.min()),
        "max": float(values.max()),
        "step": abs(step),
        "len": int(values.size),
    }


def _view_dims(t_ms: list[int], lon: np.ndarray, lat: np.ndarray, chunk: Any) -> dict[str, Any]:
    """An ARCO asset's ``viewDims`` for time, latitude, longitude."""
    return {
        "time": {
            "chunkLen": chunk("time"),
            "len": len(t_ms),
            "units": "milliseconds since 1970-01-01 00:00:00Z (no leap seconds)",
            "coords": {
                "type": "minMaxStep",
                "min": t_ms[0],
                "max": t_ms[-1],
                "step": t_ms[1] - t_ms[0],
                "len": len(t_ms),
            },
        },
        "latitude": {
            "chunkLen": chunk("latitude"),
            "len": int(lat.size),
            "units": "degrees_north",
            "coords": _coord(lat, "degrees_north"),
        },
        "longitude": {
            "chunkLen": chunk("longitude"),
            "len": int(lon.size),
            "units": "degrees_east",
            "coords": _coord(lon, "degrees_east"),
        },
    }


def _stac_item(d: Dataset) -> dict[str, Any]:
    """The dataset's STAC item as the Marine Data Store writes it (datacube extension)."""
    ds = d.data
    t_ms = (ds.time.values.astype("datetime64[ms]").astype(np.int64)).tolist()
    lon, lat = ds.longitude.values, ds.latitude.values
    elev = ds.elevation.values if "elevation" in ds.dims else None
    variables = list(ds.data_vars)
    bbox = [float(lon.min()), float(lat.min()), float(lon.max()), float(lat.max())]
    iso = [f"{np.datetime_as_string(ds.time.values[i], unit='s')}Z" for i in (0, -1)]

    def view_dims(chunks: dict[str, int]) -> dict[str, Any]:
        def chunk(dim: str) -> dict[str, int]:
            return {v: int(chunks[dim]) for v in variables}

        dims = _view_dims(t_ms, lon, lat, chunk)
        if elev is not None:
            values = [float(x) for x in elev]
            dims["elevation"] = {
                "chunkLen": chunk("elevation"),
                "len": len(values),
                "units": "m",
                "coords": {"type": "explicit", "values": values},
            }
        return dims

    cube_dims: dict[str, Any] = {
        "time": {"type": "temporal", "extent": iso, "step": "PT1H"},
        "latitude": {
            "type": "spatial",
            "axis": "y",
            "extent": bbox[1::2],
            "reference_system": 4326,
        },
        "longitude": {
            "type": "spatial",
            "axis": "x",
            "extent": bbox[0::2],
            "reference_system": 4326,
        },
    }
    if elev is not None:  # ARCO stores depth as elevation (negative, metres, up)
        values = [float(x) for x in elev]
        cube_dims["elevation"] = {
            "type": "spatial",
            "axis": "z",
            "unit": "m",
            "extent": [min(values), max(values)],
            "values": values,
        }
    return {
        "type": "Feature",
        "stac_version": "1.0.0",
        "stac_extensions": ["https://stac-extensions.github.io/datacube/v2.1.0/schema.json"],
        "id": d.full_id,
        "geometry": {
            "type": "Polygon",
            "coordinates": [
                [
                    [bbox[0], bbox[1]],
                    [bbox[0], bbox[3]],
                    [bbox[2], bbox[3]],
                    [bbox[2], bbox[1]],
                    [bbox[0], bbox[1]],
                ]
            ],
        },
        "bbox": bbox,
        "properties": {
            "title": f"{d.dataset_id} (test)",
            "datetime": None,
            "start_datetime": iso[0],
            "end_datetime": iso[1],
            "cube:dimensions": cube_dims,
            "cube:variables": {
                v: {
                    "id": v,
                    "dimensions": list(ds[v].dims),
                    "type": "data",
                    "unit": ds[v].attrs.get("units", ""),
                    "standardName": ds[v].attrs.get("standard_name", v),
                }
                for v in variables
            },
            "admp_in_preparation": False,
            "admp_retired_date": None,
        },
        "links": [
            {"rel": "parent", "href": "../product.stac.json", "type": "application/json"},
            {"rel": "collection", "href": "../product.stac.json", "type": "application/json"},
        ],
        "assets": {
            asset: {
                "id": asset,
                "href": f"http://{S3_HOST}/{BUCKET}/{d.zarr_key(asset)}",
                "type": "application/vnd+zarr",
                "roles": ["data"],
                "title": f"{asset} dataset in Zarr",
                "xarray:open_kwargs": {"consolidated": True},
                "viewDims": view_dims(chunks),
                "viewVariables": {v: {"dtype": "<f4", "itemSize": 4} for v in variables},
            }
            for asset, chunks in d.stores.items()
        },
    }


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_state: CmemsServer
    tls_context: ssl.SSLContext
    tls_host: str | None = None

    def log_message(self, *args: object) -> None:  # quiet
        pass

    # -- plumbing ---------------------------------------------------------------------
    def _reply(self, status: int, body: bytes, ctype: str = "application/json") -> None:
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def _json(self, status: int, doc: Any) -> None:
        self._reply(status, json.dumps(doc).encode())

    def _url(self) -> tuple[str, str, str, str]:
        """Scheme, host, path, query of the request (proxy or tunnelled form)."""
        if self.tls_host is not None:
            parts = urlsplit(f"https://{self.tls_host}{self.path}")
        else:
            parts = urlsplit(self.path)
        return parts.scheme, (parts.hostname or ""), parts.path, parts.query

    def do_CONNECT(self) -> None:
        host = self.path.split(":")[0]
        if host not in TLS_HOSTS or self.tls_host is not None:
            self.server_state.log.append(("CONNECT", self.path, 403))
            self._reply(403, b"not served here", "text/plain")
            self.close_connection = True
            return
        self.server_state.log.append(("CONNECT", self.path, 200))
        self.send_response(200, "Connection established")
        self.send_header("Content-Length", "0")
        self.end_headers()
        self.wfile.flush()
        try:
            tls = self.tls_context.wrap_socket(self.connection, server_side=True)
        except (ssl.SSLError, OSError) as exc:
            self.server_state.log.append(("TLS", f"{host}: {exc}", 0))
            self.close_connection = True
            return
        self.connection = self.request = tls
        self.rfile = tls.makefile("rb")
        self.wfile = tls.makefile("wb", buffering=0)
        self.tls_host = host
        self.close_connection = False

    def finish(self) -> None:
        super().finish()
        if self.tls_host is not None:  # the tunnel's TLS socket took over the connection
            self.connection.close()

    def do_HEAD(self) -> None:
        self.do_GET()

    def do_GET(self) -> None:
        scheme, host, path, query = self._url()
        status = self._route_get(scheme, host, path)
        url = f"{scheme}://{host}{path}" + (f"?{query}" if query else "")
        self.server_state.log.append((self.command, url, status))

    def do_POST(self) -> None:
        scheme, host, path, _ = self._url()
        n = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(n).decode()
        status = 404
        if scheme == "https" and host == "auth.marine.copernicus.eu" and path == TOKEN_PATH:
            status, doc = self.server_state.token(parse_qs(body))
            self._json(status, doc)
        else:
            self._json(404, {"error": "not found"})
        self.server_state.log.append(("POST", f"{scheme}://{host}{path}", status))

    def _route_get(self, scheme: str, host: str, path: str) -> int:
        s = self.server_state
        doc: Any = None
        if scheme == "https" and host == "auth.marine.copernicus.eu" and path == USERINFO_PATH:
            status, doc = s.userinfo(self.headers.get("Authorization"))
            self._json(status, doc)
            return status
        if (host, path) in (
            (STAC_HOST, "/clientsConfigV1.json"),
            ("stac.marine.copernicus.eu", "/clients-config-v1"),
        ):
            doc = s.client_config()
        elif host == STAC_HOST and path == "/metadata/dataset_product_id_mapping.json":
            doc = s.id_mapping()
        elif host == STAC_HOST and path.startswith("/metadata/"):
            parts = path.removeprefix("/metadata/").split("/")
            if len(parts) == 2 and parts[1] == "product.stac.json":
                doc = s.product(parts[0])
            elif len(parts) == 3 and parts[2] == "dataset.stac.json":
                doc = s.item(parts[0], parts[1])
        elif scheme == "http" and (host == S3_HOST or host.endswith(f".{S3_HOST}")):
            return self._s3(host, path)
        if doc is None:
            self._json(404, {"error": "not found"})
            return 404
        self._json(200, doc)
        return 200

    def _s3(self, host: str, path: str) -> int:
        """S3 ``GetObject``/``HeadObject``, path style or virtual-hosted."""
        if host == S3_HOST:
            bucket, _, key = path.lstrip("/").partition("/")
        else:
            bucket, key = host.removesuffix(f".{S3_HOST}"), path.lstrip("/")
        data = self.server_state.object(bucket, key)
        if data is None:
            body = (
                b'<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>NoSuchKey</Code>'
                b"<Message>The specified key does not exist.</Message></Error>"
            )
            self._reply(404, body, "application/xml")
            return 404
        self._reply(200, data, "application/octet-stream")
        return 200


@contextmanager
def serve_cmems(state: CmemsServer, cert: Path, key: Path) -> Iterator[CmemsServer]:
    """Run the server on 127.0.0.1 (a free port); ``state.proxy_url`` is its address."""
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(cert, key)
    handler = type("Handler", (_Handler,), {"server_state": state, "tls_context": ctx})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    state.proxy_url = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()
