'use client';

import { Button, Group, Text } from '@mantine/core';
import { useState } from 'react';
import { useMutation } from 'urql';
import { messageOf } from '../lib/errors';
import { LogoutMutation } from '../lib/operations/session';
import { setSigningOut } from '../lib/sign-in';

export function SignOutButton() {
  const [{ fetching }, logout] = useMutation(LogoutMutation);
  const [error, setError] = useState<string | null>(null);

  async function signOut() {
    setError(null);
    setSigningOut(true);
    const result = await logout({});
    if (result.error) {
      setSigningOut(false);
      setError(messageOf(result.error));
      return;
    }
    // A full page load drops everything the signed-in user's session cached.
    window.location.assign('/login');
  }

  return (
    <Group gap="xs" wrap="nowrap">
      {error && (
        <Text size="sm" c="red" role="alert">
          {error}
        </Text>
      )}
      <Button variant="default" size="xs" onClick={signOut} loading={fetching}>
        Sign out
      </Button>
    </Group>
  );
}
