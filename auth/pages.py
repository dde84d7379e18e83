"""Small standalone HTML pages answered by Flask views (no Dash): sign-out confirmation, recovery codes.

They link the portal's own Bootstrap and run no script, so the CSP holds for them too.
"""

from __future__ import annotations

from markupsafe import Markup, escape

from auth.csrf import FORM_FIELD

BOOTSTRAP = "/assets/vendor/bootstrap.min.css"


def _page(title: str, body: Markup) -> str:
    return str(
        Markup(
            "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>"
            "<meta name='viewport' content='width=device-width, initial-scale=1'>"
            "<title>{title}</title><link rel='stylesheet' href='{css}'></head>"
            "<body class='bg-light'><main class='container py-5' style='max-width: 32rem'>{body}</main></body></html>"
        ).format(title=title, css=BOOTSTRAP, body=body)
    )


def sign_out_page(csrf_token: str) -> str:
    """Asks before signing out: a GET must not change anything, so the button posts the form."""
    body = Markup(
        "<h1 class='h4'>Sign out?</h1><form method='post' action='/logout'>"
        "<input type='hidden' name='{field}' value='{token}'>"
        "<button id='logout-confirm' type='submit' class='btn btn-primary'>Sign out</button> "
        "<a class='btn btn-link' href='/'>Stay signed in</a></form>"
    ).format(field=FORM_FIELD, token=csrf_token)
    return _page("Sign out · Miracle Customer 360", body)


def recovery_codes_page(codes: list[str], next_url: str) -> str:
    """The recovery codes, shown this once; each lets its owner sign in once without the phone."""
    items = Markup("").join(Markup("<li><code>{}</code></li>").format(code) for code in codes)
    body = Markup(
        "<h1 class='h4'>Two-step sign-in is on</h1>"
        "<p>Keep these recovery codes somewhere safe. Each works once, if your phone is not at hand. "
        "They are shown only now.</p><ol id='recovery-codes' class='fs-5'>{items}</ol>"
        "<a id='recovery-continue' class='btn btn-primary' href='{next}'>Continue</a>"
    ).format(items=items, next=escape(next_url))
    return _page("Recovery codes · Miracle Customer 360", body)


def refused_page(message: str) -> str:
    """A short explanation for a refused form post (403)."""
    body = Markup("<h1 class='h4'>Refused</h1><p>{message}</p><a href='/'>Back to the portal</a>").format(
        message=message
    )
    return _page("Refused · Miracle Customer 360", body)
