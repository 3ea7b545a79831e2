import { createStore } from './store';

/**
 * The admin token lives in sessionStorage (gone when the tab closes) and never in the URL:
 * the login URL's `#token=…` fragment is read once and replaced at start-up (SPEC §2).
 */
const KEY = 'aibridge.adminToken';

export interface AuthState {
  token: string | null;
  /** Why the user is looking at the login page, in words (e.g. after a 401). */
  message: string | null;
}

function readStored(): string | null {
  try {
    return sessionStorage.getItem(KEY);
  } catch {
    return null;
  }
}

export const auth = createStore<AuthState>({ token: readStored(), message: null });

/**
 * Takes `#token=…` from the address bar, if present, and removes it from the URL and history.
 * Returns true when a token was found.
 */
export function takeTokenFromUrl(): boolean {
  const match = /^#token=([^&]*)/.exec(location.hash);
  if (!match) return false;
  const token = decodeURIComponent(match[1] ?? '').trim();
  history.replaceState(null, '', `${location.pathname}${location.search}#/`);
  if (token) signIn(token);
  return token.length > 0;
}

export function signIn(token: string): void {
  try {
    sessionStorage.setItem(KEY, token);
  } catch {
    // Storage can be disabled; the token then lives only in memory for this page.
  }
  auth.set({ token, message: null });
}

export function signOut(message: string | null = null): void {
  try {
    sessionStorage.removeItem(KEY);
  } catch {
    // nothing stored
  }
  auth.set({ token: null, message });
}
