'use client';

import { useId, useMemo, useState, type ChangeEvent, type FormEvent } from 'react';
import { useMutation, useQuery } from 'urql';
import Link from 'next/link';
import { Anchor, Button, Checkbox, Group, Input, NativeSelect, NumberInput, Paper, Progress, Radio, SimpleGrid, Stack, Text, Textarea, TextInput, Title } from '@mantine/core';
import { fieldOf, messageOf } from '../../../lib/errors';
import { formatDateTime, formatInteger } from '../../../lib/format';
import { CreatePipelineMutation, DeploymentFeaturesQuery, type PipelineSourcesData as Sources } from '../../../lib/operations/pipelines';
import { uploadDataset } from '../../../lib/upload';
import { InlineError } from '../../error-message';
import { browserTimeZone, CRON_PRESETS, describeCron, timeZones } from './schedule';

type Dataset = Omit<Sources['datasets'][number], 'createdAt'> & { createdAt?: string };

/** The inputs the server may name in a BAD_USER_INPUT answer, shown next to that input. */
type Field = 'name' | 'sourceDatasetId' | 'sourceSql' | 'destinationTable';
const FIELDS: readonly string[] = ['name', 'sourceDatasetId', 'sourceSql', 'destinationTable'] satisfies Field[];

/** The features of the deployment's current main model, once known (null: not known, the server checks). */
function useDeploymentFeatures(deploymentId: string): { slug: string; features: string[] } | null {
  const [{ data }] = useQuery({ query: DeploymentFeaturesQuery, variables: { deploymentId } });
  if (!data) return null;
  const current = data.deployment.versions.find((version) => version.current);
  const version = current && data.deployment.experiment.versions.find((candidate) => candidate.id === current.mainModel.versionId);
  const features = (version?.preprocessing as { features?: Array<{ name?: unknown }> } | null | undefined)?.features;
  if (!Array.isArray(features)) return null;
  return { slug: data.deployment.slug, features: features.map((feature) => String(feature.name)) };
}

/** Why the dataset cannot feed the model, in the server's words, or null when it can. */
function columnProblem(dataset: Dataset | undefined, model: { slug: string; features: string[] } | null): string | null {
  if (!dataset || !model) return null;
  const columns = new Set(dataset.columns);
  const missing = model.features.filter((feature) => !columns.has(feature));
  if (missing.length === 0) return null;
  return `${dataset.fileName} has no column ${missing.map((name) => `"${name}"`).join(', ')}, which the model of ${model.slug} needs`;
}

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
  const [fieldErrors, setFieldErrors] = useState<Partial<Record<Field, string>>>({});
  const [datasetId, setDatasetId] = useState('');
  const [uploads, setUploads] = useState<Dataset[]>([]);
  const [upload, setUpload] = useState<{ fileName: string; share: number; error?: string } | null>(null);
  const model = useDeploymentFeatures(deploymentId);
  const datasets: Dataset[] = [...uploads, ...sources.datasets.filter((dataset) => !uploads.some((mine) => mine.id === dataset.id))];
  const chosen = datasets.find((dataset) => dataset.id === datasetId);
  const [{ fetching }, create] = useMutation(CreatePipelineMutation);
  const zones = useMemo(timeZones, []);
  const words = describeCron(cron);
  const noConnectors = sources.connectors.length === 0;

  async function uploadFile(event: ChangeEvent<HTMLInputElement>) {
    const input = event.currentTarget;
    const file = input.files?.[0];
    if (!file) return;
    setUpload({ fileName: file.name, share: 0 });
    try {
      const dataset = await uploadDataset(sources.project.id, file, (share) => setUpload({ fileName: file.name, share }));
      setUploads((previous) => [dataset, ...previous]);
      chooseDataset(dataset.id, dataset);
      setUpload({ fileName: file.name, share: 1 });
      onRefreshSources();
    } catch (failure) {
      setUpload({ fileName: file.name, share: 0, error: (failure as Error).message });
    } finally {
      input.value = '';
    }
  }

  // Checked as soon as a dataset is chosen: the columns are known, the model's features too.
  function chooseDataset(id: string, dataset = datasets.find((candidate) => candidate.id === id)) {
    setDatasetId(id);
    setFieldErrors((previous) => ({ ...previous, sourceDatasetId: columnProblem(dataset, model) ?? undefined }));
  }

  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    if (sourceKind === 'dataset') {
      const problem = columnProblem(chosen, model);
      if (problem) {
        setFieldErrors({ sourceDatasetId: problem });
        return;
      }
    }
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
    setFieldErrors({});
    const maxErrorPercent = number('maxErrorPercent');
    const result = await create({
      input: {
        deploymentId,
        name: text('name') ?? '',
        sourceKind,
        sourceDatasetId: sourceKind === 'dataset' ? datasetId || null : null,
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
    if (result.error) {
      const field = fieldOf(result.error);
      const message = messageOf(result.error);
      if (field && FIELDS.includes(field)) setFieldErrors({ [field]: message.replace(new RegExp(`^${field}: `), '') });
      else setError(message);
    } else onDone();
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
        <TextInput label="Name" name="name" required maxLength={100} placeholder="Nightly scoring" data-autofocus autoFocus error={fieldErrors.name} />

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
              <>
                {datasets.length === 0 ? (
                  <Text size="sm" c="dimmed">
                    No CSV is uploaded to this project yet: upload one below.
                  </Text>
                ) : (
                  <NativeSelect
                    label="Dataset"
                    name="sourceDatasetId"
                    required
                    value={datasetId}
                    onChange={(event) => chooseDataset(event.currentTarget.value)}
                    error={fieldErrors.sourceDatasetId}
                    description={model ? `Needs the columns ${model.features.join(', ')}` : undefined}
                    inputWrapperOrder={['label', 'input', 'error', 'description']}
                  >
                    <option value="" disabled>
                      Choose a CSV…
                    </option>
                    {datasets.map((dataset) => (
                      <option key={dataset.id} value={dataset.id}>
                        {dataset.fileName} ({formatInteger(dataset.rows)} rows{dataset.createdAt ? `, ${formatDateTime(dataset.createdAt)}` : ''})
                      </option>
                    ))}
                  </NativeSelect>
                )}
                <Input.Wrapper label="Upload a CSV" description="Its first line names the columns. It is added to the project's datasets and chosen here." inputWrapperOrder={['label', 'input', 'description']}>
                  <input
                    type="file"
                    accept=".csv,text/csv"
                    onChange={uploadFile}
                    disabled={upload !== null && upload.share < 1 && !upload.error}
                    aria-label="Upload a CSV"
                    style={{ display: 'block', maxWidth: '100%', fontSize: 'var(--mantine-font-size-sm)' }}
                  />
                </Input.Wrapper>
                {upload && (
                  <Stack gap={4} role="status" data-testid="dataset-upload">
                    <Progress value={Math.round(upload.share * 100)} aria-label={`Upload of ${upload.fileName}`} color={upload.error ? 'red' : undefined} />
                    <Text size="sm" c={upload.error ? 'red.8' : undefined}>
                      {upload.error
                        ? `${upload.fileName} was not uploaded: ${upload.error}`
                        : upload.share < 1
                          ? `Uploading ${upload.fileName}… ${Math.round(upload.share * 100)} %`
                          : `Uploaded ${upload.fileName}`}
                    </Text>
                  </Stack>
                )}
              </>
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
                  error={fieldErrors.sourceSql}
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
                <TextInput label="Table" name="destinationTable" required placeholder="predictions" spellCheck={false} autoComplete="off" error={fieldErrors.destinationTable} />
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

