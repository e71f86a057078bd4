'use client';

import { useId, useMemo, useState, type FormEvent } from 'react';
import { useMutation, useQuery } from 'urql';
import { messageOf } from '../../lib/errors';
import { graphql, type ResultOf } from '../../lib/graphql';
import { useIsBrowser } from '../../lib/use-is-browser';
import { CopyButton } from '../docs/copy-button';
import { ErrorMessage } from '../error-message';

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

const dateTimeFormat = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });
const formatDateTime = (value: string) => dateTimeFormat.format(new Date(value));

export function ApiKeysSection({ deploymentId }: { deploymentId: string }) {
  const browser = useIsBrowser();
  // An empty list names no ApiKey, so say which type a mutation must touch to refresh it.
  const context = useMemo(() => ({ additionalTypenames: ['ApiKey'] }), []);
  const [{ data, error }, refetch] = useQuery({ query: ApiKeysQuery, variables: { id: deploymentId }, pause: !browser, context });
  const [created, setCreated] = useState<CreatedKey | null>(null);

  if (error && !data) return <ErrorMessage message={messageOf(error)} onRetry={() => refetch({ requestPolicy: 'network-only' })} />;
  if (!data) {
    return (
      <p className="muted" aria-busy="true">
        Loading API keys…
      </p>
    );
  }

  const deployment = data.deployment;
  const keys = [...deployment.apiKeys].sort((a, b) => Number(a.revokedAt !== null) - Number(b.revokedAt !== null) || b.createdAt.localeCompare(a.createdAt));
  return (
    <div className="api-keys">
      <p className="muted small">
        Applications send a key in the <code>X-API-Key</code> header (or <code>Authorization: Bearer</code>) to{' '}
        <code>/api/v1/deployments/{deployment.slug}/predict</code>.{' '}
        {deployment.access === 'public'
          ? 'This deployment is public: it answers without a key too.'
          : deployment.access === 'instance'
            ? 'This deployment answers signed-in users of this instance, their tokens, and its keys.'
            : "This deployment answers the project's collaborators and its keys."}
      </p>

      {created ? <NewKey created={created} onDone={() => setCreated(null)} /> : <CreateKeyForm deploymentId={deploymentId} onCreated={setCreated} />}

      {keys.length === 0 ? (
        <div className="card empty">
          <p>No API keys yet</p>
          <p className="muted">Create one for each application that calls this deployment, so you can revoke one without the others.</p>
        </div>
      ) : (
        <div className="api-keys-table-wrap">
          <table className="api-keys-table">
            <caption className="muted small">
              {keys.filter((k) => !k.revokedAt).length} active of {keys.length}
            </caption>
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Key</th>
                <th scope="col">Created</th>
                <th scope="col">Last used</th>
                <th scope="col">Status</th>
                <th scope="col">
                  <span className="api-keys-sr">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {keys.map((key) => (
                <KeyRow key={key.id} apiKey={key} highlighted={key.id === created?.apiKey.id} />
              ))}
            </tbody>
          </table>
        </div>
      )}
    </div>
  );
}

function CreateKeyForm({ deploymentId, onCreated }: { deploymentId: string; onCreated: (created: CreatedKey) => void }) {
  const inputId = useId();
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
    <form className="card api-keys-create" onSubmit={submit}>
      <label htmlFor={inputId}>New key name</label>
      <div className="api-keys-create-row">
        <input id={inputId} name="name" required maxLength={100} placeholder="e.g. billing service" autoComplete="off" />
        <button type="submit" disabled={fetching} aria-busy={fetching}>
          {fetching ? 'Creating…' : 'Create key'}
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

/** The secret, this once. */
function NewKey({ created, onDone }: { created: CreatedKey; onDone: () => void }) {
  const headingId = useId();
  return (
    <section className="card api-keys-new" role="alert" aria-labelledby={headingId}>
      <h4 id={headingId}>Key “{created.apiKey.name}” created</h4>
      <p className="api-keys-warning">
        Copy it now and keep it somewhere safe: it is shown only this once. Berth stores only a hash and cannot show it again.
      </p>
      <div className="api-keys-secret">
        <input readOnly value={created.key} aria-label="The new API key" onFocus={(event) => event.currentTarget.select()} spellCheck={false} />
        <CopyButton text={created.key} label="Copy key" />
      </div>
      <button type="button" className="secondary" onClick={onDone}>
        I have copied it
      </button>
    </section>
  );
}

function KeyRow({ apiKey, highlighted }: { apiKey: ApiKey; highlighted: boolean }) {
  const [confirming, setConfirming] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [{ fetching }, revoke] = useMutation(RevokeApiKeyMutation);
  const revoked = apiKey.revokedAt !== null;

  async function confirmRevoke() {
    setError(null);
    const result = await revoke({ id: apiKey.id });
    if (result.error) setError(messageOf(result.error));
    setConfirming(false);
  }

  return (
    <tr className={`${revoked ? 'api-keys-revoked' : ''}${highlighted ? ' api-keys-highlight' : ''}`}>
      <th scope="row">{apiKey.name}</th>
      <td>
        <code>{apiKey.prefix}…</code>
      </td>
      <td>
        <time dateTime={apiKey.createdAt}>{formatDateTime(apiKey.createdAt)}</time>
      </td>
      <td>{apiKey.lastUsedAt ? <time dateTime={apiKey.lastUsedAt}>{formatDateTime(apiKey.lastUsedAt)}</time> : <span className="muted">never</span>}</td>
      <td>
        {revoked ? (
          <span className="muted">
            revoked <time dateTime={apiKey.revokedAt!}>{formatDateTime(apiKey.revokedAt!)}</time>
          </span>
        ) : (
          <span className="badge">active</span>
        )}
      </td>
      <td className="api-keys-actions">
        {!revoked &&
          (confirming ? (
            <span className="api-keys-confirm" role="group" aria-label={`Confirm revoking ${apiKey.name}`}>
              <span className="small">Applications using it stop working at once.</span>
              <button type="button" className="api-keys-danger" onClick={confirmRevoke} disabled={fetching} autoFocus>
                {fetching ? 'Revoking…' : 'Revoke'}
              </button>
              <button type="button" className="secondary" onClick={() => setConfirming(false)} disabled={fetching}>
                Keep
              </button>
            </span>
          ) : (
            <button type="button" className="secondary" onClick={() => setConfirming(true)} aria-label={`Revoke ${apiKey.name}`}>
              Revoke…
            </button>
          ))}
        {error && (
          <p className="error small" role="alert">
            {error}
          </p>
        )}
      </td>
    </tr>
  );
}
