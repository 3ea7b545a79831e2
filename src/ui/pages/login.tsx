import { useState } from 'preact/hooks';
import { API_BASE } from '../api/client';
import { auth, signIn } from '../lib/auth';
import { useStore } from '../lib/store';

/** Sign-in by pasting the admin token; the usual way in is the printed `#token=` URL. */
export function LoginPage() {
  const { message } = useStore(auth);
  const [token, setToken] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const submit = async (e: Event) => {
    e.preventDefault();
    const value = token.trim();
    if (!value) {
      setError('Paste the admin token first.');
      return;
    }
    setBusy(true);
    setError(null);
    // Check the token before switching views so a typo gets a message right here.
    try {
      const res = await fetch(`${API_BASE}/status`, { headers: { Authorization: `Bearer ${value}` }, cache: 'no-store' });
      if (res.status === 401) setError('That token was not accepted. Check it with `aibridge admin-token` and try again.');
      else if (!res.ok) setError(`The gateway answered ${res.status}. Try again in a moment.`);
      else {
        setToken('');
        signIn(value);
      }
    } catch {
      setError('Cannot reach the gateway. Is `aibridge serve` (or the desktop app) still running?');
    } finally {
      setBusy(false);
    }
  };

  const shown = error ?? message;
  return (
    <main class="login" id="main">
      <form class="login-card" onSubmit={(e) => void submit(e)} aria-labelledby="login-title" noValidate>
        <div class="login-brand">
          <img src={`${import.meta.env.BASE_URL}favicon.svg`} alt="" width={40} height={40} />
          <h1 id="login-title">AI Bridge</h1>
        </div>
        <p class="muted">
          Open the dashboard link that <code>aibridge serve</code> printed, or paste the admin token below.
          You can print it again with <code>aibridge admin-token</code>.
        </p>
        {shown && <div class="notice notice-error" role="alert"><span class="notice-icon" aria-hidden="true">!</span><div class="notice-body">{shown}</div></div>}
        <label class="field">
          <span class="label">Admin token</span>
          <input
            type="password"
            name="admin-token"
            autocomplete="off"
            spellcheck={false}
            value={token}
            onInput={(e) => setToken(e.currentTarget.value)}
            autofocus
            required
          />
        </label>
        <button type="submit" class="btn btn-primary btn-block" disabled={busy}>{busy ? 'Checking…' : 'Sign in'}</button>
      </form>
    </main>
  );
}
