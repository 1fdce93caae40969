// @ts-check
/** The chat's JSON API (web/server/chat.ts): one fetch wrapper with the server's error shape. */

export class ApiError extends Error {
  /** @param {string} code @param {string} message */
  constructor(code, message) {
    super(message);
    this.code = code;
  }
}

/** @type {() => void} called when the server says the login is gone */
let onLoginLost = () => {};
/** @param {() => void} fn */
export function whenLoginLost(fn) {
  onLoginLost = fn;
}

/**
 * @param {string} path
 * @param {unknown} [body]  present → POST as JSON
 * @returns {Promise<any>} parsed JSON: the server's shape for that path (see web/server/chat.ts)
 */
export async function api(path, body) {
  let response;
  try {
    response = await fetch(path, body === undefined
      ? { headers: { accept: 'application/json' } }
      : { method: 'POST', headers: { 'content-type': 'application/json', accept: 'application/json' }, body: JSON.stringify(body) });
  } catch {
    throw new ApiError('offline', 'Cannot reach ditty. Is it still running?');
  }
  if (response.status === 204) return null;
  const data = await response.json().catch(() => null);
  if (!response.ok) {
    const error = data && data.error;
    if (error?.code === 'login_required') onLoginLost();
    throw new ApiError(error?.code ?? 'internal', error?.message ?? `The server answered ${response.status}.`);
  }
  return data;
}

/** An error as the one sentence the channel shows. @param {unknown} e */
export const messageOf = (e) => (e instanceof Error ? e.message : String(e));
