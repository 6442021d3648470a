"""A local certificate authority and a server certificate for the simulator.

MSAL accepts only ``https`` authorities, so the simulator speaks TLS. ``trustme`` makes a
throw-away CA; its PEM is written to a file that clients pass as ``verify=`` (and the settings'
``ca_bundle``). Nothing is added to the system's trust store.
"""
import os
import shutil
import tempfile
from dataclasses import dataclass
from typing import Iterable, Optional

import trustme


DEFAULT_HOSTS = ('127.0.0.1', 'localhost', '::1')


@dataclass(frozen=True)
class LocalTls:
    """Paths of the PEM files: the CA to trust, and the server's certificate chain and key."""

    directory: str
    ca_bundle: str
    certfile: str
    keyfile: str
    owns_directory: bool

    def cleanup(self) -> None:
        """Remove the files (the whole directory when :func:`create_local_tls` made it)."""
        if self.owns_directory:
            shutil.rmtree(self.directory, ignore_errors=True)
            return
        for path in (self.ca_bundle, self.certfile, self.keyfile):
            if os.path.exists(path):
                os.remove(path)


def create_local_tls(directory: Optional[str] = None,
                     hosts: Iterable[str] = DEFAULT_HOSTS) -> LocalTls:
    """A new CA and a certificate for ``hosts``, written under ``directory`` (a new temp dir)."""
    owns = directory is None
    target = tempfile.mkdtemp(prefix='pc-simulator-tls-') if owns else directory
    os.makedirs(target, exist_ok=True)
    ca = trustme.CA(organization_name='Partner Center simulator (local test CA)')
    server = ca.issue_cert(*hosts, common_name='Partner Center simulator')
    ca_bundle = os.path.join(target, 'ca.pem')
    certfile = os.path.join(target, 'server.pem')
    keyfile = os.path.join(target, 'server.key')
    ca.cert_pem.write_to_path(ca_bundle)
    with open(certfile, 'wb') as chain:
        for blob in server.cert_chain_pems:
            chain.write(blob.bytes())
    server.private_key_pem.write_to_path(keyfile)
    os.chmod(keyfile, 0o600)
    return LocalTls(target, ca_bundle, certfile, keyfile, owns)
