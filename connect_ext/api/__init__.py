"""The web API (``/api/...``): thin routes that turn HTTP into calls of the overage service.

Each ``*_views`` module holds a mixin of ``@router`` methods (composed in :mod:`connect_ext.webapp`);
:mod:`.auth` decides who calls and what they may see, :mod:`.errors` gives every failure the one
public error shape, :mod:`.dependencies` builds the store, the Partner Center client and the
service (each replaceable through ``app.dependency_overrides`` in tests).
"""
