'use client';

import { Button, Group, Loader, Paper, Text, Title } from '@mantine/core';
import Link from 'next/link';
import { useParams } from 'next/navigation';
import { useEffect, useState } from 'react';
import { PredictionForm } from '../../../components/predict/prediction-form';
import { PublicFrame } from '../../../components/public-frame';
import { ErrorMessage } from '../../../components/error-message';
import { readPredictForm, type PredictForm } from '../../../lib/openapi-form';

type State =
  | { kind: 'loading' }
  | { kind: 'sign-in'; message: string; signedIn: boolean }
  | { kind: 'error'; message: string; missing?: boolean }
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
          // A deployment that does not exist will not appear by trying again: no retry button then.
          setState({ kind: 'error', message: typeof message === 'string' ? message : `The server answered HTTP ${response.status}`, missing: response.status === 404 });
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
    <PublicFrame link={{ href: `/d/${slug}/docs`, label: 'API docs' }}>
      {state.kind === 'loading' && (
        <Group gap="xs" role="status" aria-busy="true">
          <Loader size="xs" />
          <Text c="dimmed">Loading the form…</Text>
        </Group>
      )}
      {state.kind === 'error' && <ErrorMessage message={state.message} onRetry={state.missing ? undefined : () => setAttempt((n) => n + 1)} />}
      {state.kind === 'sign-in' && (
        <Paper withBorder p="lg" maw={520} mx="auto" mt="xl" role="alert">
          <Title order={1} size="h2">
            Sign in to use this model
          </Title>
          <Text mt="xs">{state.message}.</Text>
          <Button component={Link} href={`/login?next=${encodeURIComponent(next)}`} mt="md">
            {state.signedIn ? 'Sign in as someone else' : 'Sign in'}
          </Button>
          <Text size="sm" c="dimmed" mt="md">
            Programs call its API with an API key of the deployment instead; see the API docs.
          </Text>
        </Paper>
      )}
      {state.kind === 'ready' && <PredictionForm slug={slug} form={state.form} />}
    </PublicFrame>
  );
}
