'use client';

import { Alert, Anchor, Button, Checkbox, Code, Group, List, NativeSelect, Paper, SimpleGrid, Stack, Text, TextInput, Title } from '@mantine/core';
import { useEffect, useId, useRef, useState, type FormEvent } from 'react';
import { formatNumber } from '../../lib/format';
import { rowFrom, valuesFrom, type FormField, type FormValues, type PredictForm } from '../../lib/openapi-form';
import { ProbabilityChart } from './probability-chart';

interface Issue {
  row?: number;
  field?: string;
  message: string;
}

interface Prediction {
  prediction: unknown;
  probabilities?: Record<string, number>;
}

interface PredictResponse {
  requestId: string;
  version: number;
  /** experimentVersion: the experiment version the model belongs to, when the server says it. */
  model: { id: string; name: string; experimentVersion?: number };
  predictions: Prediction[];
  warnings?: Issue[];
}

type Outcome =
  | { kind: 'prediction'; response: PredictResponse }
  | { kind: 'invalid'; message: string; issues: Issue[] }
  | { kind: 'error'; message: string; signIn?: boolean };

/** One input per feature, pre-filled with a real training row; the answer beside it. */
export function PredictionForm({ slug, form }: { slug: string; form: PredictForm }) {
  const [values, setValues] = useState<FormValues>(() => valuesFrom(form, form.example));
  const [busy, setBusy] = useState(false);
  const [outcome, setOutcome] = useState<Outcome | null>(null);
  const result = useRef<HTMLElement>(null);

  const set = (name: string, value: string | boolean) => setValues((previous) => ({ ...previous, [name]: value }));

  // On a phone the answer is below the form, out of sight: bring it into view once it is there.
  useEffect(() => {
    const element = result.current;
    if (!outcome || outcome.kind === 'invalid' || !element) return;
    const { top, bottom } = element.getBoundingClientRect();
    if (top < 0 || bottom > window.innerHeight) {
      const reduce = window.matchMedia('(prefers-reduced-motion: reduce)').matches;
      element.scrollIntoView({ behavior: reduce ? 'auto' : 'smooth', block: 'start' });
    }
  }, [outcome]);

  async function submit(event: FormEvent) {
    event.preventDefault();
    setBusy(true);
    try {
      const response = await fetch(`/api/v1/deployments/${encodeURIComponent(slug)}/predict`, {
        method: 'POST',
        credentials: 'same-origin',
        // Monitoring records these predictions with the `form` source.
        headers: { 'content-type': 'application/json', 'x-berth-source': 'form' },
        body: JSON.stringify({ inputs: rowFrom(form, values) }),
      });
      const body = (await response.json().catch(() => null)) as (PredictResponse & { error?: string; details?: Issue[] }) | null;
      if (response.ok && body) setOutcome({ kind: 'prediction', response: body });
      else if (response.status === 400) setOutcome({ kind: 'invalid', message: body?.error ?? 'Invalid input', issues: body?.details ?? [] });
      else
        setOutcome({
          kind: 'error',
          message: body?.error ?? `The server answered HTTP ${response.status}`,
          signIn: response.status === 401 || response.status === 403,
        });
    } catch (error) {
      setOutcome({ kind: 'error', message: `Cannot reach the server: ${(error as Error).message}` });
    } finally {
      setBusy(false);
    }
  }

  const issues = outcome?.kind === 'invalid' ? outcome.issues : [];
  const issueOf = (name: string) => issues.find((issue) => issue.field === name)?.message;
  const generalIssues = issues.filter((issue) => !issue.field || !form.fields.some((field) => field.name === issue.field));
  // Values the model took but did not see in training (an unseen category, a number far outside
  // the range): said next to the field as well as in the answer.
  const warnings = outcome?.kind === 'prediction' ? (outcome.response.warnings ?? []) : [];
  const warningOf = (name: string) =>
    warnings
      .filter((warning) => warning.field === name)
      .map((warning) => warning.message)
      .join('; ') || undefined;

  return (
    <>
      <Stack gap={4} mb="md">
        <Title order={1}>{form.title.replace(/ prediction API$/, '')}</Title>
        {form.description && <Text>{form.description}</Text>}
        <Text size="sm" c="dimmed">
          {form.target ? (
            <>
              Predicts <strong>{form.target}</strong>.{' '}
            </>
          ) : null}
          Pre-filled with a row of the training data: change any value and predict.
        </Text>
      </Stack>
      <SimpleGrid cols={{ base: 1, md: 2 }} spacing="md" style={{ alignItems: 'start' }}>
        <Paper component="form" withBorder p={{ base: 'sm', sm: 'md' }} onSubmit={submit} aria-label="Inputs">
          <Stack gap="sm">
            {form.fields.map((field) => (
              <FieldInput
                key={field.name}
                field={field}
                value={values[field.name] ?? ''}
                issue={issueOf(field.name)}
                warning={warningOf(field.name)}
                onChange={(value) => set(field.name, value)}
              />
            ))}
            {outcome?.kind === 'invalid' && (
              <Alert color="red" variant="light" role="alert" p="xs">
                <Text size="sm">
                  {outcome.message}
                  {issues.length > generalIssues.length && ' — the fields marked above say what to change.'}
                </Text>
                {generalIssues.length > 0 && (
                  <List size="sm">
                    {generalIssues.map((issue, index) => (
                      <List.Item key={index}>
                        {issue.field ? `${issue.field}: ` : ''}
                        {issue.message}
                      </List.Item>
                    ))}
                  </List>
                )}
              </Alert>
            )}
            <Group justify="flex-end" gap="xs">
              <Button
                variant="default"
                onClick={() => {
                  setValues(valuesFrom(form, form.example));
                  setOutcome(null);
                }}
              >
                Reset to the example
              </Button>
              <Button type="submit" disabled={busy} aria-busy={busy}>
                {busy ? 'Predicting…' : 'Predict'}
              </Button>
            </Group>
          </Stack>
        </Paper>
        <Paper ref={result} component="section" withBorder p={{ base: 'sm', sm: 'md' }} aria-labelledby="result-title" aria-live="polite" style={{ scrollMarginTop: 8 }}>
          <Title order={2} size="h4" id="result-title" mb="xs">
            Prediction
          </Title>
          {!outcome && <Text c="dimmed">Submit the form to see what the model predicts.</Text>}
          {outcome?.kind === 'invalid' && <Text c="dimmed">Fix the inputs marked in the form.</Text>}
          {outcome?.kind === 'error' && (
            <Alert color="red" variant="light" role="alert" p="xs">
              <Text size="sm">{outcome.message}</Text>
              {outcome.signIn && (
                <Text size="sm">
                  <Anchor href={`/login?next=${encodeURIComponent(`/d/${slug}`)}`} inherit>
                    Sign in
                  </Anchor>{' '}
                  to use this model.
                </Text>
              )}
            </Alert>
          )}
          {outcome?.kind === 'prediction' && <PredictionResult form={form} response={outcome.response} />}
        </Paper>
      </SimpleGrid>
    </>
  );
}

