'use client';

import { Alert, Button, Checkbox, Code, Group, List, NativeSelect, NumberInput, Paper, SimpleGrid, Text, TextInput, Title } from '@mantine/core';
import { useMemo, useState, type FormEvent } from 'react';
import { useMutation, useQuery } from 'urql';
import { fieldOf, messageOf } from '../../lib/errors';
import { formatDate } from '../../lib/format';
import { ConnectorsQuery, CreateConnectorMutation, DeleteConnectorMutation, TestConnectorMutation, UpdateConnectorMutation, type ConnectorData, type ConnectorTestData } from '../../lib/operations/connectors';
import { Loading } from '../app-shell';
import { ConfirmActionDialog } from '../confirm-dialog';
import { EmptyState } from '../empty-state';
import { ErrorMessage, InlineError } from '../error-message';
import { StateBadge } from '../status-badges';
import { DataTable } from '../ui/data-table';
import { PasswordField } from '../ui/password-field';

const TLS_MODES: Array<{ value: ConnectorData['tlsMode']; label: string }> = [
  { value: 'verify_full', label: 'TLS, certificate checked (verify-full)' },
  { value: 'require', label: 'TLS, certificate not checked (require)' },
  { value: 'disable', label: 'No TLS (only on a network you trust)' },
];

/**
 * The external PostgreSQL databases of a project, which pipelines read from (a SQL source) and
 * write to (a destination table). Contributors add, test and delete them; a password is never
 * shown again once saved.
 */
export function Connectors({ projectId, canEdit }: { projectId: string; canEdit: boolean }) {
  // An empty list names no Connector, so say which type a mutation must touch to refresh it.
  const context = useMemo(() => ({ additionalTypenames: ['Connector'] }), []);
  const [{ data, fetching, error }, refetch] = useQuery({ query: ConnectorsQuery, variables: { projectId }, requestPolicy: 'cache-and-network', context });
  const [adding, setAdding] = useState(false);
  const [editing, setEditing] = useState<ConnectorData | null>(null);
  const [deleting, setDeleting] = useState<ConnectorData | null>(null);
  const [tests, setTests] = useState<Record<string, ConnectorTestData | string>>({});
  const [testing, setTesting] = useState<string | null>(null);
  const [, test] = useMutation(TestConnectorMutation);
  const reload = () => refetch({ requestPolicy: 'network-only' });

  if (error && !data) return <ErrorMessage message={messageOf(error)} onRetry={reload} />;
  if (!data) return fetching ? <Loading what="connectors" /> : null;

  async function runTest(connector: ConnectorData) {
    setTesting(connector.id);
    const result = await test({ id: connector.id });
    setTesting(null);
    setTests((previous) => ({ ...previous, [connector.id]: result.error ? messageOf(result.error) : result.data!.testConnector }));
  }

  const connectors = data.connectors;
  return (
    <>
      <Text size="sm" c="dimmed" mb="sm">
        External PostgreSQL databases that pipelines read from (a SQL query) and deliver predictions to (a table). Never Berth&apos;s own database.
      </Text>
      {connectors.length === 0 ? (
        <EmptyState title="No connectors yet">{canEdit ? 'Add one to read a pipeline’s rows from a SQL query or write its predictions to a table.' : 'The contributors of the project can add one.'}</EmptyState>
      ) : (
        <DataTable
          label="Connectors"
          rows={connectors}
          rowKey={(connector) => connector.id}
          rowProps={(connector) => ({ 'data-connector': connector.name })}
          columns={[
            { header: 'Name', rowHeader: true, cell: (connector) => connector.name },
            {
              header: 'Address',
              cell: (connector) => (
                <Code style={{ overflowWrap: 'anywhere' }}>
                  {connector.user}@{connector.host}:{connector.port}/{connector.database}
                </Code>
              ),
            },
            { header: 'TLS', cell: (connector) => connector.tlsMode.replace('_', '-') },
            { header: 'Added', nowrap: true, cell: (connector) => formatDate(connector.createdAt) },
            { header: 'Last test', cell: (connector) => <TestOutcome outcome={tests[connector.id]} /> },
          ]}
          actions={(connector) => (
            <Group gap="xs" wrap="nowrap">
              <Button variant="default" size="xs" loading={testing === connector.id} onClick={() => runTest(connector)} aria-label={`Test ${connector.name}`}>
                Test
              </Button>
              {canEdit && (
                <Button
                  variant="default"
                  size="xs"
                  onClick={() => {
                    setAdding(false);
                    setEditing(connector);
                  }}
                  aria-label={`Edit ${connector.name}`}
                >
                  Edit
                </Button>
              )}
              {canEdit && (
                <Button variant="default" color="red" size="xs" onClick={() => setDeleting(connector)} aria-label={`Delete ${connector.name}`}>
                  Delete…
                </Button>
              )}
            </Group>
          )}
        />
      )}
      {canEdit &&
        (adding || editing ? (
          <ConnectorForm
            key={editing?.id ?? 'new'}
            projectId={projectId}
            connector={editing}
            onCancel={() => {
              setAdding(false);
              setEditing(null);
            }}
            onSaved={(connector) => {
              setAdding(false);
              setEditing(null);
              reload();
              // Tested at once: what changed may have broken (or fixed) a step.
              void runTest(connector);
            }}
          />
        ) : (
          <Group mt="sm">
            <Button variant="default" onClick={() => setAdding(true)}>
              Add a connector
            </Button>
          </Group>
        ))}
      <DeleteDialog
        connector={deleting}
        onClose={() => setDeleting(null)}
        onDeleted={() => {
          setDeleting(null);
          reload();
        }}
      />
    </>
  );
}

