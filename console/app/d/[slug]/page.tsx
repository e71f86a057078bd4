'use client';

import Link from 'next/link';
import { useParams } from 'next/navigation';
import { useEffect, useState } from 'react';
import { PredictionForm } from '../../../components/predict/prediction-form';
import { ErrorMessage } from '../../../components/error-message';
import { readPredictForm, type PredictForm } from '../../../lib/openapi-form';

type State =
  | { kind: 'loading' }
  | { kind: 'sign-in'; message: string; signedIn: boolean }
  | { kind: 'error'; message: string }
  | { kind: 'ready'; form: PredictForm };

/**
 * The public web form of a deployment, generated from its OpenAPI document. Works without the
 * console's session for public deployments; the session cookie opens the others.
 */
export default function DeploymentFormPage() {
  const { slug } = useParams<{ slug: string }>();
  const [state, setState] = useState<State>({ kind: 'loading' });
  const [attempt, setAttempt] = useState(0);

  useEffect(() => {
    const controller = new AbortController();
    (async () => {
      setState({ kind: 'loading' });
      try {
        const response = await fetch(`/api/v1/deployments/${encodeURIComponent(slug)}/openapi.json`, { credentials: 'same-origin', signal: controller.signal });
        const body: unknown = await response.json().catch(() => null);
        const message = (body as { error?: unknown } | null)?.error;
        if (response.status === 401 || response.status === 403) {
          setState({ kind: 'sign-in', message: typeof message === 'string' ? message : 'This deployment needs credentials', signedIn: response.status === 403 });
        } else if (!response.ok) {
          setState({ kind: 'error', message: typeof message === 'string' ? message : `The server answered HTTP ${response.status}` });
        } else {
          setState({ kind: 'ready', form: readPredictForm(body) });
        }
      } catch (error) {
        if (controller.signal.aborted) return;
        setState({ kind: 'error', message: `Cannot load the form: ${(error as Error).message}` });
      }
    })();
    return () => controller.abort();
  }, [slug, attempt]);

  const next = `/d/${slug}`;
  return (
    <>
      <header className="topbar">
        <Link href="/" className="brand">
          Berth
        </Link>
        <span className="viewer">
          <Link href={`/d/${slug}/docs`}>API docs</Link>
        </span>
      </header>
      <main className="page">
        {state.kind === 'loading' && (
          <p className="muted" role="status" aria-busy="true">
            Loading the form…
          </p>
        )}
        {state.kind === 'error' && <ErrorMessage message={state.message} onRetry={() => setAttempt((n) => n + 1)} />}
        {state.kind === 'sign-in' && (
          <div className="card sign-in-needed" role="alert">
            <h1>Sign in to use this model</h1>
            <p>{state.message}.</p>
            <p>
              <Link href={`/login?next=${encodeURIComponent(next)}`} className="button">
                {state.signedIn ? 'Sign in as someone else' : 'Sign in'}
              </Link>
            </p>
            <p className="muted small">Programs call its API with an API key of the deployment instead; see the API docs.</p>
          </div>
        )}
        {state.kind === 'ready' && <PredictionForm slug={slug} form={state.form} />}
      </main>
    </>
  );
}
