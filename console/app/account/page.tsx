'use client';

import { Alert, Button, Code, Group, Paper, SimpleGrid, Stack, Table, Text, TextInput, Title, VisuallyHidden } from '@mantine/core';
import { useState, type FormEvent } from 'react';
import { useMutation, useQuery } from 'urql';
import { AppShell, Breadcrumbs, Loading, Page } from '../../components/app-shell';
import { ConfirmDialog } from '../../components/confirm-dialog';
import { CopyButton } from '../../components/docs/copy-button';
import { EmptyState } from '../../components/empty-state';
import { ErrorMessage, InlineError } from '../../components/error-message';
import { StateBadge } from '../../components/status-badges';
import { CreateAccessTokenMutation, MyAccessTokensQuery, RevokeAccessTokenMutation, type AccessTokenData } from '../../lib/operations/account';
import { messageOf } from '../../lib/errors';
import { formatDateTime } from '../../lib/format';

export default function AccountPage() {
  return (
    <AppShell>
      <Page>
        <Breadcrumbs items={[{ label: 'Projects', href: '/' }, { label: 'Account' }]} />
        <Title order={1} mb="md">
          Account
        </Title>
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
      </Page>
    </AppShell>
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
      {created && <NewToken token={created.token} name={created.name} onDismiss={() => setCreated(null)} />}
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

function NewToken({ token, name, onDismiss }: { token: string; name: string; onDismiss: () => void }) {
  return (
    <Alert color="yellow" variant="light" role="region" title="New token">
      <Text size="sm" role="alert">
        Copy the token “{name}” now: it is shown only this once, and Berth keeps only its hash.
      </Text>
      <Group gap="xs" mt="sm" wrap="wrap">
        <Code data-testid="new-token" style={{ overflowWrap: 'anywhere', fontSize: 'var(--mantine-font-size-sm)' }} px="sm" py={6}>
          {token}
        </Code>
        <CopyButton text={token} label="Copy token" />
        <Button variant="default" size="xs" onClick={onDismiss}>
          Done
        </Button>
      </Group>
    </Alert>
  );
}

function TokenTable({ tokens, onRevoke }: { tokens: AccessTokenData[]; onRevoke: (token: AccessTokenData) => void }) {
  if (tokens.length === 0) {
    return (
      <EmptyState title="No personal access tokens yet" />
    );
  }
  const expired = (token: AccessTokenData) => token.expiresAt !== null && new Date(token.expiresAt) < new Date();
  return (
    <Table.ScrollContainer minWidth={640} type="native">
      <Table aria-label="Personal access tokens" withTableBorder verticalSpacing={6} fz="sm">
        <Table.Thead>
          <Table.Tr>
            <Table.Th scope="col">Name</Table.Th>
            <Table.Th scope="col">Prefix</Table.Th>
            <Table.Th scope="col">Created</Table.Th>
            <Table.Th scope="col">Last used</Table.Th>
            <Table.Th scope="col">Expires</Table.Th>
            <Table.Th scope="col">Revoked</Table.Th>
            <Table.Th scope="col">
              <VisuallyHidden>Actions</VisuallyHidden>
            </Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {tokens.map((token) => (
            <Table.Tr key={token.id} data-token={token.name}>
              <Table.Td fw={600}>{token.name}</Table.Td>
              <Table.Td>
                <Code>{token.prefix}…</Code>
              </Table.Td>
              <Table.Td style={{ whiteSpace: 'nowrap' }}>{formatDateTime(token.createdAt)}</Table.Td>
              <Table.Td style={{ whiteSpace: 'nowrap' }}>{token.lastUsedAt ? formatDateTime(token.lastUsedAt) : <Text span c="dimmed" inherit>never</Text>}</Table.Td>
              <Table.Td style={{ whiteSpace: 'nowrap' }}>
                {token.expiresAt ? formatDateTime(token.expiresAt) : <Text span c="dimmed" inherit>never</Text>}
                {expired(token) && <StateBadge tone="off">expired</StateBadge>}
              </Table.Td>
              <Table.Td style={{ whiteSpace: 'nowrap' }}>{token.revokedAt ? <StateBadge tone="bad">{formatDateTime(token.revokedAt)}</StateBadge> : <Text span c="dimmed" inherit>no</Text>}</Table.Td>
              <Table.Td>
                {!token.revokedAt && (
                  <Button onClick={() => onRevoke(token)} aria-label={`Revoke ${token.name}`} variant="default" color="red" size="xs">
                    Revoke
                  </Button>
                )}
              </Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
    </Table.ScrollContainer>
  );
}

function RevokeDialog({ token, onClose, onRevoked }: { token: AccessTokenData | null; onClose: () => void; onRevoked: () => void }) {
  const [{ fetching }, revoke] = useMutation(RevokeAccessTokenMutation);
  const [error, setError] = useState<string | null>(null);

  async function confirm() {
    if (!token) return;
    setError(null);
    const result = await revoke({ id: token.id });
    if (result.error) setError(messageOf(result.error));
    else onRevoked();
  }

  return (
    <ConfirmDialog
      open={token !== null}
      title="Revoke this token?"
      confirmLabel="Revoke token"
      busyLabel="Revoking…"
      danger
      busy={fetching}
      error={error}
      onConfirm={confirm}
      onCancel={() => {
        setError(null);
        onClose();
      }}
    >
      <Text size="sm">
        Clients that use “{token?.name}” (<Code>{token?.prefix}…</Code>) stop being signed in at once. This cannot be undone.
      </Text>
    </ConfirmDialog>
  );
}
