'use client';

import { useState, type FormEvent } from 'react';
import { useMutation } from 'urql';
import { messageOf } from '../../lib/errors';
import { LoginMutation } from '../../lib/operations';

/** Where to go once signed in: `?next=` when it is a path of this site, else the projects. */
function nextPath(): string {
  const next = new URLSearchParams(window.location.search).get('next');
  return next && next.startsWith('/') && !next.startsWith('//') && !next.startsWith('/\\') ? next : '/';
}

export default function LoginPage() {
  const [{ fetching }, login] = useMutation(LoginMutation);
  const [error, setError] = useState<string | null>(null);
  const [signedIn, setSignedIn] = useState(false);

  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    setError(null);
    const result = await login({ email: String(form.get('email')), password: String(form.get('password')) });
    if (result.error) {
      setError(messageOf(result.error));
      return;
    }
    setSignedIn(true);
    // A full page load, not a client-side push: the new session starts with an empty cache
    // and a WebSocket opened with the new cookie.
    window.location.assign(nextPath());
  }

  const busy = fetching || signedIn;
  return (
    <main className="centered">
      <form className="card login" onSubmit={submit}>
        <h1 className="brand">Berth</h1>
        <p className="muted">Sign in to deploy and monitor your models.</p>
        <label>
          Email
          <input name="email" type="email" autoComplete="username" required autoFocus />
        </label>
        <label>
          Password
          <input name="password" type="password" autoComplete="current-password" required />
        </label>
        {error && (
          <p className="error" role="alert">
            {error}
          </p>
        )}
        <button type="submit" disabled={busy} aria-busy={busy}>
          {busy ? 'Signing in…' : 'Sign in'}
        </button>
      </form>
    </main>
  );
}
