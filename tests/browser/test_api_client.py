"""static/js/api.js in a real browser against a scripted fake fetch: envelope errors, network errors,
refresh on 401 (rotation, one refresh for concurrent calls, refused, offline), raw answers; and the
booking page against a real daphne node with an expired access token."""
from __future__ import annotations

import json
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from rest_framework_simplejwt.tokens import RefreshToken

from tests.support.factories import ClubFactory, CourtFactory, ReservationFactory, UserFactory

pytestmark = pytest.mark.browser

HARNESS = """
async () => {
  const mod = await import('/static/js/api.js');
  window.mod = mod;
  window.calls = [];
  // routes: "METHOD path" -> (call) => Response | 'offline'; unrouted -> 404 envelope
  window.routes = {};
  window.fetch = async (url, init) => {
    const call = { url, method: init.method, auth: init.headers.Authorization || null,
                   accept: init.headers.Accept, body: init.body ? JSON.parse(init.body) : undefined };
    calls.push(call);
    await new Promise((r) => setTimeout(r, 5));
    const handler = routes[`${init.method} ${url}`];
    const answer = handler ? handler(call) : env(404, false, 'Not found.', 'not_found');
    if (answer === 'offline') throw new TypeError('Failed to fetch');
    return answer;
  };
  window.env = (status, success, message, code, data) => new Response(
    JSON.stringify(success ? { success, data } : { success, message, error: { code } }),
    { status, headers: { 'Content-Type': 'application/json' } });
  window.signIn = () => mod.setAuth({ access: 'a1', refresh: 'r1', user: { email: 'p@x.test' } });
  // /api/v1/thing/ answers 200 for access 'a2' and 401 for anything else
  window.thing = () => { routes['GET /api/v1/thing/'] = (c) => (c.auth === 'Bearer a2'
    ? env(200, true, '', '', { ok: true }) : env(401, false, 'Token expired.', 'token_not_valid')); };
  window.refreshes = (answer) => { routes['POST /api/v1/auth/refresh/'] = (c) => answer(c); };
  window.rotate = () => refreshes((c) => (c.body.refresh === 'r1'
    ? env(200, true, '', '', { access: 'a2', refresh: 'r2' }) : env(401, false, 'Blacklisted.', 'token_not_valid')));
  window.make = (opts = {}) => {
    window.expired = 0;
    return mod.createApi({ networkError: 'No connection.', onExpired: () => { expired += 1; }, ...opts });
  };
}
"""


@pytest.fixture
def page(static_page):
    static_page.evaluate(HARNESS)
    return static_page


def test_envelope_data_and_errors(page):
    result = page.evaluate("""async () => {
      routes['POST /api/v1/auth/login/'] = (c) => env(200, true, '', '', { email: c.body.email });
      routes['GET /api/v1/bad/'] = () => env(400, false, 'Pick a court.', 'invalid_input');
      routes['GET /api/v1/html/'] = () => new Response('<h1>oops</h1>', { status: 502 });
      routes['GET /api/v1/down/'] = () => 'offline';
      routes['GET /other/x.csv'] = () => new Response('a,b\\n1,2\\n', { status: 200 });
      const { rawApi } = make();
      const ok = await rawApi('POST', 'auth/login/', { email: 'p@x.test' }, 'tok');
      const out = { ok: ok.data, call: calls[0] };
      for (const path of ['bad/', 'html/', 'down/']) {
        try { await rawApi('GET', path); } catch (err) {
          out[path] = [err instanceof mod.ApiError, err.message, err.status, err.code];
        }
      }
      const raw = await rawApi('GET', '/other/x.csv', undefined, null, { raw: true });
      out.raw = [raw instanceof Response, await raw.text(), calls.at(-1).accept];
      return out;
    }""")
    assert result["ok"] == {"email": "p@x.test"}
    assert result["call"]["auth"] == "Bearer tok" and result["call"]["accept"] == "application/json"
    assert result["bad/"] == [True, "Pick a court.", 400, "invalid_input"]
    assert result["html/"] == [True, "No connection.", 502, "error"]  # no envelope: the page's own text
    assert result["down/"] == [True, "No connection.", 0, "network"]
    assert result["raw"] == [True, "a,b\n1,2\n", "text/csv, application/json"]


def test_401_refreshes_once_rotates_both_and_retries(page):
    result = page.evaluate("""async () => {
      signIn(); thing(); rotate();
      const { api } = make();
      const answers = await Promise.all([api('GET', 'thing/'), api('GET', 'thing/')]);
      return { answers: answers.map((e) => e.data), stored: mod.auth(), expired,
               refreshes: calls.filter((c) => c.url.endsWith('auth/refresh/')).map((c) => c.body),
               retries: calls.filter((c) => c.url.endsWith('thing/')).map((c) => c.auth) };
    }""")
    assert result["answers"] == [{"ok": True}, {"ok": True}]
    assert result["refreshes"] == [{"refresh": "r1"}]  # concurrent 401s share one refresh
    assert result["stored"] == {"access": "a2", "refresh": "r2", "user": {"email": "p@x.test"}}
    assert result["retries"] == ["Bearer a1", "Bearer a1", "Bearer a2", "Bearer a2"]
    assert result["expired"] == 0


