'use client';

import { Button, Code, Group, Text, TextInput } from '@mantine/core';
import { useMemo, useState, type FormEvent } from 'react';
import { useMutation, useQuery } from 'urql';
import { messageOf } from '../../lib/errors';
import { formatDateTime } from '../../lib/format';
import { ApiKeysQuery, CreateApiKeyMutation, RevokeApiKeyMutation, type ApiKeyData as ApiKey, type CreatedKeyData as CreatedKey } from '../../lib/operations/api-keys';
import { useIsBrowser } from '../../lib/use-is-browser';
import { DataTable, type Column } from '../ui/data-table';
import { SecretOnce } from '../ui/secret-once';
import { Loading } from '../app-shell';
import { ConfirmActionDialog } from '../confirm-dialog';
import { EmptyState } from '../empty-state';
import { ErrorMessage, InlineError } from '../error-message';
import { StateBadge } from '../status-badges';

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

      {created ? (
        <SecretOnce title={`Key “${created.apiKey.name}” created`} secret={created.key} fieldLabel="The new API key" copyLabel="Copy key" dismissLabel="I have copied it" onDismiss={() => setCreated(null)} />
      ) : <CreateKeyForm deploymentId={deploymentId} onCreated={setCreated} />}

      {keys.length === 0 ? (
        <EmptyState title="No API keys yet">Create one for each application that calls this deployment, so you can revoke one without the others.</EmptyState>
      ) : (
        <DataTable
          caption={`${keys.filter((k) => !k.revokedAt).length} active of ${keys.length}`}
          rows={keys}
          rowKey={(key) => key.id}
          rowProps={(key) => ({ bg: key.id === created?.apiKey.id ? 'var(--mantine-color-yellow-light)' : undefined, c: key.revokedAt !== null ? 'dimmed' : undefined })}
          columns={KEY_COLUMNS}
          actions={(key) =>
            key.revokedAt === null && (
              <Button variant="default" size="xs" color="red" onClick={() => setRevoking(key)} aria-label={`Revoke ${key.name}`}>
                Revoke…
              </Button>
            )
          }
        />
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

const KEY_COLUMNS: Array<Column<ApiKey>> = [
  { header: 'Name', rowHeader: true, cell: (key) => key.name },
  { header: 'Key', cell: (key) => <Code>{key.prefix}…</Code> },
  { header: 'Created', cell: (key) => <time dateTime={key.createdAt}>{formatDateTime(key.createdAt)}</time> },
  {
    header: 'Last used',
    cell: (key) =>
      key.lastUsedAt ? (
        <time dateTime={key.lastUsedAt}>{formatDateTime(key.lastUsedAt)}</time>
      ) : (
        <Text span c="dimmed" inherit>
          never
        </Text>
      ),
  },
  {
    header: 'Status',
    cell: (key) =>
      key.revokedAt !== null ? (
        <StateBadge tone="off" title={formatDateTime(key.revokedAt)}>
          revoked <time dateTime={key.revokedAt}>{formatDateTime(key.revokedAt)}</time>
        </StateBadge>
      ) : (
        <StateBadge tone="ok">active</StateBadge>
      ),
  },
];

/** Revoking asks first: applications that use the key stop working at once. */
function RevokeDialog({ apiKey, onClose }: { apiKey: ApiKey | null; onClose: () => void }) {
  const [{ fetching }, revoke] = useMutation(RevokeApiKeyMutation);
  return (
    <ConfirmActionDialog
      subject={apiKey}
      action={(key) => revoke({ id: key.id })}
      busy={fetching}
      onDone={onClose}
      onClose={onClose}
      title={`Revoke ${apiKey?.name ?? 'this key'}?`}
      confirmLabel="Revoke key"
      busyLabel="Revoking…"
      danger
    >
      <Text size="sm">Applications using it stop working at once. This cannot be undone: create a new key to let them in again.</Text>
    </ConfirmActionDialog>
  );
}
