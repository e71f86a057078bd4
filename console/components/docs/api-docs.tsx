'use client';

import { Badge, Button, Checkbox, Code, Group, Loader, Paper, Stack, Table, Text, Title } from '@mantine/core';
import Link from 'next/link';
import { useCallback, useEffect, useId, useState } from 'react';
import { ErrorMessage } from '../error-message';
import { CopyButton } from '../ui/copy-button';
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
        <Group gap="xs" role="status" aria-busy="true">
          <Loader size="xs" />
          <Text c="dimmed">Loading the API documentation…</Text>
        </Group>
      );
    case 'signin':
      return (
        <Paper withBorder p="lg" maw={560} mx="auto" mt="xl" role="alert">
          <Title order={1} size="h2" mb="xs">Sign in to read this API</Title>
          <Text size="sm">The deployment {slug} is not public: its documentation is for the people and applications allowed to call it.</Text>
          <Text size="sm" c="dimmed">{state.message}</Text>
          <Text size="sm">
            <Button component={Link} href={`/login?next=${encodeURIComponent(`/d/${slug}/docs`)}`}>
              Sign in
            </Button>
          </Text>
        </Paper>
      );
    case 'forbidden':
      return (
        <Paper withBorder p="lg" maw={560} mx="auto" mt="xl" role="alert">
          <Title order={1} size="h2" mb="xs">Not open to you</Title>
          <Text size="sm">{state.message}</Text>
          <Text c="dimmed">
            Ask an admin of its project to add you, or <Link href="/login">sign in</Link> with another account.
          </Text>
        </Paper>
      );
    case 'missing':
      return (
        <Paper withBorder p="lg" maw={560} mx="auto" mt="xl" role="alert">
          <Title order={1} size="h2" mb="xs">No such deployment</Title>
          <Text size="sm">{state.message}</Text>
          <Text size="sm">
            <Link href="/">Back to the projects</Link>
          </Text>
        </Paper>
      );
    case 'error':
      return (
        <ErrorMessage message={state.message} onRetry={state.retry ? retry : undefined} />
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
    <Stack component="article" gap="xl">
      <header>
        <Title order={1}>{doc.title}</Title>
        {doc.description && <Text size="sm">{doc.description}</Text>}
        <Group gap="xs" my="xs" wrap="wrap">
          <Badge>POST</Badge> <Code>{doc.url}</Code> <CopyButton text={doc.url} label="Copy URL" />
        </Group>
        <Text size="sm" c="dimmed">
          {doc.summary ? `${doc.summary}. ` : ''}Deployment version {doc.version ?? '—'} is serving; the URL stays the same across deployment versions. Also available:{' '}
          <a href={`/api/v1/deployments/${encodeURIComponent(slug)}/openapi.json`}>the OpenAPI document</a> and the Open Inference Protocol V2 at{' '}
          <Code>/v2/models/{slug}/infer</Code>.
        </Text>
      </header>

      <section aria-labelledby={`${keyId}-auth`}>
        <Title order={2} size="h3" mb="xs" id={`${keyId}-auth`}>Authentication</Title>
        {doc.isPublic ? (
          <Text size="sm">This deployment is public: it answers without credentials. A key of the deployment still works, and gets its own rate limit.</Text>
        ) : (
          <Text size="sm">
            Send an API key of this deployment in the <Code>X-API-Key</Code> header (or <Code>Authorization: Bearer &lt;key&gt;</Code>). Keys are created on the
            deployment&apos;s page in the console; a personal access token works too.
          </Text>
        )}
      </section>

      <section aria-labelledby={`${keyId}-request`}>
        <Title order={2} size="h3" mb="xs" id={`${keyId}-request`}>Request</Title>
        <Text size="sm">
          A JSON body with <Code>{'{"inputs": {…}}'}</Code> for one row, or <Code>{'{"inputs": [{…}, {…}]}'}</Code> for several: one prediction per row, in
          order.{' '}
          {doc.acceptsUnknownFields
            ? 'Unknown fields are dropped and invalid values imputed; the response lists what was changed in warnings.'
            : 'Unknown fields and values of the wrong type are refused (400).'}
        </Text>
        <Table.ScrollContainer minWidth={480} type="native">
          <Table withTableBorder verticalSpacing={6} fz="sm">
            <Table.Caption>The fields of a row</Table.Caption>
            <Table.Thead>
              <Table.Tr>
                <Table.Th scope="col">Feature</Table.Th>
                <Table.Th scope="col">Type</Table.Th>
                <Table.Th scope="col">Required</Table.Th>
                <Table.Th scope="col">Example</Table.Th>
                <Table.Th scope="col">Notes</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {doc.features.map((feature) => (
                <Table.Tr key={feature.name}>
                  <Table.Th scope="row">
                    <Code>{feature.name}</Code>
                  </Table.Th>
                  <Table.Td>
                    {feature.type}
                    {feature.nullable && <Text span c="dimmed" inherit> or null</Text>}
                  </Table.Td>
                  <Table.Td>{feature.required ? 'yes' : <Text span c="dimmed" inherit>no, imputed when missing</Text>}</Table.Td>
                  <Table.Td>
                    <Code>{exampleValue(exampleInputs, feature.name)}</Code>
                  </Table.Td>
                  <Table.Td>{feature.description ?? ''}</Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
      </section>

      <section aria-labelledby={`${keyId}-response`}>
        <Title order={2} size="h3" mb="xs" id={`${keyId}-response`}>Response</Title>
        <Text size="sm">
          <Code>200</Code> with JSON{doc.target ? `; each prediction is the model's ${doc.labels ? 'class' : 'value'} of ${doc.target}` : ''}
          {doc.labels ? ', with the probability of every class.' : '.'}
        </Text>
        <FieldTable caption="The response body" fields={doc.responseFields} />
        {doc.predictionFields.length > 0 && <FieldTable caption="Each item of predictions" fields={doc.predictionFields} />}
        <Title order={3} size="h5" mt="md" mb={6}>Example (illustrative values)</Title>
        <CodeBlock code={JSON.stringify(response, null, 2)} label="Example response" />
      </section>

      <section aria-labelledby={`${keyId}-errors`}>
        <Title order={2} size="h3" mb="xs" id={`${keyId}-errors`}>Errors</Title>
        <Text size="sm">
          Errors answer <Code>{'{"error": "…", "details": [{"row", "field", "message"}]}'}</Code>; <Code>row</Code> is 0-based.
        </Text>
        <Table.ScrollContainer minWidth={480} type="native">
          <Table withTableBorder verticalSpacing={6} fz="sm">
            <Table.Thead>
              <Table.Tr>
                <Table.Th scope="col">Status</Table.Th>
                <Table.Th scope="col">When</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {doc.errors.map((error) => (
                <Table.Tr key={error.status}>
                  <Table.Th scope="row">
                    <Code>{error.status}</Code>
                  </Table.Th>
                  <Table.Td>{withInlineCode(error.description)}</Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
      </section>

      <section aria-labelledby={`${keyId}-examples`}>
        <Title order={2} size="h3" mb="xs" id={`${keyId}-examples`}>Examples</Title>
        <Text size="sm" c="dimmed">With a real row of the training data.</Text>
        <Checkbox
          my="xs"
          checked={withKey}
          onChange={(event) => setWithKey(event.currentTarget.checked)}
          label={
            <>
              Send an API key (<Code>{API_KEY_PLACEHOLDER}</Code>: replace it with yours)
            </>
          }
        />
        {doc.isPublic && withKey && <Text size="sm" c="dimmed">A placeholder key is refused (401): replace it, or leave the key out for this public deployment.</Text>}
        {examples.map((example) => (
          <div key={example.id}>
            <Title order={3} size="h5" mt="md" mb={6}>{example.title}</Title>
            <CodeBlock code={example.code} label={`${example.title} example`} />
          </div>
        ))}
      </section>

      <section aria-labelledby={`${keyId}-feedback`}>
        <Title order={2} size="h3" mb="xs" id={`${keyId}-feedback`}>Ground truth</Title>
        <Text size="sm">
          When the actual value is known, send it back to <Code>POST /api/v1/deployments/{slug}/feedback</Code> with{' '}
          <Code>{'{"requestId", "row", "actual"}'}</Code>: the console then charts the deployment&apos;s accuracy or error over time.
        </Text>
      </section>
    </Stack>
  );
}

function exampleValue(inputs: unknown, name: string): string {
  if (typeof inputs !== 'object' || inputs === null || Array.isArray(inputs)) return '';
  const value = (inputs as Record<string, unknown>)[name];
  return value === undefined ? '' : JSON.stringify(value);
}

function FieldTable({ caption, fields }: { caption: string; fields: FieldDoc[] }) {
  return (
    <Table.ScrollContainer minWidth={480} type="native">
      <Table withTableBorder verticalSpacing={6} fz="sm">
        <Table.Caption>{caption}</Table.Caption>
        <Table.Thead>
          <Table.Tr>
            <Table.Th scope="col">Field</Table.Th>
            <Table.Th scope="col">Type</Table.Th>
            <Table.Th scope="col">Notes</Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {fields.map((field) => (
            <Table.Tr key={field.name}>
              <Table.Th scope="row">
                <Code>{field.name}</Code>
              </Table.Th>
              <Table.Td style={{ fontFamily: "var(--mantine-font-family-monospace)" }}>{field.type}</Table.Td>
              <Table.Td>
                {field.required ? '' : <Text span c="dimmed" inherit>optional. </Text>}
                {field.description ?? ''}
              </Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
    </Table.ScrollContainer>
  );
}

function CodeBlock({ code, label }: { code: string; label: string }) {
  return (
    <div style={{ position: 'relative' }}>
      <Code block tabIndex={0} aria-label={label} style={{ overflowX: 'auto', paddingRight: '5.5rem' }}>
        {code}
      </Code>
      <div style={{ position: 'absolute', top: 6, right: 6 }}>
        <CopyButton text={code} name={`Copy ${label.toLowerCase()}`} />
      </div>
    </div>
  );
}

/** The API's descriptions mark code with backticks (Markdown): shown as code, not as literal backticks. */
function withInlineCode(text: string) {
  return text.split(/`([^`]+)`/g).map((part, index) => (index % 2 === 1 ? <Code key={index}>{part}</Code> : part));
}