def test_refused_refresh_signs_out_with_the_original_error(page):
    result = page.evaluate("""async () => {
      signIn(); thing(); refreshes(() => env(401, false, 'Blacklisted.', 'token_not_valid'));
      const { api } = make({ keepAuthWhenOffline: true });
      try { await api('GET', 'thing/'); } catch (err) {
        return { message: err.message, status: err.status, stored: mod.auth(), expired };
      }
    }""")
    assert result == {"message": "Token expired.", "status": 401, "stored": None, "expired": 1}


def test_offline_refresh_keeps_or_drops_the_session_as_asked(page):
    result = page.evaluate("""async () => {
      const out = {};
      for (const keep of [true, false]) {
        signIn(); thing(); refreshes(() => 'offline');
        const { api } = make({ keepAuthWhenOffline: keep });
        try { await api('GET', 'thing/'); } catch (err) {
          out[keep] = { message: err.message, status: err.status, stored: mod.auth() && mod.auth().access, expired };
        }
      }
      return out;
    }""")
    assert result["true"] == {"message": "No connection.", "status": 0, "stored": "a1", "expired": 0}
    assert result["false"] == {"message": "Token expired.", "status": 401, "stored": None, "expired": 1}


def test_other_errors_and_signed_out_calls_do_not_refresh(page):
    result = page.evaluate("""async () => {
      thing(); rotate();
      const { api } = make();
      const out = {};
      try { await api('GET', 'thing/'); } catch (err) { out.anon = [err.status, expired, calls.at(-1).auth]; }
      signIn();
      routes['GET /api/v1/gone/'] = () => env(403, false, 'Not yours.', 'not_allowed');
      try { await api('GET', 'gone/'); } catch (err) { out.forbidden = [err.message, mod.auth().access]; }
      out.refreshes = calls.filter((c) => c.url.endsWith('auth/refresh/')).length;
      return out;
    }""")
    assert result["anon"] == [401, 0, None]
    assert result["forbidden"] == ["Not yours.", "a1"]
    assert result["refreshes"] == 0


def test_login_keeps_the_tokens_and_logout_forgets_them_even_offline(page):
    result = page.evaluate("""async () => {
      routes['POST /api/v1/auth/login/'] = (c) => (c.body.password === 'right'
        ? env(200, true, '', '', { access: 'a1', refresh: 'r1', user: { email: c.body.email } })
        : env(401, false, 'Wrong e-mail or password.', 'invalid_credentials'));
      routes['POST /api/v1/auth/logout/'] = () => 'offline';
      const { login, logout } = make();
      const out = {};
      try { await login('p@x.test', 'wrong'); } catch (err) { out.wrong = [err.message, mod.auth()]; }
      out.data = await login('p@x.test', 'right');
      out.stored = mod.auth();
      await logout();
      out.logout = [calls.at(-1).body, calls.at(-1).auth, mod.auth()];
      return out;
    }""")
    assert result["wrong"] == ["Wrong e-mail or password.", None]
    assert result["data"] == result["stored"] == {"access": "a1", "refresh": "r1", "user": {"email": "p@x.test"}}
    assert result["logout"] == [{"refresh": "r1"}, "Bearer a1", None]


def _expired_sign_in(user, *, blacklisted: bool) -> tuple[str, str]:
    """A sessionStorage sign-in whose access token has expired; the refresh token still works
    unless `blacklisted`. Returns (init script, refresh token)."""
    refresh = RefreshToken.for_user(user)
    access = refresh.access_token
    access.set_exp(lifetime=-timedelta(minutes=1))
    if blacklisted:
        refresh.blacklist()
    value = {"access": str(access), "refresh": str(refresh), "user": {"email": user.email, "first_name": "Ana"}}
    return f"sessionStorage.setItem('padelyzer.auth', {json.dumps(json.dumps(value))});", str(refresh)


@pytest.mark.slow
def test_booking_page_renews_an_expired_access_token_or_signs_out(browser, node):
    club = ClubFactory(timezone="Europe/Madrid")
    court = CourtFactory(club=club)
    user = UserFactory()
    tz = ZoneInfo(club.timezone)
    day = datetime.now(tz).date() + timedelta(days=1)
    ReservationFactory(court=court, user=user, start=datetime(day.year, day.month, day.day, 19, tzinfo=tz),
                       end=datetime(day.year, day.month, day.day, 20, 30, tzinfo=tz))
    for blacklisted in (False, True):
        script, old_refresh = _expired_sign_in(user, blacklisted=blacklisted)
        context = browser.new_context()
        try:
            context.add_init_script(script)
            page = context.new_page()
            page.goto(f"{node.http}/clubs/{club.slug}/")
            if not blacklisted:
                page.wait_for_selector("#my-list li", timeout=10000)  # loaded after the refresh
                stored = json.loads(page.evaluate("sessionStorage.getItem('padelyzer.auth')"))
                assert stored["refresh"] != old_refresh  # rotated
                assert page.is_visible("#who") and page.inner_text("#who") != ""
            else:
                page.wait_for_function("sessionStorage.getItem('padelyzer.auth') === null", timeout=10000)
                assert page.is_visible("#mine-signin") and page.is_hidden("#who")
                assert page.locator("#my-list li").count() == 0
        finally:
            context.close()