function PredictionResult({ form, response }: { form: PredictForm; response: PredictResponse }) {
  const [first] = response.predictions;
  if (!first) return <Text c="dimmed">The model returned no prediction.</Text>;
  const value = typeof first.prediction === 'number' ? formatNumber(first.prediction) : String(first.prediction);
  return (
    <Stack gap="sm">
      <Text fz="xl" data-testid="prediction">
        {form.target && (
          <Text span c="dimmed" inherit>
            {form.target}:{' '}
          </Text>
        )}
        <strong>{value}</strong>
      </Text>
      {first.probabilities && <ProbabilityChart probabilities={first.probabilities} predicted={String(first.prediction)} />}
      {response.warnings && response.warnings.length > 0 && (
        <Alert color="yellow" variant="light" p="xs" title="Some inputs are unlike the training data" data-testid="prediction-warnings">
          <List size="sm">
            {response.warnings.map((warning, index) => (
              <List.Item key={index}>
                {warning.field ? `${warning.field}: ` : ''}
                {warning.message}
              </List.Item>
            ))}
          </List>
        </Alert>
      )}
      <Text size="sm" c="dimmed">
        Answered by {response.model.experimentVersion !== undefined ? `v${response.model.experimentVersion} · ` : ''}
        {response.model.name} (deployment version {response.version}) · request <Code>{response.requestId}</Code>
      </Text>
    </Stack>
  );
}

function FieldInput({
  field,
  value,
  issue,
  warning,
  onChange,
}: {
  field: FormField;
  value: string | boolean;
  issue?: string;
  warning?: string;
  onChange: (value: string | boolean) => void;
}) {
  // Feature names hold spaces and brackets: not usable as ids.
  const id = useId();
  const optional = field.nullable || !field.required;
  // The training range, when the document gives it; otherwise the example value says enough.
  const hint =
    field.minimum !== null && field.maximum !== null
      ? `Seen in training: ${formatNumber(field.minimum)} to ${formatNumber(field.maximum)}`
      : field.kind === 'integer'
        ? 'A whole number'
        : null;

  // A warning goes in the field's description, which the input names through aria-describedby.
  const description =
    warning || hint ? (
      <>
        {warning && (
          <Text span display="block" size="xs" fw={600} c="orange.9" data-field-warning>
            ⚠ {warning}
          </Text>
        )}
        {hint}
      </>
    ) : undefined;

  if (field.kind === 'boolean') {
    return <Checkbox className="field" id={id} label={field.name} checked={value === true} onChange={(event) => onChange(event.currentTarget.checked)} error={issue} description={description} />;
  }

  const text = typeof value === 'string' ? value : '';
  const label = (
    <>
      {field.name}
      {optional && (
        <Text span size="xs" c="dimmed">
          {' '}
          (optional)
        </Text>
      )}
    </>
  );
  const common = {
    id,
    className: 'field',
    label,
    error: issue,
    description,
    inputWrapperOrder: ['label', 'input', 'error', 'description'] as ('label' | 'input' | 'error' | 'description')[],
    required: !optional,
    withAsterisk: false,
  };
  if (field.kind === 'string' && field.categories) {
    const choices = text && !field.categories.includes(text) ? [...field.categories, text] : field.categories;
    return (
      <NativeSelect {...common} value={text} onChange={(event) => onChange(event.currentTarget.value)}>
        <option value="">{optional ? '(missing)' : 'Choose…'}</option>
        {choices.map((choice) => (
          <option key={choice} value={choice}>
            {choice}
          </option>
        ))}
      </NativeSelect>
    );
  }
  if (field.kind === 'number' || field.kind === 'integer') {
    return <TextInput {...common} type="number" inputMode="decimal" step={field.kind === 'integer' ? 1 : 'any'} value={text} onChange={(event) => onChange(event.currentTarget.value)} />;
  }
  return <TextInput {...common} type="text" value={text} onChange={(event) => onChange(event.currentTarget.value)} />;
}
