// api.js: the one browser client for Padelyzer's REST API (CONTRACT §1-2), shared by the booking page,
// the staff dashboard and the scorer. No build step. Every error it raises carries the API envelope's
// message, or the page's own network-error text when there is no envelope to read.

// One sign-in per tab, shared by every page.
export const AUTH_KEY = "padelyzer.auth";

export class ApiError extends Error {
  constructor(message, status, code, details = {}) {
    super(message);
    this.status = status;
    this.code = code;
    this.details = details || {}; // the envelope's error.details: field -> messages
  }
}

/** The stored sign-in ({access, refresh, user}) or null. */
export function auth() {
  try {
    return JSON.parse(sessionStorage.getItem(AUTH_KEY) || "null");
  } catch {
    return null;
  }
}

export function setAuth(value) {
  if (value) sessionStorage.setItem(AUTH_KEY, JSON.stringify(value));
  else sessionStorage.removeItem(AUTH_KEY);
}

/**
 * @param {object} opts
 *   networkError         the message for a failed fetch or an answer without an envelope
 *   onExpired            called after a 401 the refresh token could not cure (auth is cleared first)
 *   keepAuthWhenOffline  if the refresh itself cannot reach the server, keep the tokens and raise the
 *                        network error instead of signing out
 */
export function createApi({ networkError, onExpired = () => {}, keepAuthWhenOffline = false }) {
  // One call. `path` is under /api/v1/ unless it starts with "/". With `raw`, a successful answer is
  // returned as the Response itself (CSV downloads); errors are still read from the envelope.
  async function rawApi(method, path, body, token, { raw = false } = {}) {
    const headers = { Accept: raw ? "text/csv, application/json" : "application/json" };
    if (body !== undefined) headers["Content-Type"] = "application/json";
    if (token) headers.Authorization = `Bearer ${token}`;
    let response;
    try {
      response = await fetch(path.startsWith("/") ? path : `/api/v1/${path}`, {
        method, headers, body: body === undefined ? undefined : JSON.stringify(body), credentials: "omit",
      });
    } catch {
      throw new ApiError(networkError, 0, "network");
    }
    if (raw && response.ok) return response;
    let envelope = null;
    try {
      envelope = await response.json();
    } catch {
      /* not JSON: fall through */
    }
    if (!response.ok || !envelope || envelope.success !== true) {
      throw new ApiError((envelope && envelope.message) || networkError, response.status,
        envelope && envelope.error ? envelope.error.code : "error",
        envelope && envelope.error ? envelope.error.details : {});
    }
    return envelope;
  }

  let refreshing = null; // one refresh at a time: refresh tokens rotate, a second use would fail

  // The rotated sign-in, or null when there is none to refresh or the server refused; throws the
  // network ApiError when the server could not be reached (the tokens are kept).
  function refreshAccess() {
    if (!refreshing) {
      refreshing = (async () => {
        const a = auth();
        if (!a || !a.refresh) return null;
        try {
          const fresh = await rawApi("POST", "auth/refresh/", { refresh: a.refresh });
          const next = { ...a, access: fresh.data.access, refresh: fresh.data.refresh };
          setAuth(next);
          return next;
        } catch (err) {
          if (err.status === 0) throw err;
          return null;
        }
      })().finally(() => { refreshing = null; });
    }
    return refreshing;
  }

  // Signed-in calls: on 401 refresh once (access tokens live an hour), else sign out.
  async function api(method, path, body, options) {
    const a = auth();
    try {
      return await rawApi(method, path, body, a && a.access, options);
    } catch (err) {
      if (!(err instanceof ApiError) || err.status !== 401 || !a) throw err;
      let fresh = null;
      try {
        fresh = await refreshAccess();
      } catch (offline) {
        if (keepAuthWhenOffline) throw offline;
      }
      if (!fresh) {
        setAuth(null);
        onExpired();
        throw err;
      }
      return rawApi(method, path, body, fresh.access, options);
    }
  }

  // Signs in and keeps the tokens (with the user) for every page of this tab; returns them.
  async function login(email, password) {
    const envelope = await rawApi("POST", "auth/login/", { email, password });
    setAuth(envelope.data);
    return envelope.data;
  }

  // Revokes both tokens where the server can be told, and forgets them here in any case.
  async function logout() {
    const a = auth();
    if (a) {
      try {
        await rawApi("POST", "auth/logout/", { refresh: a.refresh }, a.access);
      } catch {
        /* expired already or offline: forgetting the tokens here is what matters */
      }
    }
    setAuth(null);
  }

  return { rawApi, api, refreshAccess, login, logout };
}

/** Every item of a paginated list, page 1 on, up to `maxPages` pages; `path` has its query
 * string (page_size and filters), the page number is appended. Throws as `api` does. */
export async function listAll(api, path, maxPages) {
  const found = [];
  for (let page = 1; page <= maxPages; page += 1) {
    const envelope = await api("GET", `${path}&page=${page}`);
    found.push(...envelope.data);
    if (!envelope.pagination || page >= envelope.pagination.total_pages) break;
  }
  return found;
}
