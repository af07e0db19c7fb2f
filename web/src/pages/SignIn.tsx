import { useState, type FormEvent } from 'react';
import { ApiClient, ApiError } from '../api/client';
import type { Me } from '../api/types';

/**
 * Sign-in with an API token. The token is checked against GET /me before
 * it is kept; it is typed or pasted, never read from the address bar.
 */
export function SignIn(props: { onSignedIn: (token: string, me: Me) => void }) {
  const [token, setToken] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const value = token.trim();
    if (!value) {
      setError('Enter your API token.');
      return;
    }
    setBusy(true);
    setError(null);
    try {
      const me = await new ApiClient(value).me();
      props.onSignedIn(value, me);
    } catch (caught) {
      setError(signInError(caught));
    } finally {
      setBusy(false);
    }
  };

  return (
    <main id="main" className="signin">
      <h1>Sign in</h1>
      <p>
        Sign in with the API token your administrator gave you. It is kept in
        this browser tab only, and forgotten when the tab closes.
      </p>
      <form onSubmit={(e) => void submit(e)} noValidate>
        <div className="field">
          <label htmlFor="token">API token</label>
          <input
            id="token"
            type="password"
            autoComplete="off"
            spellCheck={false}
            value={token}
            onChange={(e) => setToken(e.target.value)}
            aria-invalid={error ? true : undefined}
            aria-describedby={error ? 'token-error' : 'token-hint'}
          />
          <p id="token-hint" className="hint">
            With the demo set-up, <code>npm start</code> prints where the demo
            tokens are.
          </p>
          {error && (
            <p id="token-error" className="field-error" role="alert">
              {error}
            </p>
          )}
        </div>
        <button type="submit" className="button-primary" disabled={busy}>
          {busy ? 'Signing in…' : 'Sign in'}
        </button>
      </form>
    </main>
  );
}

function signInError(caught: unknown): string {
  if (caught instanceof ApiError && caught.kind === 'unreachable') {
    return 'The service could not be reached. Check your connection, or ask your administrator whether it is running.';
  }
  if (caught instanceof ApiError && caught.status === 401) {
    return 'This token is not valid. Check that you copied all of it, or ask your administrator for a new one.';
  }
  return caught instanceof Error ? caught.message : String(caught);
}
