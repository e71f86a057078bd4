'use client';

import { useState, type FormEvent } from 'react';
import { useMutation, useQuery } from 'urql';
import {
  AddCollaboratorMutation,
  ChangeCollaboratorRoleMutation,
  CollaboratorsQuery,
  RemoveCollaboratorMutation,
  type CollaboratorData,
  type ProjectRoleName,
} from '../../lib/account-operations';
import { messageOf } from '../../lib/errors';
import { formatDate } from '../../lib/format';
import { Loading } from '../app-shell';
import { ConfirmDialog } from '../confirm-dialog';
import { ErrorMessage } from '../error-message';

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
        <div className="card empty">
          <p>No collaborators yet</p>
        </div>
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
    <form className="card toolbar" onSubmit={submit} aria-label="Add a collaborator">
      <label>
        Collaborator email
        <input name="email" type="email" required autoComplete="off" placeholder="someone@example.com" />
      </label>
      <label>
        Project role
        <select name="role" defaultValue="viewer">
          {ROLES.map((role) => (
            <option key={role.value} value={role.value}>
              {role.label}
            </option>
          ))}
        </select>
      </label>
      <button type="submit" disabled={fetching} aria-busy={fetching}>
        {fetching ? 'Adding…' : 'Add collaborator'}
      </button>
      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
    </form>
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
      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
      <div className="table-scroll">
        <table aria-label="Collaborators">
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Email</th>
              <th scope="col">Role</th>
              <th scope="col">Since</th>
              {canManage && (
                <th scope="col">
                  <span className="visually-hidden">Actions</span>
                </th>
              )}
            </tr>
          </thead>
          <tbody>
            {collaborators.map((collaborator) => (
              <tr key={collaborator.user.id} data-collaborator={collaborator.user.email}>
                <td className="strong">
                  {collaborator.user.name || collaborator.user.email}
                  {collaborator.user.id === myId && <span className="muted small"> (you)</span>}
                </td>
                <td>{collaborator.user.email}</td>
                <td>
                  {canManage ? (
                    <select
                      aria-label={`Role of ${collaborator.user.email}`}
                      value={collaborator.role}
                      disabled={fetching}
                      onChange={(event) => changeRole(collaborator, roleOf(event.target.value))}
                    >
                      {ROLES.map((role) => (
                        <option key={role.value} value={role.value}>
                          {role.label}
                        </option>
                      ))}
                    </select>
                  ) : (
                    ROLES.find((role) => role.value === collaborator.role)?.label
                  )}
                </td>
                <td className="nowrap">{formatDate(collaborator.createdAt)}</td>
                {canManage && (
                  <td>
                    <button type="button" className="secondary" onClick={() => onRemove(collaborator)} aria-label={`Remove ${collaborator.user.email}`}>
                      Remove
                    </button>
                  </td>
                )}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </>
  );
}

function RemoveDialog({ projectId, collaborator, onClose, onRemoved }: { projectId: string; collaborator: CollaboratorData | null; onClose: () => void; onRemoved: () => void }) {
  const [{ fetching }, remove] = useMutation(RemoveCollaboratorMutation);
  const [error, setError] = useState<string | null>(null);

  async function confirm() {
    if (!collaborator) return;
    setError(null);
    const result = await remove({ projectId, userId: collaborator.user.id });
    if (result.error) setError(messageOf(result.error));
    else onRemoved();
  }

  return (
    <ConfirmDialog
      open={collaborator !== null}
      title="Remove this collaborator?"
      confirmLabel="Remove collaborator"
      busyLabel="Removing…"
      danger
      busy={fetching}
      error={error}
      onConfirm={confirm}
      onCancel={() => {
        setError(null);
        onClose();
      }}
    >
      <p>{collaborator?.user.email} loses access to this project (instance admins keep theirs).</p>
    </ConfirmDialog>
  );
}
