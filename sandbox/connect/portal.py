"""The Connect portal, as far as the extension's pages can tell: a host page with an iframe.

Connect shows an extension page in an iframe and talks to it through ``postMessage``, which the
``connect-ui-toolkit`` bridge (``createApp``) wraps. The page posts ``{$id, events: {$created}}``
and ``{$id, events: {$mounted}}`` to ``window.top``; the host answers
``{$id, events: {$init: <shared context>}}`` to that frame, after which the page's ``createApp``
promise resolves. Later the page emits ``$size`` (the host sets the iframe's height),
``navigate-to`` (Connect would open another portal page: here a note says which),
``snackbar:message`` / ``snackbar:error`` (shown as a toast) and ``{$id, data}`` commits of the
shared state. :func:`render_portal` writes the host page doing exactly that.
"""
import html
import json
from dataclasses import dataclass
from typing import Any, Dict, List, Mapping, Sequence
from urllib.parse import urlencode

from sandbox.seed import Persona


@dataclass(frozen=True)
class Page:
    """One extension page the portal can show: its tab label and its ``/static/...`` URL."""

    key: str
    label: str
    url: str


def pages_for(persona: Persona, ui_modules: Mapping[str, Any], static_files: Sequence[str]):
    """The pages Connect shows ``persona``: from the webapp's UI decorators, else by file name.

    Distributors and resellers see the module pages (and their children as tabs) and the account
    settings page; a customer sees the customer home pages.
    """
    found: List[Page] = []

    def add(label: Any, url: Any) -> None:
        if isinstance(url, str) and url.startswith('/static/'):
            key = url.rsplit('/', 1)[-1]
            if all(page.key != key for page in found):
                found.append(Page(key, str(label or key), url))

    if persona.tier_account_id:
        for page in ui_modules.get('customer') or ():
            add(page.get('label'), page.get('url'))
    else:
        module = ui_modules.get('modules') or {}
        add(module.get('label'), module.get('url'))
        for child in module.get('children') or ():
            add(child.get('label'), child.get('url'))
        settings = ui_modules.get('settings') or {}
        add(settings.get('label'), settings.get('url'))
    if not found:  # the UI decorators are not there yet: guess from the built files
        wanted = ('customer.html',) if persona.tier_account_id else (
            'index.html', 'settings.html')
        for name in wanted:
            if name in static_files:
                add(name.rsplit('.', 1)[0].capitalize(), f'/static/{name}')
    return found


def shared_context(persona: Persona, *, extension_id: str, extension_name: str,
                   environment_id: str) -> Dict[str, Any]:
    """What the host hands over in ``$init``: the installation, the account and the user."""
    context = {
        'currentInstallation': {
            'id': persona.installation_id,
            'environment': {
                'id': environment_id,
                'type': 'production',
                'extension': {'id': extension_id, 'name': extension_name},
            },
            'owner': {'id': persona.account_id, 'name': persona.account_name},
            'settings': {},
        },
        'currentAccount': {'id': persona.account_id, 'name': persona.account_name,
                           'role': persona.account_role},
        'currentUser': {'id': persona.user_id, 'name': persona.user_name},
        'timezoneInfo': {'timezone': 'UTC', 'offset': 0},
        'locale': 'en',
    }
    return context


_STYLE = """
body { font-family: system-ui, sans-serif; margin: 0; background: #f4f5f7; color: #212121; }
header { background: #1565c0; color: #fff; padding: 8px 16px; display: flex; gap: 16px;
         align-items: center; flex-wrap: wrap; }
header h1 { font-size: 16px; margin: 0 16px 0 0; }
header form { margin: 0; display: inline; }
header button, header a { color: #fff; background: transparent; border: 1px solid #ffffff80;
         border-radius: 4px; padding: 4px 10px; cursor: pointer; font-size: 13px;
         text-decoration: none; }
header button.active { background: #fff; color: #1565c0; }
nav { display: flex; gap: 4px; padding: 8px 16px 0; }
nav a { padding: 6px 12px; border-radius: 4px 4px 0 0; background: #e0e0e0; color: #212121;
        text-decoration: none; font-size: 14px; }
nav a.active { background: #fff; font-weight: 600; }
main { background: #fff; margin: 0 16px 16px; padding: 0; }
iframe { border: 0; width: 100%; min-height: 600px; display: block; }
#notes { position: fixed; right: 16px; bottom: 16px; display: flex; flex-direction: column;
         gap: 8px; max-width: 420px; }
.note { background: #323232; color: #fff; padding: 10px 14px; border-radius: 4px;
        font-size: 13px; box-shadow: 0 2px 6px #0004; white-space: pre-wrap; }
.note.error { background: #c62828; }
.empty { padding: 32px; }
#replay-result { font-size: 13px; }
"""

