'use client';

import { useId, useMemo, useState, type FormEvent } from 'react';
import { useMutation } from 'urql';
import Link from 'next/link';
import { Anchor, Button, Checkbox, Code, Group, NativeSelect, NumberInput, Paper, Radio, SimpleGrid, Stack, Text, Textarea, TextInput, Title } from '@mantine/core';
import { messageOf } from '../../../lib/errors';
import { formatDateTime, formatInteger } from '../../../lib/format';
import { CreatePipelineMutation, type PipelineSourcesData as Sources } from '../../../lib/operations/pipelines';
import { InlineError } from '../../error-message';
import { browserTimeZone, CRON_PRESETS, describeCron, timeZones } from './schedule';




export function CreatePipelineForm({
  deploymentId,
  sources,
  onDone,
  onCancel,
  onRefreshSources,
}: {
  deploymentId: string;
  sources: Sources;
  onDone: () => void;
  onCancel: () => void;
  onRefreshSources: () => void;
}) {
  const ids = useId();
  const [sourceKind, setSourceKind] = useState<'dataset' | 'sql'>(sources.datasets.length === 0 && sources.connectors.length > 0 ? 'sql' : 'dataset');
  const [deliver, setDeliver] = useState(false);
  const [scheduled, setScheduled] = useState(true);
  const [cron, setCron] = useState('0 6 * * *');
  const [timezone, setTimezone] = useState(browserTimeZone);
  const [error, setError] = useState<string | null>(null);
  const [{ fetching }, create] = useMutation(CreatePipelineMutation);
  const zones = useMemo(timeZones, []);
  const words = describeCron(cron);
  const noConnectors = sources.connectors.length === 0;

  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    const text = (name: string) => {
      const value = String(form.get(name) ?? '').trim();
      return value === '' ? null : value;
    };
    const number = (name: string) => {
      const value = text(name);
      return value === null ? null : Number(value);
    };
    setError(null);
    const maxErrorPercent = number('maxErrorPercent');
    const result = await create({
      input: {
        deploymentId,
        name: text('name') ?? '',
        sourceKind,
        sourceDatasetId: sourceKind === 'dataset' ? text('sourceDatasetId') : null,
        sourceConnectorId: sourceKind === 'sql' ? text('sourceConnectorId') : null,
        sourceSql: sourceKind === 'sql' ? text('sourceSql') : null,
        destinationConnectorId: deliver ? text('destinationConnectorId') : null,
        destinationTable: deliver ? text('destinationTable') : null,
        scheduleCron: scheduled ? cron.trim() : null,
        scheduleTimezone: scheduled ? timezone.trim() || null : null,
        retryAttempts: number('retryAttempts'),
        maxErrorRatio: maxErrorPercent === null ? null : maxErrorPercent / 100,
      },
    });
    if (result.error) setError(messageOf(result.error));
    else onDone();
  }

  const fieldset = (legend: string, children: React.ReactNode) => (
    <Paper component="fieldset" withBorder p="sm" m={0}>
      <legend>
        <Text fw={600} size="sm" px={4}>
          {legend}
        </Text>
      </legend>
      <Stack gap="xs">{children}</Stack>
    </Paper>
  );

  return (
    <Paper component="form" withBorder p={{ base: 'sm', sm: 'md' }} onSubmit={submit} aria-labelledby={`${ids}-title`}>
      <Stack gap="sm">
        <Title order={4} size="h5" id={`${ids}-title`}>
          New pipeline
        </Title>
        <TextInput label="Name" name="name" required maxLength={100} placeholder="Nightly scoring" data-autofocus autoFocus />

        {fieldset(
          'Source',
          <>
            <Radio.Group value={sourceKind} onChange={(value) => setSourceKind(value === 'sql' ? 'sql' : 'dataset')} aria-label="Source kind">
              <Group gap="md">
                <Radio value="dataset" name="sourceKind" label="An uploaded dataset" />
                <Radio value="sql" name="sourceKind" label="A SQL SELECT on a connector" />
              </Group>
            </Radio.Group>
            {sourceKind === 'dataset' ? (
              sources.datasets.length === 0 ? (
                <Text size="sm" c="dimmed">
                  No CSV is uploaded to this project yet: upload one (multipart) to <Code>POST /api/v1/projects/{sources.project.id}/datasets</Code>, then{' '}
                  <Button variant="subtle" size="compact-sm" onClick={onRefreshSources}>
                    reload the list
                  </Button>
                  .
                </Text>
              ) : (
                <NativeSelect label="Dataset" name="sourceDatasetId" required defaultValue="">
                  <option value="" disabled>
                    Choose a CSV…
                  </option>
                  {sources.datasets.map((dataset) => (
                    <option key={dataset.id} value={dataset.id}>
                      {dataset.fileName} ({formatInteger(dataset.rows)} rows, {formatDateTime(dataset.createdAt)})
                    </option>
                  ))}
                </NativeSelect>
              )
            ) : noConnectors ? (
              <Text size="sm" c="dimmed">
                This project has no connectors yet: add an external PostgreSQL database in the{' '}
                <Anchor component={Link} href={`/projects/${sources.project.id}#connectors`}>
                  project&apos;s Connectors
                </Anchor>
                .
              </Text>
            ) : (
              <>
                <ConnectorSelect label="Connector" name="sourceConnectorId" connectors={sources.connectors} />
                <Textarea
                  label="SELECT"
                  name="sourceSql"
                  required
                  rows={4}
                  placeholder="SELECT * FROM customers WHERE active"
                  spellCheck={false}
                  description="Run read-only, streamed with a cursor. Its columns must match the model's features."
                  inputWrapperOrder={['label', 'input', 'description', 'error']}
                  styles={{ input: { fontFamily: 'var(--mantine-font-family-monospace)' } }}
                />
              </>
            )}
          </>,
        )}

        {fieldset(
          'Destination',
          <>
            <Text size="sm" c="dimmed">
              Each run always writes result files to download.
            </Text>
            <Checkbox
              checked={deliver}
              onChange={(event) => setDeliver(event.currentTarget.checked)}
              disabled={noConnectors}
              label={`Also write the predictions to a table${noConnectors ? ' (needs a connector)' : ''}`}
            />
            {deliver && !noConnectors && (
              <SimpleGrid cols={{ base: 1, sm: 2 }} spacing="sm">
                <ConnectorSelect label="Connector" name="destinationConnectorId" connectors={sources.connectors} />
                <TextInput label="Table" name="destinationTable" required placeholder="predictions" spellCheck={false} autoComplete="off" />
              </SimpleGrid>
            )}
          </>,
        )}

        {fieldset(
          'Schedule',
          <>
            <Radio.Group value={scheduled ? 'yes' : 'no'} onChange={(value) => setScheduled(value === 'yes')} aria-label="Schedule">
              <Group gap="md">
                <Radio value="yes" name="schedule" label="On a schedule" />
                <Radio value="no" name="schedule" label="Manual runs only" />
              </Group>
            </Radio.Group>
            {scheduled && (
              <>
                <Group gap={6} role="group" aria-label="Common schedules">
                  {CRON_PRESETS.map((preset) => (
                    <Button key={preset.cron} size="compact-sm" variant={cron === preset.cron ? 'light' : 'default'} aria-pressed={cron === preset.cron} onClick={() => setCron(preset.cron)}>
                      {preset.label}
                    </Button>
                  ))}
                </Group>
                <SimpleGrid cols={{ base: 1, sm: 2 }} spacing="sm">
                  <TextInput
                    label="Cron"
                    value={cron}
                    onChange={(event) => setCron(event.currentTarget.value)}
                    required
                    spellCheck={false}
                    autoComplete="off"
                    aria-describedby={`${ids}-cron-words`}
                    styles={{ input: { fontFamily: 'var(--mantine-font-family-monospace)' } }}
                  />
                  <TextInput label="Time zone" value={timezone} onChange={(event) => setTimezone(event.currentTarget.value)} list={`${ids}-zones`} required spellCheck={false} autoComplete="off" />
                </SimpleGrid>
                <datalist id={`${ids}-zones`}>
                  {zones.map((zone) => (
                    <option key={zone} value={zone} />
                  ))}
                </datalist>
                <Text id={`${ids}-cron-words`} size="sm" c={words.ok ? 'dimmed' : 'orange.7'}>
                  {words.text || 'minute hour day-of-month month day-of-week'}
                </Text>
              </>
            )}
          </>,
        )}

        <details>
          <summary>
            <Text span size="sm" fw={600}>
              Failures
            </Text>
          </summary>
          <SimpleGrid cols={{ base: 1, sm: 2 }} spacing="sm" mt="xs">
            <NumberInput label="Retries after a failed run" name="retryAttempts" min={0} max={10} step={1} allowDecimal={false} placeholder="server default" />
            <NumberInput label="Fail above this % of invalid rows" name="maxErrorPercent" min={0} max={100} placeholder="server default" />
          </SimpleGrid>
        </details>

        <InlineError mt={0}>{error}</InlineError>
        <Group gap="xs">
          <Button type="submit" disabled={fetching} aria-busy={fetching}>
            {fetching ? 'Creating…' : 'Create pipeline'}
          </Button>
          <Button variant="default" onClick={onCancel}>
            Cancel
          </Button>
        </Group>
      </Stack>
    </Paper>
  );
}

function ConnectorSelect({ label, name, connectors }: { label: string; name: string; connectors: Sources['connectors'] }) {
  return (
    <NativeSelect label={label} name={name} required defaultValue={connectors.length === 1 ? connectors[0]!.id : ''}>
      {connectors.length > 1 && (
        <option value="" disabled>
          Choose a connector…
        </option>
      )}
      {connectors.map((connector) => (
        <option key={connector.id} value={connector.id}>
          {connector.name} ({connector.host}/{connector.database})
        </option>
      ))}
    </NativeSelect>
  );
}

