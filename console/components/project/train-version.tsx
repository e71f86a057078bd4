'use client';

import { Button, Checkbox, Group, Input, NativeSelect, Paper, Stack, Table, Text, TextInput, Title } from '@mantine/core';
import { useEffect, useId, useState, type FormEvent } from 'react';
import { useMutation, useSubscription } from 'urql';
import { TrainExperimentVersionMutation, TrainingProgressSubscription, type DatasetData, type TrainingProgressData } from '../../lib/operations/account';
import type { ExperimentData } from '../../lib/operations/deployment';
import { messageOf } from '../../lib/errors';
import { formatMetric } from '../../lib/format';

const TYPES = ['numeric', 'categorical', 'boolean'] as const;

interface FeatureChoice {
  name: string;
  inferred: string;
  type: (typeof TYPES)[number];
  include: boolean;
}

/** Uploads a CSV to the REST route: multipart, same origin, the session cookie. */
export async function uploadCsv(projectId: string, file: File): Promise<DatasetData> {
  const form = new FormData();
  form.append('file', file, file.name);
  const response = await fetch(`/api/v1/projects/${encodeURIComponent(projectId)}/datasets`, { method: 'POST', body: form, credentials: 'same-origin' });
  const body = (await response.json().catch(() => null)) as (DatasetData & { error?: string }) | null;
  if (!response.ok || !body) throw new Error(body?.error ?? `Upload failed (HTTP ${response.status})`);
  return body;
}

/**
 * "New version by training": upload a CSV, review its columns and their types, start training,
 * then follow the candidates' epochs live until the version is ready or failed.
 */
export function TrainVersion({ projectId, experiment, onChanged, onClose }: { projectId: string; experiment: ExperimentData; onChanged: () => void; onClose: () => void }) {
  const [dataset, setDataset] = useState<DatasetData | null>(null);
  const [features, setFeatures] = useState<FeatureChoice[]>([]);
  const [uploading, setUploading] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [versionId, setVersionId] = useState<string | null>(null);
  const [{ fetching: starting }, train] = useMutation(TrainExperimentVersionMutation);
  const fileId = useId();

  async function upload(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const file = new FormData(event.currentTarget).get('file');
    if (!(file instanceof File) || file.size === 0) {
      setError('Choose a CSV file first');
      return;
    }
    setError(null);
    setUploading(true);
    try {
      const uploaded = await uploadCsv(projectId, file);
      setDataset(uploaded);
      setFeatures(
        uploaded.inferredSchema
          .filter((column) => column.name !== experiment.targetColumn)
          .map((column) => ({ name: column.name, inferred: column.type, type: column.type, include: true })),
      );
      if (!uploaded.columns.includes(experiment.targetColumn)) {
        setError(`The file has no “${experiment.targetColumn}” column, which this experiment predicts`);
      }
    } catch (caught) {
      setError(caught instanceof Error ? caught.message : String(caught));
    } finally {
      setUploading(false);
    }
  }

  async function start(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    if (!dataset) return;
    const description = String(new FormData(event.currentTarget).get('description') ?? '').trim();
    setError(null);
    const result = await train({
      input: {
        experimentId: experiment.id,
        datasetId: dataset.id,
        description: description || null,
        features: features.filter((feature) => feature.include).map((feature) => ({ name: feature.name, type: feature.type as (typeof TYPES)[number], nullable: true })),
      },
    });
    if (result.error || !result.data) {
      setError(result.error ? messageOf(result.error) : 'No answer from the server');
      return;
    }
    setVersionId(result.data.trainExperimentVersion.id);
    onChanged();
  }

  const update = (name: string, change: Partial<FeatureChoice>) => setFeatures((current) => current.map((feature) => (feature.name === name ? { ...feature, ...change } : feature)));

  return (
    <Paper component="section" withBorder p="md" mt="sm" bg="var(--mantine-color-default-hover)" aria-label={`Train a new version of ${experiment.name}`}>
      <Group justify="space-between" mb="xs">
        <Title order={4} size="h5">
          New version by training
        </Title>
        <Button onClick={onClose} variant="default" size="xs">
          {versionId ? 'Close' : 'Cancel'}
        </Button>
      </Group>
      {versionId ? (
        <TrainingProgressView versionId={versionId} experiment={experiment} onChanged={onChanged} />
      ) : (
        <>
          <form onSubmit={upload}>
<Group align="flex-end" gap="sm">
            <Input.Wrapper label="Training CSV" id={fileId} required>
              <input id={fileId} className="file-input" name="file" type="file" accept=".csv,text/csv" required />
            </Input.Wrapper>
            <Button type="submit" variant={dataset ? 'default' : 'filled'} disabled={uploading} aria-busy={uploading}>
              {uploading ? 'Uploading…' : dataset ? 'Upload another file' : 'Upload CSV'}
            </Button>
          </Group>
</form>
          {dataset && (
            <form onSubmit={start}>
<Stack gap="sm" mt="md">
              <Text size="sm" c="dimmed" role="status">
                {dataset.fileName}: {dataset.rows} rows, {dataset.columns.length} columns. <strong>{experiment.targetColumn}</strong> is the target; choose the features and
                their types.
              </Text>
              <Table.ScrollContainer minWidth={0} type="native">
                <Table aria-label="Features" withTableBorder verticalSpacing={6} fz="sm">
                  <Table.Thead>
                    <Table.Tr>
                      <Table.Th scope="col">Use</Table.Th>
                      <Table.Th scope="col">Column</Table.Th>
                      <Table.Th scope="col">Inferred type</Table.Th>
                      <Table.Th scope="col">Type</Table.Th>
                    </Table.Tr>
                  </Table.Thead>
                  <Table.Tbody>
                    {features.map((feature) => (
                      <Table.Tr key={feature.name} data-feature={feature.name}>
                        <Table.Td>
                          <Checkbox aria-label={`Use ${feature.name}`} checked={feature.include} onChange={(event) => update(feature.name, { include: event.currentTarget.checked })} />
                        </Table.Td>
                        <Table.Td fw={600}>{feature.name}</Table.Td>
                        <Table.Td c="dimmed">{feature.inferred}</Table.Td>
                        <Table.Td>
                          <NativeSelect
                            aria-label={`Type of ${feature.name}`}
                            size="xs"
                            value={feature.type}
                            disabled={!feature.include}
                            data={[...TYPES]}
                            onChange={(event) => update(feature.name, { type: event.currentTarget.value as FeatureChoice['type'] })}
                          />
                        </Table.Td>
                      </Table.Tr>
                    ))}
                  </Table.Tbody>
                </Table>
              </Table.ScrollContainer>
              <TextInput label="Version description" description="Optional" name="description" maxLength={200} placeholder="What changed in this version" />
              <Group>
                <Button type="submit" disabled={starting || !features.some((feature) => feature.include)} aria-busy={starting}>
                  {starting ? 'Starting…' : 'Start training'}
                </Button>
              </Group>
            </Stack>
</form>
          )}
        </>
      )}
      {error && (
        <Text size="sm" c="red" role="alert" mt="xs">
          {error}
        </Text>
      )}
    </Paper>
  );
}

