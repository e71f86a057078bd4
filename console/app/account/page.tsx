'use client';

import { Alert, Button, Code, Group, Paper, SimpleGrid, Stack, Text, TextInput, Title } from '@mantine/core';
import { PasswordField } from '../../components/ui/password-field';
import { useState, type FormEvent } from 'react';
import { useMutation, useQuery } from 'urql';
import { AppShell, Breadcrumbs, Loading, Page } from '../../components/app-shell';
import { ConfirmActionDialog } from '../../components/confirm-dialog';
import { EmptyState } from '../../components/empty-state';
import { ErrorMessage, InlineError } from '../../components/error-message';
import { StateBadge } from '../../components/status-badges';
import { DataTable } from '../../components/ui/data-table';
import { SecretOnce } from '../../components/ui/secret-once';
import { ChangePasswordMutation, CreateAccessTokenMutation, MyAccessTokensQuery, RevokeAccessTokenMutation, type AccessTokenData } from '../../lib/operations/account';
import { MeQuery } from '../../lib/operations/session';
import { fieldOf, messageOf } from '../../lib/errors';
import { formatDateTime } from '../../lib/format';

export default function AccountPage() {
  return (
    <AppShell>
      <Page>
        <Breadcrumbs items={[{ label: 'Projects', href: '/' }, { label: 'Account' }]} />
        <Title order={1} mb="md">
          Account
        </Title>
        <AccountSections />
      </Page>
    </AppShell>
  );
}

function AccountSections() {
  const [{ data }] = useQuery({ query: MeQuery });
  // Until a reset password is replaced, the API refuses everything else: show only the form.
  const mustChange = data?.me?.mustChangePassword === true;
  return (
    <Stack gap="xl">
      {mustChange && (
        <Alert color="orange" variant="light" title="Choose a new password" role="alert">
          An admin reset your password. Choose your own before using Berth: sign in with the password they gave you as the current one.
        </Alert>
      )}
      <section aria-labelledby="password-title">
        <Title order={2} size="h3" id="password-title" mb="sm">
          Password
        </Title>
        <ChangePasswordForm />
      </section>
      {!mustChange && (
        <section aria-labelledby="tokens-title">
          <Title order={2} size="h3" id="tokens-title">
            Personal access tokens
          </Title>
          <Text c="dimmed" size="sm" mb="sm">
            A personal access token signs API clients in as you: send it as <Code>Authorization: Bearer &lt;token&gt;</Code>.
          </Text>
          <Stack gap="md">
            <AccessTokens />
          </Stack>
        </section>
      )}
    </Stack>
  );
}

type PasswordFieldName = 'currentPassword' | 'newPassword' | 'repeat';

/**
 * Changes one's own password. The server checks the current one (a wrong one is a field error,
 * not an ended session) and the new one's strength; it ends the user's other sessions.
 */
function ChangePasswordForm() {
  const [{ fetching }, change] = useMutation(ChangePasswordMutation);
  const [, refetchMe] = useQuery({ query: MeQuery, pause: true });
  const [errors, setErrors] = useState<Partial<Record<PasswordFieldName, string>>>({});
  const [general, setGeneral] = useState<string | null>(null);
  const [done, setDone] = useState(false);

  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const formElement = event.currentTarget;
    const form = new FormData(formElement);
    const currentPassword = String(form.get('currentPassword') ?? '');
    const newPassword = String(form.get('newPassword') ?? '');
    setDone(false);
    setGeneral(null);
    if (newPassword !== String(form.get('repeat') ?? '')) {
      setErrors({ repeat: 'Does not match the new password' });
      return;
    }
    setErrors({});
    const result = await change({ currentPassword, newPassword });
    if (result.error || !result.data) {
      const field = result.error ? fieldOf(result.error) : null;
      const message = result.error ? messageOf(result.error) : 'No answer from the server';
      if (field === 'currentPassword' || field === 'newPassword') setErrors({ [field]: message.replace(/^\w+: /, '') });
      else setGeneral(message);
      return;
    }
    formElement.reset();
    setDone(true);
    // The forced change is over: the rest of the console works again.
    refetchMe({ requestPolicy: 'network-only' });
  }

  return (
    <Paper component="form" withBorder p="md" onSubmit={submit} aria-label="Change password">
      <SimpleGrid cols={{ base: 1, sm: 3 }} spacing="sm">
        <PasswordField label="Current password" name="currentPassword" required autoComplete="current-password" error={errors.currentPassword} />
        <PasswordField
          label="New password"
          name="newPassword"
          required
          minLength={10}
          autoComplete="new-password"
          description="At least 10 characters, not easy to guess"
          error={errors.newPassword}
         
        />
        <PasswordField label="Repeat the new password" name="repeat" required autoComplete="new-password" error={errors.repeat} />
      </SimpleGrid>
      <Group mt="md">
        <Button type="submit" loading={fetching} aria-busy={fetching}>
          Change password
        </Button>
      </Group>
      <InlineError>{general}</InlineError>
      {done && (
        <Text size="sm" c="teal.9" role="status" mt="xs">
          Password changed. Your other sessions are signed out; personal access tokens keep working.
        </Text>
      )}
    </Paper>
  );
}

