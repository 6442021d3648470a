"""The error catalogue page (``docs/errors.md``), generated from the catalogue and the translation.

Each code's texts come from :mod:`connect_ext.errors.catalogue`; the Microsoft codes and statuses that
turn into it come from :mod:`connect_ext.errors.microsoft`. A test compares the page with this text.
"""
from typing import Dict

from connect_ext.errors import catalogue, microsoft


REGENERATE_COMMAND = 'python -m tools'
OUTPUT = 'docs/errors.md'


def _microsoft_sources() -> Dict[str, list]:
    """Public code -> the Microsoft codes and HTTP statuses translated into it."""
    sources: Dict[str, list] = {}
    for microsoft_code, public in microsoft.MICROSOFT_CODES.items():
        sources.setdefault(public, []).append(f'code {microsoft_code}')
    for status, public in microsoft.HTTP_STATUSES.items():
        sources.setdefault(public, []).append(f'HTTP {status}')
    for auth_error, public in microsoft.AUTH_ERRORS.items():
        sources.setdefault(public, []).append(f'failure `auth` with `{auth_error}`')
    for kind, public in microsoft.KIND_CODES.items():
        sources.setdefault(public, []).append(f'failure `{kind}`')
    sources.setdefault(microsoft.FALLBACK_CODE, []).append('any other code or status')
    return sources


def _customer_lines(item) -> list:
    """What a customer reads on its own page, where it differs from the partner staff's words."""
    own = catalogue.templates_for(item, 'customer')
    differing = [
        (label, text) for label, text, partner in zip(
            ('Message', 'Reason', 'Action'), own, (item.message, item.reason, item.action),
            strict=True)
        if text != partner
    ]
    if not differing:
        return []
    return ['- **A customer reads instead:**', *(f'  - *{label}:* {text}' for label, text in differing)]


def catalogue_markdown() -> str:
    """The whole catalogue as Markdown: ``docs/errors.md`` is exactly this text."""
    sources = _microsoft_sources()
    lines = [
        f'<!-- Generated from connect_ext/errors/ by tools/errors_doc.py: `{REGENERATE_COMMAND}` -->',
        '# Overage Manager: errors and findings',
        '',
        'Every answer and finding of the Overage Manager carries one of these codes. Errors use '
        'the shape `{"error": {"code", "message", "reason", "action", "details"}}`; when Microsoft '
        'rejected a call, `details.microsoft` holds its status, code, description and correlation '
        'id (a customer reads its status, code and ids alone: the description is Microsoft\'s words '
        'to the partner). Findings (`blocking`, `warning`, `info`) come with the customer\'s overage state.',
        '',
        '`{name}` is filled from the details; a part in [brackets] shows only when its values are '
        'known. *Blocks* lists the changes a finding stops; *transient* errors may pass on retry. '
        'Partner staff (the distributor, a reseller) read the texts below; a customer on its own '
        'home page reads its own words where they differ (no partner pricing, ids or settings). '
        "No text names one of the extension's variables; *Settings* lists those an entry is about, "
        'for whoever configures the extension (an error answer carries them as `details.settings`, '
        'a finding as `params.settings`; a customer gets neither).',
        '',
        '| code | HTTP | severity | blocks | transient | from Microsoft |',
        '|---|---|---|---|---|---|',
    ]
    for item in catalogue.ENTRIES:
        lines.append('| [`{code}`](#{anchor}) | {status} | {severity} | {blocks} | {transient} | '
                     '{sources} |'.format(
                         code=item.code,
                         anchor=item.code.lower(),
                         status=item.http_status or '—',
                         severity=item.severity,
                         blocks=', '.join(item.blocks) or '—',
                         transient='yes' if item.transient else 'no',
                         sources=', '.join(sources.get(item.code, [])) or '—',
                     ))
    for item in catalogue.ENTRIES:
        lines += [
            '',
            f'## {item.code}',
            '',
            f'- **Message:** {item.message}',
            f'- **Reason:** {item.reason}',
            f'- **Action:** {item.action}',
        ]
        if item.severity == 'blocking':
            lines.append(f'- **Can be fixed:** {"yes" if item.fixable else "no"}')
        if item.settings:
            lines.append('- **Settings** (for the administrator): '
                         + ', '.join(f'`{name}`' for name in item.settings))
        lines += _customer_lines(item)
    return '\n'.join(lines) + '\n'
