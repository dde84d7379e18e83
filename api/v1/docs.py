"""``GET /api/docs``: a self-contained page listing every operation of the OpenAPI document, with a
small form to call them (no script or style from elsewhere: the portal's CSP allows only its own)."""

from __future__ import annotations

import html
from typing import Any

from flask import Response

PAGE = """<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{title} — API</title>
<link rel="stylesheet" href="/api/docs/docs.css"></head><body><h1>{title} <small>{version}</small></h1>
<p>OpenAPI document: <a href="/api/openapi.json">/api/openapi.json</a>. Guide: docs/api.md.
Sign in with <code>POST /api/v1/auth/token</code>, then send <code>Authorization: Bearer &lt;token&gt;</code>.</p>
<section id="try"><h2>Try it</h2><label>Access token or API key <input id="token" size="60"></label><br>
<label>Method <select id="method"><option>GET</option><option>POST</option><option>PATCH</option><option>DELETE</option>
</select></label> <label>Path <input id="path" size="50" value="/api/v1/me"></label><br>
<label>JSON body<br><textarea id="body" rows="4" cols="80"></textarea></label><br><button id="send">Send</button>
<pre id="answer"></pre></section>{operations}<script src="/api/docs/docs.js"></script></body></html>"""

CSS = """body{font-family:system-ui,sans-serif;margin:2rem;max-width:70rem}code,pre{background:#f4f4f4;padding:2px 4px}
.op{border-top:1px solid #ddd;padding:.4rem 0}.m{display:inline-block;width:4.5rem;font-weight:bold}
details{margin-left:5rem}"""

SCRIPT = """document.getElementById('send').addEventListener('click', async () => {
  const t = document.getElementById('token').value.trim();
  const headers = {'Content-Type': 'application/json'};
  if (t.startsWith('c360_')) headers['X-API-Key'] = t; else if (t) headers['Authorization'] = 'Bearer ' + t;
  const method = document.getElementById('method').value, body = document.getElementById('body').value;
  const answer = await fetch(document.getElementById('path').value,
    {method, headers, body: method === 'GET' || method === 'DELETE' ? undefined : body});
  document.getElementById('answer').textContent = answer.status + '\\n' + await answer.text();
});
document.querySelectorAll('.op').forEach(el => el.addEventListener('dblclick', () => {
  document.getElementById('method').value = el.dataset.method; document.getElementById('path').value = el.dataset.path;
}));"""


def operations_html(spec: dict[str, Any]) -> str:
    """One block per operation: method, path, summary, and its parameters."""
    out = []
    for path, item in sorted(spec.get("paths", {}).items()):
        for method, op in item.items():
            if method not in ("get", "post", "put", "patch", "delete"):
                continue
            params = ", ".join(html.escape(p["name"]) for p in op.get("parameters", []) if "name" in p)
            out.append(
                f'<div class="op" data-method="{method.upper()}" data-path="{html.escape(path)}">'
                f'<span class="m">{method.upper()}</span><code>{html.escape(path)}</code> '
                f"{html.escape(op.get('summary', ''))}"
                + (f"<details><summary>parameters</summary>{params}</details>" if params else "")
                + "</div>"
            )
    return "<h2>Operations</h2>" + "".join(out)


def page(spec: dict[str, Any]) -> Response:
    info = spec.get("info", {})
    text = PAGE.format(
        title=html.escape(str(info.get("title", ""))),
        version=html.escape(str(info.get("version", ""))),
        operations=operations_html(spec),
    )
    return Response(text, mimetype="text/html")


def css() -> Response:
    return Response(CSS, mimetype="text/css")


def script() -> Response:
    return Response(SCRIPT, mimetype="text/javascript")
