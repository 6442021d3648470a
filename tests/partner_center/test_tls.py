"""The real wiring over TLS on localhost: MSAL discovery, the token grant and an API call to a
server whose certificate only a local CA vouches for, while ``REQUESTS_CA_BUNDLE`` names the
system bundle (the trap that silently replaces a session-wide ``verify``)."""
import json
import ssl
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs

import pytest
import trustme

from connect_ext.partner_center.client import PartnerCenterClient
from connect_ext.partner_center.errors import PartnerCenterError
from testkit.microsoft_payloads import collection, overage_item
from testkit.partner_center_mock import CUSTOMER_TENANT, PARTNER_TENANT, make_settings


class _PartnerCenterAndAuthority(BaseHTTPRequestHandler):
    """Just enough of Entra and Partner Center for one call; records what it was sent."""

    seen = []

    def log_message(self, *args):  # keep the test output quiet
        pass

    def _answer(self, payload):
        body = json.dumps(payload).encode()
        self.send_response(200)
        self.send_header('Content-Type', 'application/json')
        self.send_header('Content-Length', str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        base = f'https://127.0.0.1:{self.server.server_port}/{PARTNER_TENANT}'
        self.seen.append(('GET', self.path, self.headers.get('Authorization')))
        if self.path.endswith('/.well-known/openid-configuration'):
            self._answer({
                'token_endpoint': f'{base}/oauth2/v2.0/token',
                'authorization_endpoint': f'{base}/oauth2/v2.0/authorize',
                'issuer': f'{base}/v2.0',
            })
        else:
            self._answer(collection([overage_item()]))

    def do_POST(self):
        length = int(self.headers.get('Content-Length') or 0)
        form = parse_qs(self.rfile.read(length).decode())
        self.seen.append(('POST', self.path, form.get('grant_type', [''])[0]))
        self._answer({'token_type': 'Bearer', 'expires_in': 3599, 'access_token': 'tls-token'})


@pytest.fixture
def tls_server(tmp_path):
    authority = trustme.CA()
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    authority.issue_cert('127.0.0.1', 'localhost').configure_cert(context)
    ca_path = tmp_path / 'local-ca.pem'
    authority.cert_pem.write_to_path(str(ca_path))
    server = ThreadingHTTPServer(('127.0.0.1', 0), _PartnerCenterAndAuthority)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    _PartnerCenterAndAuthority.seen = []
    yield f'https://127.0.0.1:{server.server_port}', str(ca_path)
    server.shutdown()
    server.server_close()
    thread.join(timeout=5)


def test_msal_and_the_api_trust_the_local_ca_despite_requests_ca_bundle(tls_server, monkeypatch):
    url, ca_path = tls_server
    monkeypatch.setenv('REQUESTS_CA_BUNDLE', '/etc/ssl/certs/ca-certificates.crt')
    client = PartnerCenterClient(make_settings(api_url=url, login_url=url, ca_bundle=ca_path))

    overage = client.get_overage(CUSTOMER_TENANT)

    assert overage.overage_enabled is True
    assert _PartnerCenterAndAuthority.seen == [
        ('GET', f'/{PARTNER_TENANT}/v2.0/.well-known/openid-configuration', None),
        ('POST', f'/{PARTNER_TENANT}/oauth2/v2.0/token', 'client_credentials'),
        ('GET', f'/v1/customers/{CUSTOMER_TENANT}/subscriptions/overage', 'Bearer tls-token'),
    ]


def test_without_the_ca_bundle_the_local_certificate_is_refused(tls_server):
    url, _ = tls_server
    client = PartnerCenterClient(make_settings(api_url=url, login_url=url), sleep=lambda _: None)

    with pytest.raises(PartnerCenterError) as caught:
        client.get_overage(CUSTOMER_TENANT)

    assert caught.value.kind == 'unavailable'
    assert _PartnerCenterAndAuthority.seen == []
