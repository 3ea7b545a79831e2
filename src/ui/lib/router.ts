import { useEffect, useState } from 'preact/hooks';

/**
 * Hash routing (`/ui/#/interceptions/ID?model=…`): works behind any static file server and in
 * the desktop window, and reloads land on the same view. `#token=…` is the login fragment,
 * handled by lib/auth before the router starts.
 */
export interface Route {
  /** Path segments, e.g. ['interceptions', 'abc']. */
  parts: string[];
  query: URLSearchParams;
}

export function parseHash(hash: string): Route {
  const raw = hash.replace(/^#\/?/, '');
  const q = raw.indexOf('?');
  const path = q >= 0 ? raw.slice(0, q) : raw;
  const search = q >= 0 ? raw.slice(q + 1) : '';
  return {
    parts: path.split('/').filter(Boolean).map((p) => decodeURIComponent(p)),
    query: new URLSearchParams(search),
  };
}

export function href(path: string, params?: Record<string, string | undefined>): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params ?? {})) if (v) q.set(k, v);
  const s = q.toString();
  return `#/${path.replace(/^\//, '')}${s ? `?${s}` : ''}`;
}

/** Navigates; `replace` keeps the history entry (for filter changes). */
export function navigate(to: string, replace = false): void {
  if (replace) {
    history.replaceState(null, '', to);
    window.dispatchEvent(new HashChangeEvent('hashchange'));
  } else {
    location.hash = to;
  }
}

export function useRoute(): Route {
  const [route, setRoute] = useState(() => parseHash(location.hash));
  useEffect(() => {
    const onChange = () => setRoute(parseHash(location.hash));
    window.addEventListener('hashchange', onChange);
    return () => window.removeEventListener('hashchange', onChange);
  }, []);
  return route;
}
