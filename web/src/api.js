// The hub's REST API (docs/openapi.json), same origin. The session cookie is HttpOnly; the CSRF
// token that every state-changing request echoes comes from sign-in or GET /v1/me.

let csrfToken = '';

export function setCsrfToken(token) {
  csrfToken = token || '';
}

// An error answer, or no answer at all (status 0). `detail` is the hub's own sentence (English),
// shown beneath the portal's sentence; `body` is the parsed answer for routes whose errors carry
// structure (a registration's line-by-line report).
export class ApiError extends Error {
  constructor(status, detail, body) {
    super(detail || `HTTP ${status}`);
    this.status = status;
    this.detail = detail || '';
    this.body = body;
  }
}

function detailOf(body) {
  if (!body || typeof body !== 'object') return '';
  const e = body.error;
  if (typeof e === 'string') return e;
  if (e && typeof e.message === 'string') return e.message;
  if (typeof body.message === 'string') return body.message;
  return '';
}

// Calls the API. `body` (an object) is sent as JSON; `options.raw` returns the Response's text
// (CSV exports). Resolves to the parsed JSON; rejects with ApiError.
export async function api(method, path, body, options = {}) {
  const headers = { Accept: options.raw ? 'text/csv' : 'application/json' };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  if (method !== 'GET' && csrfToken) headers['X-CSRF-Token'] = csrfToken;
  let res;
  try {
    res = await fetch(path, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      credentials: 'same-origin',
    });
  } catch (e) {
    throw new ApiError(0, String(e && e.message ? e.message : e));
  }
  const text = await res.text();
  if (options.raw && res.ok) return text;
  let parsed = null;
  try {
    parsed = text ? JSON.parse(text) : {};
  } catch {
    parsed = null;
  }
  if (!res.ok) throw new ApiError(res.status, detailOf(parsed), parsed);
  return parsed;
}

export const get = (path, options) => api('GET', path, undefined, options);
export const post = (path, body) => api('POST', path, body ?? {});
export const del = (path) => api('DELETE', path);

// The sentence to show for an error: what happened and what to do, in the page's language.
export function errorSentence(t, err) {
  if (!(err instanceof ApiError)) return t('err.5xx');
  if (err.status === 0) return t('err.network');
  if (err.status >= 500) return t('err.5xx');
  const key = `err.${err.status}`;
  const s = t(key);
  return s === key ? t('err.400') : s;
}
