'use client';

import { Alert, Button, Center, Paper, PasswordInput, Stack, Text, TextInput, Title } from '@mantine/core';
import { useState, type FormEvent } from 'react';
import { useMutation } from 'urql';
import { messageOf } from '../../lib/errors';
import { LoginMutation } from '../../lib/operations/session';

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
    <Center component="main" mih="100vh" p="md">
      <Paper component="form" withBorder shadow="sm" p="xl" w="100%" maw={380} onSubmit={submit}>
        <Stack gap="sm">
          <div>
            <Title order={1}>Berth</Title>
            <Text c="dimmed" size="sm">
              Sign in to deploy and monitor your models.
            </Text>
          </div>
          <TextInput label="Email" name="email" type="email" autoComplete="username" required autoFocus />
          <PasswordInput label="Password" name="password" autoComplete="current-password" required visibilityToggleButtonProps={{ "aria-label": "Show or hide the characters" }} />
          {error && (
            <Alert color="red" variant="light" role="alert" p="xs">
              {error}
            </Alert>
          )}
          <Button type="submit" loading={busy} aria-busy={busy} fullWidth mt="xs">
            Sign in
          </Button>
        </Stack>
      </Paper>
    </Center>
  );
}
