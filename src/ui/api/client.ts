import { auth, signOut } from '../lib/auth';
import type { ApiErrorBody } from './types';

/** An admin API failure with a message fit to show to the user. */
export class ApiError extends Error {
  constructor(
    message: string,
    readonly status: number,
    readonly code: string | null = null,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

export const API_BASE = '/api/v1';

const UNAUTHORIZED = 'The gateway did not accept the admin token. Open the login URL that `aibridge serve` printed, or paste the token from `aibridge admin-token`.';

/** Authorization header for the current admin token (for fetches made outside `api`). */
export function authHeaders(): Record<string, string> {
  const token = auth.get().token;
  return token ? { Authorization: `Bearer ${token}` } : {};
}

async function errorFrom(res: Response): Promise<ApiError> {
  let message = `${res.status} ${res.statusText || 'error'}`;
  let code: string | null = null;
  try {
    const body = (await res.json()) as ApiErrorBody;
    if (body.error?.message) message = body.error.message;
    code = body.error?.code ?? null;
  } catch {
    // not JSON: keep the status line
  }
  return new ApiError(message, res.status, code);
}

/** Fetches a path under /api/v1 with the admin token; 401 signs out with a message. */
export async function apiFetch(path: string, init: RequestInit = {}): Promise<Response> {
  let res: Response;
  try {
    res = await fetch(`${API_BASE}${path}`, {
      ...init,
      headers: { Accept: 'application/json', ...authHeaders(), ...(init.headers as Record<string, string> | undefined) },
      cache: 'no-store',
    });
  } catch (err) {
    if (err instanceof DOMException && err.name === 'AbortError') throw err;
    throw new ApiError('Cannot reach the gateway. Is `aibridge serve` (or the desktop app) still running?', 0, 'network');
  }
  if (res.status === 401) {
    signOut(UNAUTHORIZED);
    throw new ApiError(UNAUTHORIZED, 401, 'unauthorized');
  }
  if (!res.ok) throw await errorFrom(res);
  return res;
}

async function json<T>(method: string, path: string, body?: unknown, signal?: AbortSignal): Promise<T> {
  const init: RequestInit = { method, signal };
  if (body !== undefined) {
    init.body = JSON.stringify(body);
    init.headers = { 'Content-Type': 'application/json' };
  }
  const res = await apiFetch(path, init);
  if (res.status === 204) return undefined as T;
  const text = await res.text();
  return (text ? JSON.parse(text) : undefined) as T;
}

export const api = {
  get: <T>(path: string, signal?: AbortSignal) => json<T>('GET', path, undefined, signal),
  post: <T>(path: string, body?: unknown) => json<T>('POST', path, body ?? {}),
  put: <T>(path: string, body: unknown) => json<T>('PUT', path, body),
  patch: <T>(path: string, body: unknown) => json<T>('PATCH', path, body),
  del: (path: string) => json<void>('DELETE', path),
};

/** Builds `?a=1&b=2`, leaving out empty values. */
export function query(params: Record<string, string | number | boolean | null | undefined>): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) {
    if (v === undefined || v === null || v === '') continue;
    q.set(k, String(v));
  }
  const s = q.toString();
  return s ? `?${s}` : '';
}

export function errorText(err: unknown): string {
  if (err instanceof Error) return err.message;
  return String(err);
}
