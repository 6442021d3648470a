"""A local Connect: the public API the extension calls (``app``), its data (``world``), the RQL
Connect reads (``rql``), a server for it alone (``server``) and the portal page (``portal``)."""
from sandbox.connect.app import CallLog, Faults, create_app
from sandbox.connect.server import ConnectServer
from sandbox.connect.world import ConnectWorld, Principal


__all__ = ['CallLog', 'ConnectServer', 'ConnectWorld', 'Faults', 'Principal', 'create_app']