function AccessTokens() {
  const [{ data, fetching, error }, refetch] = useQuery({ query: MyAccessTokensQuery, requestPolicy: 'cache-and-network' });
  const [created, setCreated] = useState<{ token: string; name: string } | null>(null);
  const [revoking, setRevoking] = useState<AccessTokenData | null>(null);
  const reload = () => refetch({ requestPolicy: 'network-only' });

  return (
    <>
      <CreateTokenForm
        onCreated={(token, name) => {
          setCreated({ token, name });
          reload();
        }}
      />
      {created && (
        <SecretOnce title="New token" secret={created.token} fieldLabel={`The token “${created.name}”`} copyLabel="Copy token" dismissLabel="Done" onDismiss={() => setCreated(null)} testId="new-token">
          Copy the token “{created.name}” now: it is shown only this once, and Berth keeps only its hash.
        </SecretOnce>
      )}
      {error && !data ? (
        <ErrorMessage message={messageOf(error)} onRetry={reload} />
      ) : !data ? (
        fetching && <Loading what="your tokens" />
      ) : (
        <TokenTable tokens={data.myAccessTokens.filter((token) => token.kind === 'personal')} onRevoke={setRevoking} />
      )}
      <RevokeDialog
        token={revoking}
        onClose={() => setRevoking(null)}
        onRevoked={() => {
          setRevoking(null);
          reload();
        }}
      />
    </>
  );
}

function CreateTokenForm({ onCreated }: { onCreated: (token: string, name: string) => void }) {
  const [{ fetching }, create] = useMutation(CreateAccessTokenMutation);
  const [error, setError] = useState<string | null>(null);

  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const formElement = event.currentTarget;
    const form = new FormData(formElement);
    const name = String(form.get('name')).trim();
    const expires = String(form.get('expiresAt') ?? '');
    setError(null);
    const result = await create({ input: { name, expiresAt: expires ? new Date(`${expires}T23:59:59`).toISOString() : null } });
    if (result.error || !result.data) {
      setError(result.error ? messageOf(result.error) : 'No answer from the server');
      return;
    }
    formElement.reset();
    onCreated(result.data.createAccessToken.token, result.data.createAccessToken.accessToken.name);
  }

  return (
    <Paper component="form" withBorder p="md" onSubmit={submit} aria-label="New personal access token">
      <SimpleGrid cols={{ base: 1, sm: 2 }} spacing="sm">
        <TextInput label="Token name" name="name" required maxLength={100} placeholder="grafana dashboard" />
        <TextInput label="Expires on" description="Optional: never when empty" name="expiresAt" type="date" min={new Date().toISOString().slice(0, 10)} />
      </SimpleGrid>
      <Group mt="md">
        <Button type="submit" loading={fetching} aria-busy={fetching}>
          Create token
        </Button>
      </Group>
      <InlineError>{error}</InlineError>
    </Paper>
  );
}

function TokenTable({ tokens, onRevoke }: { tokens: AccessTokenData[]; onRevoke: (token: AccessTokenData) => void }) {
  if (tokens.length === 0) {
    return (
      <EmptyState title="No personal access tokens yet" />
    );
  }
  const expired = (token: AccessTokenData) => token.expiresAt !== null && new Date(token.expiresAt) < new Date();
  const never = (
    <Text span c="dimmed" inherit>
      never
    </Text>
  );
  return (
    <DataTable
      label="Personal access tokens"
      minWidth={640}
      rows={tokens}
      rowKey={(token) => token.id}
      rowProps={(token) => ({ 'data-token': token.name })}
      columns={[
        { header: 'Name', cell: (token) => <Text span fw={600} inherit>{token.name}</Text> },
        { header: 'Prefix', cell: (token) => <Code>{token.prefix}…</Code> },
        { header: 'Created', nowrap: true, cell: (token) => formatDateTime(token.createdAt) },
        { header: 'Last used', nowrap: true, cell: (token) => (token.lastUsedAt ? formatDateTime(token.lastUsedAt) : never) },
        {
          header: 'Expires',
          nowrap: true,
          cell: (token) => (
            <>
              {token.expiresAt ? formatDateTime(token.expiresAt) : never}
              {expired(token) && <StateBadge tone="off">expired</StateBadge>}
            </>
          ),
        },
        { header: 'Revoked', nowrap: true, cell: (token) => (token.revokedAt ? <StateBadge tone="bad">{formatDateTime(token.revokedAt)}</StateBadge> : <Text span c="dimmed" inherit>no</Text>) },
      ]}
      actions={(token) =>
        !token.revokedAt && (
          <Button onClick={() => onRevoke(token)} aria-label={`Revoke ${token.name}`} variant="default" color="red" size="xs">
            Revoke
          </Button>
        )
      }
    />
  );
}

function RevokeDialog({ token, onClose, onRevoked }: { token: AccessTokenData | null; onClose: () => void; onRevoked: () => void }) {
  const [{ fetching }, revoke] = useMutation(RevokeAccessTokenMutation);
  return (
    <ConfirmActionDialog
      subject={token}
      action={(revoked) => revoke({ id: revoked.id })}
      busy={fetching}
      onDone={onRevoked}
      onClose={onClose}
      title="Revoke this token?"
      confirmLabel="Revoke token"
      busyLabel="Revoking…"
      danger
    >
      <Text size="sm">
        Clients that use “{token?.name}” (<Code>{token?.prefix}…</Code>) stop being signed in at once. This cannot be undone.
      </Text>
    </ConfirmActionDialog>
  );
}
