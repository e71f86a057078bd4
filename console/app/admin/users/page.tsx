'use client';

import { Button, Group, NativeSelect, Paper, SimpleGrid, Stack, Text, TextInput, Title, VisuallyHidden } from '@mantine/core';
import { PasswordField } from '../../../components/ui/password-field';
import { useState, type FormEvent } from 'react';
import { useMutation, useQuery } from 'urql';
import { AppShell, Breadcrumbs, Loading, Page } from '../../../components/app-shell';
import { EmptyState } from '../../../components/empty-state';
import { ErrorMessage, InlineError } from '../../../components/error-message';
import { StateBadge } from '../../../components/status-badges';
import { ConfirmDialog } from '../../../components/confirm-dialog';
import { SecretOnce } from '../../../components/ui/secret-once';
import { CreateUserMutation, ResetUserPasswordMutation, SetUserDisabledMutation, UsersQuery, type UserData } from '../../../lib/operations/account';
import { messageOf } from '../../../lib/errors';
import { formatDate } from '../../../lib/format';
import { DataTable } from '../../../components/ui/data-table';
import { MeQuery } from '../../../lib/operations/session';

export default function UsersPage() {
  return (
    <AppShell>
      <Page width="wide">
        <Breadcrumbs items={[{ label: 'Projects', href: '/' }, { label: 'Users' }]} />
        <Title order={1} mb="md">
          Users
        </Title>
        <UsersView />
      </Page>
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
    <Stack gap="xl">
      <section aria-labelledby="new-user-title">
        <Title order={2} size="h3" id="new-user-title" mb="sm">
          New user
        </Title>
        <CreateUserForm onCreated={reload} />
      </section>
      <section aria-labelledby="users-title">
        <Title order={2} size="h3" id="users-title" mb="sm">
          All users
        </Title>
        {error && !data ? (
          <ErrorMessage message={messageOf(error)} onRetry={reload} />
        ) : !data ? (
          fetching && <Loading what="users" />
        ) : data.users.length === 0 ? (
          <EmptyState title="No users" />
        ) : (
          <UsersTable users={data.users} myId={myId} onChanged={reload} />
        )}
      </section>
    </Stack>
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
    <Paper component="form" withBorder p="md" onSubmit={submit} aria-label="New user">
      <SimpleGrid cols={{ base: 1, sm: 2 }} spacing="sm">
        <TextInput label="Email" name="email" type="email" required autoComplete="off" />
        <TextInput label="Name" name="name" required maxLength={100} autoComplete="off" />
        <TextInput label="Password" description="At least 10 characters" name="password" type="password" required minLength={10} autoComplete="new-password" />
        <NativeSelect label="Instance role" name="role" defaultValue="member" data={[{ value: 'member', label: 'Member' }, { value: 'admin', label: 'Admin' }]} />
      </SimpleGrid>
      <Group mt="md">
        <Button type="submit" loading={fetching} aria-busy={fetching}>
          Create user
        </Button>
      </Group>
      <InlineError>{error}</InlineError>
      {notice && (
        <Text size="sm" c="teal" role="status" mt="xs">
          {notice}
        </Text>
      )}
    </Paper>
  );
}

function UsersTable({ users, myId, onChanged }: { users: UserData[]; myId: string; onChanged: () => void }) {
  const [{ fetching }, setDisabled] = useMutation(SetUserDisabledMutation);
  const [error, setError] = useState<string | null>(null);
  const [busyId, setBusyId] = useState<string | null>(null);
  const [resetting, setResetting] = useState<UserData | null>(null);
  const [reset, setReset] = useState<{ email: string; password: string | null } | null>(null);

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
        <Text size="sm" c="red" role="alert">
          {error}
        </Text>
      )}
      {reset &&
        (reset.password ? (
          <SecretOnce
            title="New password"
            secret={reset.password}
            fieldLabel={`The new password of ${reset.email}`}
            copyLabel="Copy password"
            dismissLabel="Done"
            onDismiss={() => setReset(null)}
            testId="reset-password"
          >
            Give this password to {reset.email} over a channel you trust: it is shown only this once. They must choose their own when they sign in.
          </SecretOnce>
        ) : (
          <Text size="sm" c="teal.9" role="status" mb="sm">
            Password of {reset.email} reset: they must choose their own when they sign in.
          </Text>
        ))}
      <DataTable
        label="Users"
        minWidth={640}
        rows={users}
        rowKey={(user) => user.id}
        rowProps={(user) => ({ 'data-user': user.email })}
        columns={[
          { header: 'Email', cell: (user) => <Text span fw={600} inherit>{user.email}</Text> },
          { header: 'Name', cell: (user) => user.name },
          { header: 'Role', cell: (user) => (user.role === 'admin' ? 'Admin' : 'Member') },
          { header: 'Status', cell: (user) => (user.disabled ? <StateBadge tone="bad">disabled</StateBadge> : <StateBadge tone="ok">active</StateBadge>) },
          { header: 'Created', nowrap: true, cell: (user) => formatDate(user.createdAt) },
        ]}
        actions={(user) =>
          user.id === myId ? (
            <Text span size="sm" c="dimmed">you</Text>
          ) : (
            <Group gap="xs" wrap="nowrap">
              <Button size="xs" onClick={() => setResetting(user)} variant="default">
                Reset password…
                <VisuallyHidden> of {user.email}</VisuallyHidden>
              </Button>
              <Button size="xs" disabled={fetching && busyId === user.id} aria-busy={fetching && busyId === user.id} onClick={() => toggle(user)} variant="default">
                {user.disabled ? `Re-enable` : `Disable`}
                <VisuallyHidden> {user.email}</VisuallyHidden>
              </Button>
            </Group>
          )
        }
      />
      <ResetPasswordDialog
        user={resetting}
        onClose={() => setResetting(null)}
        onReset={(email, password) => {
          setResetting(null);
          setReset({ email, password });
          onChanged();
        }}
      />
    </>
  );
}

/**
 * An admin sets someone's password: one they type, or one Berth generates and shows once. The
 * user's sessions end, and they must choose their own password at their next sign-in.
 */
function ResetPasswordDialog({ user, onClose, onReset }: { user: UserData | null; onClose: () => void; onReset: (email: string, password: string | null) => void }) {
  const [{ fetching }, resetPassword] = useMutation(ResetUserPasswordMutation);
  const [password, setPassword] = useState('');
  const [error, setError] = useState<string | null>(null);

  const close = () => {
    setPassword('');
    setError(null);
    onClose();
  };

  async function confirm() {
    if (!user) return;
    setError(null);
    const result = await resetPassword({ id: user.id, newPassword: password === '' ? null : password });
    if (result.error || !result.data) {
      setError(result.error ? messageOf(result.error).replace(/^newPassword: /, 'New password: ') : 'No answer from the server');
      return;
    }
    setPassword('');
    onReset(user.email, result.data.resetUserPassword.generatedPassword ?? null);
  }

  return (
    <ConfirmDialog
      open={user !== null}
      title={`Reset the password of ${user?.email ?? 'this user'}?`}
      confirmLabel="Reset password"
      busyLabel="Resetting…"
      busy={fetching}
      error={error}
      onConfirm={confirm}
      onCancel={close}
    >
      <Stack gap="sm">
        <Text size="sm">Their sessions end now, and they must choose their own password when they next sign in.</Text>
        <PasswordField
          label="New password"
          description="Leave empty to have Berth generate a strong one, shown to you once"
          value={password}
          onChange={(event) => setPassword(event.currentTarget.value)}
          autoComplete="new-password"
        />
      </Stack>
    </ConfirmDialog>
  );
}
