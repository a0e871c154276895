"""Account pages: choosing a new password from the e-mailed link."""
from __future__ import annotations

from django.shortcuts import render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET


@never_cache
@require_GET
def password_reset_page(request):
    """/reset-password/: ask for the e-mail link; from the link (?uid=&token=), choose a new password."""
    has_token = bool(request.GET.get("uid") and request.GET.get("token"))
    back = request.GET.get("next", "")
    if not url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        back = ""  # only our own pages: no open redirect through the link
    strings = {
        "network_error": _("Network error. Check your connection and try again."),
        "email_needed": _("Give your e-mail."),
        "link_sent": _("If that e-mail has an account, a link to choose a new password is on its way."),
        "mismatch": _("The two passwords differ."),
        "changed": _("Password changed. You can sign in with it now."),
    }
    response = render(request, "web/password_reset.html", {"has_token": has_token, "back": back, "strings": strings})
    response["Referrer-Policy"] = "no-referrer"  # the token in the address must not leak to other sites
    response["X-Robots-Tag"] = "noindex"
    return response