/** Live epochs per candidate from `trainingProgress`, then the version's final status. */
function TrainingProgressView({ versionId, experiment, onChanged }: { versionId: string; experiment: ExperimentData; onChanged: () => void }) {
  const [candidates, setCandidates] = useState<Record<string, TrainingProgressData>>({});
  const [final, setFinal] = useState<TrainingProgressData | null>(null);
  const version = experiment.versions.find((candidate) => candidate.id === versionId);
  const status = final?.status ?? (version && version.status !== 'training' ? version.status : 'training');
  const done = status !== 'training';

  const [{ error }] = useSubscription({ query: TrainingProgressSubscription, variables: { versionId }, pause: done }, (_previous: unknown, response) => {
    const progress = response.trainingProgress;
    if (progress.status !== 'training') setFinal(progress);
    else if (progress.candidate) setCandidates((current) => ({ ...current, [progress.candidate!]: progress }));
    return response;
  });

  // Subscriptions do not replay what happened before they opened: the experiments query is
  // the fallback for a version that finished first, so it is polled while training lasts.
  useEffect(() => {
    if (done) {
      onChanged();
      return;
    }
    const timer = setInterval(onChanged, 3000);
    return () => clearInterval(timer);
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [done]);

  const rows = Object.values(candidates);
  return (
    <Stack gap="sm" data-testid="training-progress">
      <Text role="status" aria-live="polite" size="sm" fw={500} c={status === 'failed' ? 'red' : status === 'ready' ? 'teal' : undefined}>
        {status === 'training' && `Training version ${version?.number ?? ''}…`}
        {status === 'ready' && `Version ${version?.number ?? ''} is ready: its models are listed below.`}
        {status === 'failed' && `Training failed${final?.message || version?.failureReason ? `: ${final?.message ?? version?.failureReason}` : ''}`}
      </Text>
      {error && <Text size="sm" c="red">Live progress unavailable ({messageOf(error)}); the status still updates.</Text>}
      {rows.length > 0 && (
        <Table.ScrollContainer minWidth={0} type="native">
          <Table aria-label="Training progress" withTableBorder verticalSpacing={6} fz="sm">
            <Table.Thead>
              <Table.Tr>
                <Table.Th scope="col">Candidate</Table.Th>
                <Table.Th scope="col" ta="right">
                  Epoch
                </Table.Th>
                <Table.Th scope="col" ta="right">
                  Loss
                </Table.Th>
                <Table.Th scope="col" ta="right">
                  Validation loss
                </Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {rows.map((row) => (
                <Table.Tr key={row.candidate}>
                  <Table.Td fw={600}>{row.candidate}</Table.Td>
                  <Table.Td ta="right">{row.epoch ?? '—'}</Table.Td>
                  <Table.Td ta="right">{formatMetric(row.loss)}</Table.Td>
                  <Table.Td ta="right">{formatMetric(row.valLoss)}</Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
      )}
      {!done && rows.length === 0 && <Text size="sm" c="dimmed">Waiting for the first epoch…</Text>}
    </Stack>
  );
}
