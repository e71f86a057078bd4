'use client';

import { useState } from 'react';
import { useMutation } from 'urql';
import { messageOf } from '../lib/errors';
import { LogoutMutation } from '../lib/operations';

export function SignOutButton() {
  const [{ fetching }, logout] = useMutation(LogoutMutation);
  const [error, setError] = useState<string | null>(null);

  async function signOut() {
    setError(null);
    const result = await logout({});
    if (result.error) {
      setError(messageOf(result.error));
      return;
    }
    // A full page load drops everything the signed-in user's session cached.
    window.location.assign('/login');
  }

  return (
    <span className="sign-out">
      {error && (
        <span className="error" role="alert">
          {error}
        </span>
      )}
      <button type="button" className="secondary" onClick={signOut} disabled={fetching}>
        {fetching ? 'Signing out…' : 'Sign out'}
      </button>
    </span>
  );
}
