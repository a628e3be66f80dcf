"""A loopback stand-in for the Bot Connector's OpenID metadata and signing keys (JWKS).

The SDK fetches these with blocking `requests` calls from inside the event loop, so this server
runs in its own thread rather than on the test's loop.
"""

import json
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import jwt
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

ISSUER = "https://api.botframework.com"


@dataclass
class SigningAuthority:
    metadata_url: str
    key: rsa.RSAPrivateKey
    kid: str

    def token(self, *, audience: str, service_url: str, lifetime: int = 3600, **claims: Any) -> str:
        """A Bot Connector token as Teams would send it, signed with the published key (a
        claim given as None is left out)."""
        now = int(time.time())
        payload = {
            "iss": ISSUER,
            "aud": audience,
            "serviceurl": service_url,
            "nbf": now - 60,
            "iat": now - 60,
            "exp": now + lifetime,
            **claims,
        }
        signed = {name: value for name, value in payload.items() if value is not None}
        return jwt.encode(signed, self.key, algorithm="RS256", headers={"kid": self.kid})


def new_key() -> rsa.RSAPrivateKey:
    """A fresh RSA key (2048 bits, as the Bot Connector uses)."""
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@contextmanager
def signing_authority() -> Iterator[SigningAuthority]:
    """Serve OpenID metadata and a JWKS with one key endorsed for msteams, on 127.0.0.1."""
    key, kid = new_key(), uuid.uuid4().hex
    jwk = json.loads(RSAAlgorithm.to_jwk(key.public_key()))
    jwk.update({"kid": kid, "use": "sig", "endorsements": ["msteams"]})
    documents: dict[str, bytes] = {"/keys": json.dumps({"keys": [jwk]}).encode()}

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 - http.server's naming
            body = documents.get(self.path)
            self.send_response(200 if body else 404)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(body or b"{}")

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    base = f"http://127.0.0.1:{server.server_address[1]}"
    documents["/openid"] = json.dumps(
        {
            "issuer": ISSUER,
            "jwks_uri": f"{base}/keys",
            "id_token_signing_alg_values_supported": ["RS256"],
        }
    ).encode()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield SigningAuthority(f"{base}/openid", key, kid)
    finally:
        server.shutdown()
        server.server_close()
