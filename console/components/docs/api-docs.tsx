'use client';

import Link from 'next/link';
import { useCallback, useEffect, useId, useState } from 'react';
import { CopyButton } from './copy-button';
import { API_KEY_PLACEHOLDER, codeExamples } from './code-examples';
import { exampleResponse, OpenApiError, readPredictApi, type FieldDoc, type PredictApiDoc } from './openapi';

type State =
  | { kind: 'loading' }
  | { kind: 'ready'; doc: PredictApiDoc }
  | { kind: 'signin'; message: string }
  | { kind: 'forbidden'; message: string }
  | { kind: 'missing'; message: string }
  | { kind: 'error'; message: string; retry: boolean };

/** The `error` of an API error body, when it has one. */
async function errorOf(response: Response): Promise<string | null> {
  try {
    const body: unknown = await response.json();
    const message = typeof body === 'object' && body !== null && 'error' in body ? (body as { error: unknown }).error : null;
    return typeof message === 'string' ? message : null;
  } catch {
    return null;
  }
}

/** The API documentation of one deployment, from its OpenAPI document. */
export function ApiDocs({ slug }: { slug: string }) {
  const [state, setState] = useState<State>({ kind: 'loading' });
  const [attempt, setAttempt] = useState(0);
  const retry = useCallback(() => setAttempt((n) => n + 1), []);

  useEffect(() => {
    const controller = new AbortController();
    setState({ kind: 'loading' });
    (async () => {
      try {
        const response = await fetch(`/api/v1/deployments/${encodeURIComponent(slug)}/openapi.json`, {
          credentials: 'same-origin',
          headers: { accept: 'application/json' },
          signal: controller.signal,
        });
        if (!response.ok) {
          const message = (await errorOf(response)) ?? `The server answered ${response.status} ${response.statusText}`.trim();
          if (response.status === 401) setState({ kind: 'signin', message });
          else if (response.status === 403) setState({ kind: 'forbidden', message });
          else if (response.status === 404) setState({ kind: 'missing', message });
          else setState({ kind: 'error', message, retry: true });
          return;
        }
        setState({ kind: 'ready', doc: readPredictApi(await response.json(), window.location.origin) });
      } catch (error) {
        if (controller.signal.aborted) return;
        const message =
          error instanceof OpenApiError ? error.message : `Cannot reach the Berth server (${error instanceof Error ? error.message : String(error)})`;
        setState({ kind: 'error', message, retry: !(error instanceof OpenApiError) });
      }
    })();
    return () => controller.abort();
  }, [slug, attempt]);

  switch (state.kind) {
    case 'loading':
      return (
        <p className="muted" aria-busy="true">
          Loading the API documentation…
        </p>
      );
    case 'signin':
      return (
        <div className="card docs-state" role="alert">
          <h1>Sign in to read this API</h1>
          <p>The deployment {slug} is not public: its documentation is for the people and applications allowed to call it.</p>
          <p className="muted small">{state.message}</p>
          <p>
            <Link href={`/login?next=${encodeURIComponent(`/d/${slug}/docs`)}`} className="docs-button">
              Sign in
            </Link>
          </p>
        </div>
      );
    case 'forbidden':
      return (
        <div className="card docs-state" role="alert">
          <h1>Not open to you</h1>
          <p>{state.message}</p>
          <p className="muted">
            Ask an admin of its project to add you, or <Link href="/login">sign in</Link> with another account.
          </p>
        </div>
      );
    case 'missing':
      return (
        <div className="card docs-state" role="alert">
          <h1>No such deployment</h1>
          <p>{state.message}</p>
          <p>
            <Link href="/">Back to the projects</Link>
          </p>
        </div>
      );
    case 'error':
      return (
        <div className="card error-card" role="alert">
          <p className="error">{state.message}</p>
          {state.retry && (
            <button type="button" className="secondary" onClick={retry}>
              Try again
            </button>
          )}
        </div>
      );
    case 'ready':
      return <Documentation doc={state.doc} slug={slug} />;
  }
}

