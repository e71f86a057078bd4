'use client';

import { useState, type FormEvent } from 'react';
import { useMutation, useQuery } from 'urql';
import { AppShell, Breadcrumbs, Loading } from '../../../components/app-shell';
import { ErrorMessage } from '../../../components/error-message';
import { CreateUserMutation, SetUserDisabledMutation, UsersQuery, type UserData } from '../../../lib/account-operations';
import { messageOf } from '../../../lib/errors';
import { formatDate } from '../../../lib/format';
import { MeQuery } from '../../../lib/operations';

export default function UsersPage() {
  return (
    <AppShell>
      <main className="page wide">
        <Breadcrumbs items={[{ label: 'Projects', href: '/' }, { label: 'Users' }]} />
        <h1>Users</h1>
        <UsersView />
      </main>
    </AppShell>
  );
}

function UsersView() {
  const [{ data: meData }] = useQuery({ query: MeQuery });
  const me = meData?.me;
  if (!me) return <Loading what="your account" />;
  if (me.role !== 'admin') {
    return <ErrorMessage message="Only instance admins manage users." />;
  }
  return <UsersAdmin myId={me.id} />;
}

function UsersAdmin({ myId }: { myId: string }) {
  const [{ data, fetching, error }, refetch] = useQuery({ query: UsersQuery, requestPolicy: 'cache-and-network' });
  const reload = () => refetch({ requestPolicy: 'network-only' });
  return (
    <>
      <section aria-labelledby="new-user-title">
        <h2 id="new-user-title">New user</h2>
        <CreateUserForm onCreated={reload} />
      </section>
      <section aria-labelledby="users-title">
        <h2 id="users-title">All users</h2>
        {error && !data ? (
          <ErrorMessage message={messageOf(error)} onRetry={reload} />
        ) : !data ? (
          fetching && <Loading what="users" />
        ) : data.users.length === 0 ? (
          <div className="card empty">
            <p>No users</p>
          </div>
        ) : (
          <UsersTable users={data.users} myId={myId} onChanged={reload} />
        )}
      </section>
    </>
  );
}

function CreateUserForm({ onCreated }: { onCreated: () => void }) {
  const [{ fetching }, create] = useMutation(CreateUserMutation);
  const [error, setError] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(null);

  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const formElement = event.currentTarget;
    const form = new FormData(formElement);
    setError(null);
    setNotice(null);
    const result = await create({
      input: {
        email: String(form.get('email')).trim(),
        name: String(form.get('name')).trim(),
        password: String(form.get('password')),
        role: form.get('role') === 'admin' ? 'admin' : 'member',
      },
    });
    if (result.error || !result.data) {
      setError(result.error ? messageOf(result.error) : 'No answer from the server');
      return;
    }
    formElement.reset();
    setNotice(`Created ${result.data.createUser.email}`);
    onCreated();
  }

  return (
    <form className="card form-grid" onSubmit={submit} aria-label="New user">
      <div className="two-columns">
        <label>
          Email
          <input name="email" type="email" required autoComplete="off" />
        </label>
        <label>
          Name
          <input name="name" required maxLength={100} autoComplete="off" />
        </label>
        <label>
          <span>
            Password <span className="muted">(at least 10 characters)</span>
          </span>
          <input name="password" type="password" required minLength={10} autoComplete="new-password" />
        </label>
        <label>
          Instance role
          <select name="role" defaultValue="member">
            <option value="member">Member</option>
            <option value="admin">Admin</option>
          </select>
        </label>
      </div>
      <div className="actions">
        <button type="submit" disabled={fetching} aria-busy={fetching}>
          {fetching ? 'Creating…' : 'Create user'}
        </button>
      </div>
      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
      {notice && (
        <p className="notice" role="status">
          {notice}
        </p>
      )}
    </form>
  );
}

function UsersTable({ users, myId, onChanged }: { users: UserData[]; myId: string; onChanged: () => void }) {
  const [{ fetching }, setDisabled] = useMutation(SetUserDisabledMutation);
  const [error, setError] = useState<string | null>(null);
  const [busyId, setBusyId] = useState<string | null>(null);

  async function toggle(user: UserData) {
    setError(null);
    setBusyId(user.id);
    const result = await setDisabled({ id: user.id, disabled: !user.disabled });
    setBusyId(null);
    if (result.error) setError(messageOf(result.error));
    else onChanged();
  }

  return (
    <>
      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
      <div className="table-scroll">
        <table aria-label="Users">
          <thead>
            <tr>
              <th scope="col">Email</th>
              <th scope="col">Name</th>
              <th scope="col">Role</th>
              <th scope="col">Status</th>
              <th scope="col">Created</th>
              <th scope="col">
                <span className="visually-hidden">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {users.map((user) => (
              <tr key={user.id} data-user={user.email}>
                <td className="strong">{user.email}</td>
                <td>{user.name}</td>
                <td>{user.role === 'admin' ? 'Admin' : 'Member'}</td>
                <td>{user.disabled ? <span className="state bad">disabled</span> : <span className="state ok">active</span>}</td>
                <td className="nowrap">{formatDate(user.createdAt)}</td>
                <td>
                  {user.id === myId ? (
                    <span className="muted small">you</span>
                  ) : (
                    <button type="button" className="secondary" disabled={fetching && busyId === user.id} aria-busy={fetching && busyId === user.id} onClick={() => toggle(user)}>
                      {user.disabled ? `Re-enable` : `Disable`}
                      <span className="visually-hidden"> {user.email}</span>
                    </button>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </>
  );
}
