'use client';

import { useState, type FormEvent } from 'react';
import { useMutation, useQuery } from 'urql';
import { AppShell, Breadcrumbs, Loading } from '../../components/app-shell';
import { ConfirmDialog } from '../../components/confirm-dialog';
import { ErrorMessage } from '../../components/error-message';
import { CreateAccessTokenMutation, MyAccessTokensQuery, RevokeAccessTokenMutation, type AccessTokenData } from '../../lib/account-operations';
import { messageOf } from '../../lib/errors';
import { formatDateTime } from '../../lib/format';

export default function AccountPage() {
  return (
    <AppShell>
      <main className="page">
        <Breadcrumbs items={[{ label: 'Projects', href: '/' }, { label: 'Account' }]} />
        <h1>Account</h1>
        <section aria-labelledby="tokens-title">
          <h2 id="tokens-title">Personal access tokens</h2>
          <p className="muted">
            A personal access token signs API clients in as you: send it as <code>Authorization: Bearer &lt;token&gt;</code>.
          </p>
          <AccessTokens />
        </section>
      </main>
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
    <form className="card form-grid" onSubmit={submit} aria-label="New personal access token">
      <div className="two-columns">
        <label>
          Token name
          <input name="name" required maxLength={100} placeholder="grafana dashboard" />
        </label>
        <label>
          <span>
            Expires on <span className="muted">(optional: never when empty)</span>
          </span>
          <input name="expiresAt" type="date" min={new Date().toISOString().slice(0, 10)} />
        </label>
      </div>
      <div className="actions">
        <button type="submit" disabled={fetching} aria-busy={fetching}>
          {fetching ? 'Creating…' : 'Create token'}
        </button>
      </div>
      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
    </form>
  );
}

function NewToken({ token, name, onDismiss }: { token: string; name: string; onDismiss: () => void }) {
  const [copied, setCopied] = useState<string | null>(null);

  async function copy() {
    try {
      await navigator.clipboard.writeText(token);
      setCopied('Copied');
    } catch {
      setCopied('Could not copy: select the token and copy it');
    }
  }

  return (
    <div className="card new-token" role="region" aria-label="New token">
      <p className="warning" role="alert">
        Copy the token “{name}” now: it is shown only this once, and Berth keeps only its hash.
      </p>
      <div className="new-token-row">
        <code data-testid="new-token" className="new-token-secret">
          {token}
        </code>
        <button type="button" className="secondary" onClick={copy}>
          Copy token
        </button>
        <button type="button" className="secondary" onClick={onDismiss}>
          Done
        </button>
      </div>
      <p className="muted small" role="status">
        {copied}
      </p>
    </div>
  );
}

function TokenTable({ tokens, onRevoke }: { tokens: AccessTokenData[]; onRevoke: (token: AccessTokenData) => void }) {
  if (tokens.length === 0) {
    return (
      <div className="card empty">
        <p>No personal access tokens yet</p>
      </div>
    );
  }
  const expired = (token: AccessTokenData) => token.expiresAt !== null && new Date(token.expiresAt) < new Date();
  return (
    <div className="table-scroll">
      <table aria-label="Personal access tokens">
        <thead>
          <tr>
            <th scope="col">Name</th>
            <th scope="col">Prefix</th>
            <th scope="col">Created</th>
            <th scope="col">Last used</th>
            <th scope="col">Expires</th>
            <th scope="col">Revoked</th>
            <th scope="col">
              <span className="visually-hidden">Actions</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {tokens.map((token) => (
            <tr key={token.id} data-token={token.name}>
              <td className="strong">{token.name}</td>
              <td>
                <code>{token.prefix}…</code>
              </td>
              <td className="nowrap">{formatDateTime(token.createdAt)}</td>
              <td className="nowrap">{token.lastUsedAt ? formatDateTime(token.lastUsedAt) : <span className="muted">never</span>}</td>
              <td className="nowrap">
                {token.expiresAt ? formatDateTime(token.expiresAt) : <span className="muted">never</span>}
                {expired(token) && <span className="state off">expired</span>}
              </td>
              <td className="nowrap">{token.revokedAt ? <span className="state bad">{formatDateTime(token.revokedAt)}</span> : <span className="muted">no</span>}</td>
              <td>
                {!token.revokedAt && (
                  <button type="button" className="secondary danger-text" onClick={() => onRevoke(token)} aria-label={`Revoke ${token.name}`}>
                    Revoke
                  </button>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
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
      <p>
        Clients that use “{token?.name}” (<code>{token?.prefix}…</code>) stop being signed in at once. This cannot be undone.
      </p>
    </ConfirmDialog>
  );
}
