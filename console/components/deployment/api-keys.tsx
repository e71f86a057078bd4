'use client';

import { Alert, Button, Code, Group, Paper, Table, Text, TextInput, VisuallyHidden } from '@mantine/core';
import { useMemo, useState, type FormEvent } from 'react';
import { useMutation, useQuery } from 'urql';
import { messageOf } from '../../lib/errors';
import { formatDateTime } from '../../lib/format';
import { graphql, type ResultOf } from '../../lib/graphql';
import { useIsBrowser } from '../../lib/use-is-browser';
import { CopyButton } from '../docs/copy-button';
import { Loading } from '../app-shell';
import { ConfirmDialog } from '../confirm-dialog';
import { EmptyState } from '../empty-state';
import { ErrorMessage, InlineError } from '../error-message';
import { StateBadge } from '../status-badges';

const ApiKeysQuery = graphql(`
  query DeploymentApiKeys($id: ID!) {
    deployment(id: $id) {
      id
      slug
      access
      apiKeys {
        id
        name
        prefix
        createdAt
        lastUsedAt
        revokedAt
      }
    }
  }
`);

const CreateApiKeyMutation = graphql(`
  mutation CreateApiKey($deploymentId: ID!, $name: String!) {
    createApiKey(deploymentId: $deploymentId, name: $name) {
      key
      apiKey {
        id
        name
        prefix
        createdAt
        lastUsedAt
        revokedAt
      }
    }
  }
`);

const RevokeApiKeyMutation = graphql(`
  mutation RevokeApiKey($id: ID!) {
    revokeApiKey(id: $id) {
      id
      revokedAt
    }
  }
`);

type ApiKey = ResultOf<typeof ApiKeysQuery>['deployment']['apiKeys'][number];
type CreatedKey = ResultOf<typeof CreateApiKeyMutation>['createApiKey'];


export function ApiKeysSection({ deploymentId }: { deploymentId: string }) {
  const browser = useIsBrowser();
  // An empty list names no ApiKey, so say which type a mutation must touch to refresh it.
  const context = useMemo(() => ({ additionalTypenames: ['ApiKey'] }), []);
  const [{ data, error }, refetch] = useQuery({ query: ApiKeysQuery, variables: { id: deploymentId }, pause: !browser, context });
  const [created, setCreated] = useState<CreatedKey | null>(null);
  const [revoking, setRevoking] = useState<ApiKey | null>(null);

  if (error && !data) return <ErrorMessage message={messageOf(error)} onRetry={() => refetch({ requestPolicy: 'network-only' })} />;
  if (!data) return <Loading what="API keys" />;

  const deployment = data.deployment;
  const keys = [...deployment.apiKeys].sort((a, b) => Number(a.revokedAt !== null) - Number(b.revokedAt !== null) || b.createdAt.localeCompare(a.createdAt));
  return (
    <div>
      <Text size="sm" c="dimmed" mb="sm">
        Applications send a key in the <Code>X-API-Key</Code> header (or <Code>Authorization: Bearer</Code>) to <Code>/api/v1/deployments/{deployment.slug}/predict</Code>.{' '}
        {deployment.access === 'public'
          ? 'This deployment is public: it answers without a key too.'
          : deployment.access === 'instance'
            ? 'This deployment answers signed-in users of this instance, their tokens, and its keys.'
            : "This deployment answers the project's collaborators and its keys."}
      </Text>

      {created ? <NewKey created={created} onDone={() => setCreated(null)} /> : <CreateKeyForm deploymentId={deploymentId} onCreated={setCreated} />}

      {keys.length === 0 ? (
        <EmptyState title="No API keys yet">Create one for each application that calls this deployment, so you can revoke one without the others.</EmptyState>
      ) : (
        <Table.ScrollContainer minWidth={560} type="native">
          <Table verticalSpacing={6} fz="sm" withTableBorder captionSide="bottom">
            <Table.Caption>
              {keys.filter((k) => !k.revokedAt).length} active of {keys.length}
            </Table.Caption>
            <Table.Thead>
              <Table.Tr>
                <Table.Th scope="col">Name</Table.Th>
                <Table.Th scope="col">Key</Table.Th>
                <Table.Th scope="col">Created</Table.Th>
                <Table.Th scope="col">Last used</Table.Th>
                <Table.Th scope="col">Status</Table.Th>
                <Table.Th scope="col">
                  <VisuallyHidden>Actions</VisuallyHidden>
                </Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {keys.map((key) => (
                <KeyRow key={key.id} apiKey={key} highlighted={key.id === created?.apiKey.id} onRevoke={setRevoking} />
              ))}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
      )}
      <RevokeDialog apiKey={revoking} onClose={() => setRevoking(null)} />
    </div>
  );
}

