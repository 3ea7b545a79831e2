import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import { ApiError, errorText } from '../api/client';

export interface AsyncState<T> {
  data: T | undefined;
  error: string | null;
  /** HTTP status of the failure (0 = gateway unreachable), null when fine. */
  errorStatus: number | null;
  loading: boolean;
  /** Fetches again, keeping the current data on screen meanwhile. */
  reload: () => void;
  /** Replaces the data locally (e.g. after a PATCH returned the new value). */
  setData: (value: T) => void;
}

/** Runs `load` when `deps` change; stale answers are dropped (the AbortSignal is passed on). */
export function useAsync<T>(load: (signal: AbortSignal) => Promise<T>, deps: unknown[]): AsyncState<T> {
  const [data, setData] = useState<T | undefined>(undefined);
  const [error, setError] = useState<string | null>(null);
  const [errorStatus, setErrorStatus] = useState<number | null>(null);
  const [loading, setLoading] = useState(true);
  const [tick, setTick] = useState(0);
  const loadRef = useRef(load);
  loadRef.current = load;

  useEffect(() => {
    const c = new AbortController();
    setLoading(true);
    loadRef.current(c.signal).then(
      (value) => {
        if (c.signal.aborted) return;
        setData(value);
        setError(null);
        setErrorStatus(null);
        setLoading(false);
      },
      (err: unknown) => {
        if (c.signal.aborted) return;
        setError(errorText(err));
        setErrorStatus(err instanceof ApiError ? err.status : null);
        setLoading(false);
      },
    );
    return () => c.abort();
  }, [...deps, tick]);

  const reload = useCallback(() => setTick((t) => t + 1), []);
  return { data, error, errorStatus, loading, reload, setData };
}
