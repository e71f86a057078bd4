'use client';

import { Button, Group, NativeSelect, Paper, Text, TextInput } from '@mantine/core';
import { useState, type FormEvent } from 'react';
import { useMutation, useQuery } from 'urql';
import {
  AddCollaboratorMutation,
  ChangeCollaboratorRoleMutation,
  CollaboratorsQuery,
  RemoveCollaboratorMutation,
  type CollaboratorData,
  type ProjectRoleName,
} from '../../lib/operations/account';
import { messageOf } from '../../lib/errors';
import { formatDate } from '../../lib/format';
import { DataTable } from '../ui/data-table';
import { Loading } from '../app-shell';
import { ConfirmActionDialog } from '../confirm-dialog';
import { EmptyState } from '../empty-state';
import { ErrorMessage, InlineError } from '../error-message';

const ROLES: Array<{ value: ProjectRoleName; label: string }> = [
  { value: 'viewer', label: 'Viewer' },
  { value: 'contributor', label: 'Contributor' },
  { value: 'admin', label: 'Admin' },
];

const roleOf = (value: FormDataEntryValue | string | null): ProjectRoleName => ROLES.find((role) => role.value === value)?.value ?? 'viewer';

/** Who works on a project and with which role; project admins add, change and remove them. */
export function Collaborators({ projectId }: { projectId: string }) {
  const [{ data, fetching, error }, refetch] = useQuery({ query: CollaboratorsQuery, variables: { id: projectId }, requestPolicy: 'cache-and-network' });
  const [removing, setRemoving] = useState<CollaboratorData | null>(null);
  const reload = () => refetch({ requestPolicy: 'network-only' });

  if (error && !data) return <ErrorMessage message={messageOf(error)} onRetry={reload} />;
  if (!data) return fetching ? <Loading what="collaborators" /> : null;

  const canManage = data.project.myRole === 'admin';
  const collaborators = data.project.collaborators;
  return (
    <>
      {canManage && <AddCollaboratorForm projectId={projectId} onAdded={reload} />}
      {collaborators.length === 0 ? (
        <EmptyState title="No collaborators yet" />
      ) : (
        <CollaboratorsTable projectId={projectId} collaborators={collaborators} myId={data.me?.id ?? null} canManage={canManage} onChanged={reload} onRemove={setRemoving} />
      )}
      <RemoveDialog
        projectId={projectId}
        collaborator={removing}
        onClose={() => setRemoving(null)}
        onRemoved={() => {
          setRemoving(null);
          reload();
        }}
      />
    </>
  );
}

function AddCollaboratorForm({ projectId, onAdded }: { projectId: string; onAdded: () => void }) {
  const [{ fetching }, add] = useMutation(AddCollaboratorMutation);
  const [error, setError] = useState<string | null>(null);

  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const formElement = event.currentTarget;
    const form = new FormData(formElement);
    setError(null);
    const result = await add({ projectId, email: String(form.get('email')).trim(), role: roleOf(form.get('role')) });
    if (result.error) {
      setError(messageOf(result.error));
      return;
    }
    formElement.reset();
    onAdded();
  }

  return (
    <Paper component="form" withBorder p="md" mb="md" onSubmit={submit} aria-label="Add a collaborator">
      <Group align="flex-end" gap="sm" wrap="wrap">
        <TextInput label="Collaborator email" name="email" type="email" required autoComplete="off" placeholder="someone@example.com" style={{ flex: '1 1 16rem' }} />
        <NativeSelect label="Project role" name="role" defaultValue="viewer" data={ROLES} style={{ flex: '0 1 10rem' }} />
        <Button type="submit" loading={fetching} aria-busy={fetching}>
          Add collaborator
        </Button>
      </Group>
      <InlineError>{error}</InlineError>
    </Paper>
  );
}

function CollaboratorsTable(props: {
  projectId: string;
  collaborators: CollaboratorData[];
  myId: string | null;
  canManage: boolean;
  onChanged: () => void;
  onRemove: (collaborator: CollaboratorData) => void;
}) {
  const { projectId, collaborators, myId, canManage, onChanged, onRemove } = props;
  const [{ fetching }, change] = useMutation(ChangeCollaboratorRoleMutation);
  const [error, setError] = useState<string | null>(null);

  async function changeRole(collaborator: CollaboratorData, role: ProjectRoleName) {
    setError(null);
    const result = await change({ projectId, userId: collaborator.user.id, role });
    if (result.error) setError(messageOf(result.error));
    onChanged();
  }

  return (
    <>
      <InlineError mt={0}>{error}</InlineError>
      <DataTable
        label="Collaborators"
        rows={collaborators}
        rowKey={(collaborator) => collaborator.user.id}
        rowProps={(collaborator) => ({ 'data-collaborator': collaborator.user.email })}
        columns={[
          {
            header: 'Name',
            cell: (collaborator) => (
              <Text span fw={600} inherit>
                {collaborator.user.name || collaborator.user.email}
                {collaborator.user.id === myId && (
                  <Text span size="sm" c="dimmed" fw={400}>
                    {' '}
                    (you)
                  </Text>
                )}
              </Text>
            ),
          },
          { header: 'Email', cell: (collaborator) => collaborator.user.email },
          {
            header: 'Role',
            cell: (collaborator) =>
              canManage ? (
                <NativeSelect
                  aria-label={`Role of ${collaborator.user.email}`}
                  value={collaborator.role}
                  disabled={fetching}
                  size="xs"
                  w={140}
                  data={ROLES}
                  onChange={(event) => changeRole(collaborator, roleOf(event.currentTarget.value))}
                />
              ) : (
                ROLES.find((role) => role.value === collaborator.role)?.label
              ),
          },
          { header: 'Since', nowrap: true, cell: (collaborator) => formatDate(collaborator.createdAt) },
        ]}
        actions={
          canManage
            ? (collaborator) => (
                <Button variant="default" size="xs" onClick={() => onRemove(collaborator)} aria-label={`Remove ${collaborator.user.email}`}>
                  Remove
                </Button>
              )
            : undefined
        }
      />
    </>
  );
}

function RemoveDialog({ projectId, collaborator, onClose, onRemoved }: { projectId: string; collaborator: CollaboratorData | null; onClose: () => void; onRemoved: () => void }) {
  const [{ fetching }, remove] = useMutation(RemoveCollaboratorMutation);
  return (
    <ConfirmActionDialog
      subject={collaborator}
      action={(removed) => remove({ projectId, userId: removed.user.id })}
      busy={fetching}
      onDone={onRemoved}
      onClose={onClose}
      title="Remove this collaborator?"
      confirmLabel="Remove collaborator"
      busyLabel="Removing…"
      danger
    >
      <Text size="sm">{collaborator?.user.email} loses access to this project (instance admins keep theirs).</Text>
    </ConfirmActionDialog>
  );
}