_SCRIPT = """
(function () {
  const frame = document.getElementById('extension-page');
  const context = JSON.parse(document.getElementById('shared-context').textContent);
  const notes = document.getElementById('notes');
  const frames = {};

  function note(text, kind) {
    const el = document.createElement('div');
    el.className = 'note' + (kind ? ' ' + kind : '');
    el.setAttribute('role', 'status');
    el.textContent = text;
    notes.appendChild(el);
    setTimeout(function () { el.remove(); }, 8000);
  }
  window.sandboxNote = note;

  function describe(route) {
    if (typeof route === 'string') return route;
    if (!route) return '(nothing)';
    const params = route.params ? Object.entries(route.params).map(
      function (kv) { return kv[0] + '=' + kv[1]; }).join(', ') : '';
    return (route.name || '(unnamed route)') + (params ? ' (' + params + ')' : '');
  }

  window.addEventListener('message', function (event) {
    if (!frame || event.source !== frame.contentWindow) return;
    const message = event.data || {};
    const id = message.$id;
    if (message.events) {
      Object.keys(message.events).forEach(function (name) {
        const data = message.events[name];
        if (name === '$mounted' && !frames[id]) {
          frames[id] = true;
          frame.dataset.bridge = 'ready';
          event.source.postMessage({$id: id, events: {$init: context}}, '*');
        } else if (name === '$size' && data && data.height) {
          frame.style.height = Math.max(600, Math.ceil(data.height) + 24) + 'px';
        } else if (name === 'navigate-to') {
          note('Connect would now open: ' + describe(data) +
               '. The sandbox has no such portal page.');
        } else if (name === 'snackbar:error') {
          note(typeof data === 'string' ? data : JSON.stringify(data), 'error');
        } else if (name === 'snackbar:message') {
          note(typeof data === 'string' ? data : JSON.stringify(data));
        }
      });
    } else if (message.data) {
      Object.assign(context, message.data);
    }
  });

  const replay = document.getElementById('replay');
  if (replay) {
    replay.addEventListener('click', function () {
      replay.disabled = true;
      fetch('/sandbox/replay', {method: 'POST'})
        .then(function (response) { return response.json(); })
        .then(function (body) {
          const lines = (body.deliveries || []).map(function (d) {
            return d.request_id + ' ' + d.status + ': ' + d.outcome + ' (' + d.notes + ' note(s))';
          });
          note('Orders replayed through the events application:\\n' + lines.join('\\n'));
        })
        .catch(function (error) { note('Replay failed: ' + error, 'error'); })
        .finally(function () { replay.disabled = false; });
    });
  }
})();
"""


def render_portal(*, persona: Persona, personas: Mapping[str, Persona], pages: Sequence[Page],
                  selected: str, forwarded_query: Mapping[str, str], context: Mapping[str, Any],
                  extension_name: str) -> str:
    """The host page: persona switch, page tabs, the iframe and the bridge script."""
    esc = html.escape
    current = next((page for page in pages if page.key == selected), pages[0] if pages else None)
    switch = ''.join(
        f'<button type="submit" name="persona" value="{esc(key)}"'
        f'{" class=active" if key == persona.key else ""}>{esc(other.label)}</button>'
        for key, other in personas.items()
    )
    tabs = ''.join(
        f'<a href="/?{esc(urlencode({"page": page.key, **forwarded_query}))}"'
        f'{" class=active" if current and page.key == current.key else ""}>{esc(page.label)}</a>'
        for page in pages
    )
    if current is None:
        body = ('<p class="empty">The extension has no page for this account yet: build the UI '
                '(<code>npm run build</code>) into <code>connect_ext/static/</code>.</p>')
    else:
        query = f'?{urlencode(dict(forwarded_query))}' if forwarded_query else ''
        body = (f'<iframe id="extension-page" name="slot_{esc(current.key.split(".")[0])}" '
                f'title="{esc(current.label)}" src="{esc(current.url + query)}"></iframe>')
    # JSON inside <script type=application/json>: only "</" could end the element early.
    context_json = json.dumps(context).replace('</', '<\\/')
    return f"""<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>{esc(extension_name)} - Connect sandbox</title>
<style>{_STYLE}</style>
</head>
<body data-persona="{esc(persona.key)}">
<header>
  <h1>{esc(extension_name)} &middot; Connect sandbox</h1>
  <form method="post" action="/sandbox/persona" aria-label="Persona">{switch}</form>
  <span>{esc(persona.user_name)} &middot; {esc(persona.account_name)}</span>
  <button type="button" id="replay">Replay orders</button>
  <a href="/sandbox/notes">Conversation notes</a>
</header>
<nav>{tabs}</nav>
<main>{body}</main>
<div id="notes" aria-live="polite"></div>
<script type="application/json" id="shared-context">{context_json}</script>
<script>{_SCRIPT}</script>
</body>
</html>
"""


def render_notes(conversations: Sequence[Mapping[str, Any]]) -> str:
    """``/sandbox/notes``: every request's conversation and its messages, newest request first."""
    esc = html.escape
    sections = []
    for entry in conversations:
        messages = ''.join(
            f'<li><div class="meta">{esc(message["created"])} &middot; '
            f'{esc(message["account"]["name"])}</div><pre>{esc(message["text"])}</pre></li>'
            for message in entry['messages']
        ) or '<li class="meta">No note.</li>'
        sections.append(
            f'<section data-request="{esc(entry["request_id"])}"><h2>{esc(entry["request_id"])}'
            f' &middot; {esc(entry["type"])} &middot; {esc(entry["status"])}</h2>'
            f'<p class="meta">{esc(entry["customer"])} &middot; conversation '
            f'{esc(entry["conversation_id"])}</p><ul>{messages}</ul></section>'
        )
    listing = ''.join(sections) or ('<p>No request yet: use <em>Replay orders</em> on the '
                                    'portal page.</p>')
    return f"""<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Conversation notes - Connect sandbox</title>
<style>
body {{ font-family: system-ui, sans-serif; margin: 16px; color: #212121; }}
section {{ border: 1px solid #ddd; border-radius: 4px; padding: 8px 16px; margin-bottom: 12px; }}
h2 {{ font-size: 15px; margin: 4px 0; }}
.meta {{ color: #666; font-size: 12px; }}
ul {{ list-style: none; padding: 0; }}
pre {{ white-space: pre-wrap; background: #f7f7f7; padding: 8px; margin: 4px 0 12px; }}
</style>
</head>
<body>
<p><a href="/">&larr; Back to the portal</a></p>
<h1>Conversation notes</h1>
{listing}
</body>
</html>
"""