function CreateKeyForm({ deploymentId, onCreated }: { deploymentId: string; onCreated: (created: CreatedKey) => void }) {
  const [{ fetching }, create] = useMutation(CreateApiKeyMutation);
  const [error, setError] = useState<string | null>(null);

  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const formElement = event.currentTarget;
    const name = String(new FormData(formElement).get('name') ?? '').trim();
    setError(null);
    const result = await create({ deploymentId, name });
    if (result.error) setError(messageOf(result.error));
    else if (result.data) {
      formElement.reset();
      onCreated(result.data.createApiKey);
    }
  }

  return (
    <form onSubmit={submit} style={{ marginBottom: 'var(--mantine-spacing-md)' }}>
      <Group align="flex-end" gap="sm" wrap="wrap">
        <TextInput label="New key name" name="name" required maxLength={100} placeholder="e.g. billing service" autoComplete="off" style={{ flex: '1 1 14rem' }} />
        <Button type="submit" loading={fetching} aria-busy={fetching}>
          Create key
        </Button>
      </Group>
      <InlineError>{error}</InlineError>
    </form>
  );
}

/** The secret, this once. */
function NewKey({ created, onDone }: { created: CreatedKey; onDone: () => void }) {
  return (
    <Alert color="yellow" variant="light" role="alert" title={`Key “${created.apiKey.name}” created`} mb="md">
      <Text size="sm">Copy it now and keep it somewhere safe: it is shown only this once. Berth stores only a hash and cannot show it again.</Text>
      <Group gap="xs" mt="sm" wrap="nowrap">
        <TextInput
          readOnly
          value={created.key}
          aria-label="The new API key"
          onFocus={(event) => event.currentTarget.select()}
          spellCheck={false}
          style={{ flex: 1, minWidth: 0 }}
          styles={{ input: { fontFamily: 'var(--mantine-font-family-monospace)' } }}
        />
        <CopyButton text={created.key} label="Copy key" />
      </Group>
      <Button variant="default" size="xs" mt="sm" onClick={onDone}>
        I have copied it
      </Button>
    </Alert>
  );
}

function KeyRow({ apiKey, highlighted, onRevoke }: { apiKey: ApiKey; highlighted: boolean; onRevoke: (key: ApiKey) => void }) {
  const revoked = apiKey.revokedAt !== null;
  return (
    <Table.Tr bg={highlighted ? 'var(--mantine-color-yellow-light)' : undefined} c={revoked ? 'dimmed' : undefined}>
      <Table.Th scope="row" fw={500}>
        {apiKey.name}
      </Table.Th>
      <Table.Td>
        <Code>{apiKey.prefix}…</Code>
      </Table.Td>
      <Table.Td>
        <time dateTime={apiKey.createdAt}>{formatDateTime(apiKey.createdAt)}</time>
      </Table.Td>
      <Table.Td>
        {apiKey.lastUsedAt ? (
          <time dateTime={apiKey.lastUsedAt}>{formatDateTime(apiKey.lastUsedAt)}</time>
        ) : (
          <Text span c="dimmed" inherit>
            never
          </Text>
        )}
      </Table.Td>
      <Table.Td>
        {revoked ? (
          <StateBadge tone="off" title={formatDateTime(apiKey.revokedAt!)}>
            revoked <time dateTime={apiKey.revokedAt!}>{formatDateTime(apiKey.revokedAt!)}</time>
          </StateBadge>
        ) : (
          <StateBadge tone="ok">active</StateBadge>
        )}
      </Table.Td>
      <Table.Td>
        {!revoked && (
          <Button variant="default" size="xs" color="red" onClick={() => onRevoke(apiKey)} aria-label={`Revoke ${apiKey.name}`}>
            Revoke…
          </Button>
        )}
      </Table.Td>
    </Table.Tr>
  );
}

/** Revoking asks first: applications that use the key stop working at once. */
function RevokeDialog({ apiKey, onClose }: { apiKey: ApiKey | null; onClose: () => void }) {
  const [{ fetching }, revoke] = useMutation(RevokeApiKeyMutation);
  const [error, setError] = useState<string | null>(null);

  async function confirm() {
    if (!apiKey) return;
    setError(null);
    const result = await revoke({ id: apiKey.id });
    if (result.error) setError(messageOf(result.error));
    else onClose();
  }

  return (
    <ConfirmDialog
      open={apiKey !== null}
      title={`Revoke ${apiKey?.name ?? 'this key'}?`}
      confirmLabel="Revoke key"
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
      <Text size="sm">Applications using it stop working at once. This cannot be undone: create a new key to let them in again.</Text>
    </ConfirmDialog>
  );
}
