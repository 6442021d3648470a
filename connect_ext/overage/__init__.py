"""The overage domain's pure rules, one module each, no I/O.

- ``detection``: which items and SKUs are overage-capable (OVG);
- ``facts`` and ``prerequisites``: what the service gathered, and every finding about it;
- ``messages``: the catalogue of public codes and their words (``docs/errors.md``);
- ``errors``: the public error (``OverageError``);
- ``rejections``: Microsoft's refusals translated into public errors.

Import from the modules themselves: this package imports nothing, so that
``python -m connect_ext.errors.catalogue`` runs the catalogue module cleanly.
"""