/** Which step of the test got through, and the server's words on the one that did not. */
function TestOutcome({ outcome }: { outcome: ConnectorTestData | string | undefined }) {
  if (outcome === undefined) return <Text span size="sm" c="dimmed">not tested yet</Text>;
  if (typeof outcome === 'string')
    return (
      <Text span size="sm" c="red" role="status">
        {outcome}
      </Text>
    );
  const steps: Array<[string, boolean]> = [
    ['reachable', outcome.reachable],
    ['signed in', outcome.authenticated],
    ['can read', outcome.canRead],
    ['can create tables', outcome.canCreateTables],
  ];
  return (
    <div role="status" data-testid="connector-test">
      {outcome.ok ? <StateBadge tone="ok">works</StateBadge> : <StateBadge tone="bad">failed</StateBadge>}
      <List size="xs" mt={4} listStyleType="none" spacing={0}>
        {steps.map(([label, passed]) => (
          <List.Item key={label}>
            {passed ? '✓' : '✗'} {label}
          </List.Item>
        ))}
      </List>
      <Text size="xs" mt={4}>
        {outcome.message}
      </Text>
    </div>
  );
}

/** Adds a connector, or edits one: an edit keeps the stored password unless a new one is typed. */
function ConnectorForm({
  projectId,
  connector,
  onSaved,
  onCancel,
}: {
  projectId: string;
  connector: ConnectorData | null;
  onSaved: (connector: ConnectorData) => void;
  onCancel: () => void;
}) {
  const [{ fetching: creating }, create] = useMutation(CreateConnectorMutation);
  const [{ fetching: updating }, update] = useMutation(UpdateConnectorMutation);
  const [error, setError] = useState<string | null>(null);
  const [fieldErrors, setFieldErrors] = useState<Record<string, string>>({});
  const [clearPassword, setClearPassword] = useState(false);
  const editing = connector !== null;
  const title = editing ? `Edit ${connector.name}` : 'New connector';

  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    const text = (name: string) => String(form.get(name) ?? '').trim();
    const port = Number(text('port') || 5432);
    const password = String(form.get('password') ?? '');
    const fields = {
      name: text('name'),
      host: text('host'),
      port,
      database: text('database'),
      user: text('user'),
      tlsMode: text('tlsMode') as ConnectorData['tlsMode'],
    };
    const result = editing
      ? await update({ input: { id: connector.id, ...fields, password: password || null, clearPassword: clearPassword && !password ? true : null } })
      : await create({ input: { projectId, ...fields, password: password || null } });
    if (result.error || !result.data) {
      const message = result.error ? messageOf(result.error) : 'No answer from the server';
      const field = result.error ? fieldOf(result.error) : null;
      if (field && ['name', 'host', 'port', 'database', 'user', 'password'].includes(field)) {
        setFieldErrors({ [field]: message.replace(new RegExp(`^${field}: `), '') });
        setError(null);
      } else {
        setFieldErrors({});
        setError(message);
      }
      return;
    }
    setError(null);
    setFieldErrors({});
    onSaved('updateConnector' in result.data ? result.data.updateConnector : result.data.createConnector);
  }

  return (
    <Paper component="form" withBorder p="md" mt="sm" onSubmit={submit} aria-labelledby="connector-form-title">
      <Title order={3} size="h4" id="connector-form-title" mb="sm">
        {title}
      </Title>
      <SimpleGrid cols={{ base: 1, sm: 2 }} spacing="sm">
        <TextInput name="name" label="Name" required placeholder="Warehouse" defaultValue={connector?.name} error={fieldErrors.name} />
        <TextInput name="host" label="Host" required placeholder="db.example.com" description="Host name or IP address, without scheme or port" defaultValue={connector?.host} error={fieldErrors.host} />
        <NumberInput name="port" label="Port" defaultValue={connector?.port ?? 5432} min={1} max={65535} allowDecimal={false} error={fieldErrors.port} />
        <TextInput name="database" label="Database" required defaultValue={connector?.database} error={fieldErrors.database} />
        <TextInput name="user" label="User" required autoComplete="off" defaultValue={connector?.user} error={fieldErrors.user} />
        <PasswordField
          name="password"
          label="Password"
          autoComplete="new-password"
          description={editing ? (connector.hasPassword ? 'Stored encrypted; leave empty to keep it' : 'None stored; leave empty for none') : 'Stored encrypted; never shown again'}
          error={fieldErrors.password}
        />
        <NativeSelect name="tlsMode" label="TLS" data={TLS_MODES} defaultValue={connector?.tlsMode ?? 'verify_full'} />
        {editing && connector.hasPassword && (
          <Checkbox label="Remove the stored password" checked={clearPassword} onChange={(event) => setClearPassword(event.currentTarget.checked)} mt="lg" />
        )}
      </SimpleGrid>
      <Group mt="md">
        <Button type="submit" loading={creating || updating}>
          {editing ? 'Save changes' : 'Add connector'}
        </Button>
        <Button variant="default" onClick={onCancel}>
          Cancel
        </Button>
      </Group>
      <InlineError>{error}</InlineError>
    </Paper>
  );
}

/** Deleting asks first; the server refuses while a pipeline uses the connector, and says which. */
function DeleteDialog({ connector, onClose, onDeleted }: { connector: ConnectorData | null; onClose: () => void; onDeleted: () => void }) {
  const [{ fetching }, remove] = useMutation(DeleteConnectorMutation);
  return (
    <ConfirmActionDialog
      subject={connector}
      action={(deleted) => remove({ id: deleted.id })}
      busy={fetching}
      onDone={onDeleted}
      onClose={onClose}
      title={`Delete ${connector?.name ?? 'the connector'}?`}
      confirmLabel="Delete connector"
      busyLabel="Deleting…"
      danger
    >
      <Alert color="gray" variant="light" p="xs">
        Pipelines can no longer read from or write to it. Its database itself is not touched.
      </Alert>
    </ConfirmActionDialog>
  );
}