function Documentation({ doc, slug }: { doc: PredictApiDoc; slug: string }) {
  const keyId = useId();
  const [withKey, setWithKey] = useState(!doc.isPublic);
  const examples = codeExamples(doc.url, doc.exampleBody, withKey);
  const exampleInputs = doc.exampleBody.inputs;
  const response = exampleResponse(doc, slug);

  return (
    <article className="docs">
      <header className="docs-header">
        <h1>{doc.title}</h1>
        {doc.description && <p>{doc.description}</p>}
        <p className="docs-endpoint">
          <span className="badge">POST</span> <code>{doc.url}</code> <CopyButton text={doc.url} label="Copy URL" />
        </p>
        <p className="muted small">
          {doc.summary ? `${doc.summary}. ` : ''}Version {doc.version ?? '—'} is serving; the URL stays the same across versions. Also available:{' '}
          <a href={`/api/v1/deployments/${encodeURIComponent(slug)}/openapi.json`}>the OpenAPI document</a> and the Open Inference Protocol V2 at{' '}
          <code>/v2/models/{slug}/infer</code>.
        </p>
      </header>

      <section aria-labelledby={`${keyId}-auth`} className="docs-section">
        <h2 id={`${keyId}-auth`}>Authentication</h2>
        {doc.isPublic ? (
          <p>This deployment is public: it answers without credentials. A key of the deployment still works, and gets its own rate limit.</p>
        ) : (
          <p>
            Send an API key of this deployment in the <code>X-API-Key</code> header (or <code>Authorization: Bearer &lt;key&gt;</code>). Keys are created on the
            deployment&apos;s page in the console; a personal access token works too.
          </p>
        )}
      </section>

      <section aria-labelledby={`${keyId}-request`} className="docs-section">
        <h2 id={`${keyId}-request`}>Request</h2>
        <p>
          A JSON body with <code>{'{"inputs": {…}}'}</code> for one row, or <code>{'{"inputs": [{…}, {…}]}'}</code> for several: one prediction per row, in
          order.{' '}
          {doc.acceptsUnknownFields
            ? 'Unknown fields are dropped and invalid values imputed; the response lists what was changed in warnings.'
            : 'Unknown fields and values of the wrong type are refused (400).'}
        </p>
        <div className="docs-table-wrap">
          <table className="docs-table">
            <caption className="muted small">The fields of a row</caption>
            <thead>
              <tr>
                <th scope="col">Feature</th>
                <th scope="col">Type</th>
                <th scope="col">Required</th>
                <th scope="col">Example</th>
                <th scope="col">Notes</th>
              </tr>
            </thead>
            <tbody>
              {doc.features.map((feature) => (
                <tr key={feature.name}>
                  <th scope="row">
                    <code>{feature.name}</code>
                  </th>
                  <td>
                    {feature.type}
                    {feature.nullable && <span className="muted"> or null</span>}
                  </td>
                  <td>{feature.required ? 'yes' : <span className="muted">no, imputed when missing</span>}</td>
                  <td>
                    <code>{exampleValue(exampleInputs, feature.name)}</code>
                  </td>
                  <td className="small">{feature.description ?? ''}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </section>

      <section aria-labelledby={`${keyId}-response`} className="docs-section">
        <h2 id={`${keyId}-response`}>Response</h2>
        <p>
          <code>200</code> with JSON{doc.target ? `; each prediction is the model's ${doc.labels ? 'class' : 'value'} of ${doc.target}` : ''}
          {doc.labels ? ', with the probability of every class.' : '.'}
        </p>
        <FieldTable caption="The response body" fields={doc.responseFields} />
        {doc.predictionFields.length > 0 && <FieldTable caption="Each item of predictions" fields={doc.predictionFields} />}
        <h3 className="docs-subheading">Example (illustrative values)</h3>
        <CodeBlock code={JSON.stringify(response, null, 2)} label="Example response" />
      </section>

      <section aria-labelledby={`${keyId}-errors`} className="docs-section">
        <h2 id={`${keyId}-errors`}>Errors</h2>
        <p>
          Errors answer <code>{'{"error": "…", "details": [{"row", "field", "message"}]}'}</code>; <code>row</code> is 0-based.
        </p>
        <div className="docs-table-wrap">
          <table className="docs-table">
            <thead>
              <tr>
                <th scope="col">Status</th>
                <th scope="col">When</th>
              </tr>
            </thead>
            <tbody>
              {doc.errors.map((error) => (
                <tr key={error.status}>
                  <th scope="row">
                    <code>{error.status}</code>
                  </th>
                  <td>{error.description}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </section>

      <section aria-labelledby={`${keyId}-examples`} className="docs-section">
        <h2 id={`${keyId}-examples`}>Examples</h2>
        <p className="muted small">With a real row of the training data.</p>
        <label className="docs-check">
          <input type="checkbox" checked={withKey} onChange={(event) => setWithKey(event.target.checked)} />
          Send an API key (<code>{API_KEY_PLACEHOLDER}</code>: replace it with yours)
        </label>
        {doc.isPublic && withKey && <p className="muted small">A placeholder key is refused (401): replace it, or leave the key out for this public deployment.</p>}
        {examples.map((example) => (
          <div key={example.id} className="docs-example">
            <h3 className="docs-subheading">{example.title}</h3>
            <CodeBlock code={example.code} label={`${example.title} example`} />
          </div>
        ))}
      </section>

      <section aria-labelledby={`${keyId}-feedback`} className="docs-section">
        <h2 id={`${keyId}-feedback`}>Ground truth</h2>
        <p>
          When the actual value is known, send it back to <code>POST /api/v1/deployments/{slug}/feedback</code> with{' '}
          <code>{'{"requestId", "row", "actual"}'}</code>: the console then charts the deployment&apos;s accuracy or error over time.
        </p>
      </section>
    </article>
  );
}

function exampleValue(inputs: unknown, name: string): string {
  if (typeof inputs !== 'object' || inputs === null || Array.isArray(inputs)) return '';
  const value = (inputs as Record<string, unknown>)[name];
  return value === undefined ? '' : JSON.stringify(value);
}

function FieldTable({ caption, fields }: { caption: string; fields: FieldDoc[] }) {
  return (
    <div className="docs-table-wrap">
      <table className="docs-table">
        <caption className="muted small">{caption}</caption>
        <thead>
          <tr>
            <th scope="col">Field</th>
            <th scope="col">Type</th>
            <th scope="col">Notes</th>
          </tr>
        </thead>
        <tbody>
          {fields.map((field) => (
            <tr key={field.name}>
              <th scope="row">
                <code>{field.name}</code>
              </th>
              <td className="docs-type">{field.type}</td>
              <td className="small">
                {field.required ? '' : <span className="muted">optional. </span>}
                {field.description ?? ''}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function CodeBlock({ code, label }: { code: string; label: string }) {
  return (
    <div className="docs-code">
      <pre tabIndex={0} aria-label={label}>
        <code>{code}</code>
      </pre>
      <CopyButton text={code} />
    </div>
  );
}
