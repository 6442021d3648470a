"""A Microsoft Partner Center simulator: Entra ID's token endpoints and the ``/v1`` overage API.

``world`` holds the data and Microsoft's rules, ``app`` the HTTP shapes, ``faults`` what can go
wrong on purpose, ``server`` runs it over TLS, ``demo`` seeds a world, ``testing`` helps tests.
"""
from sandbox.partner_center.world import ApiError, Caller, OverageState, TokenError, World


__all__ = ['ApiError', 'Caller', 'OverageState', 'TokenError', 'World']
