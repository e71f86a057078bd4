'use client';

import { Badge, Button, Card, Group, NativeSelect, Paper, SimpleGrid, Stack, Text, TextInput, Title, VisuallyHidden } from '@mantine/core';
import { useEffect, useMemo, useState, type FormEvent } from 'react';
import { useMutation, useQuery } from 'urql';
import { CreateExperimentMutation } from '../../lib/operations/account';
import { ExperimentsQuery, type ExperimentData } from '../../lib/operations/deployment';
import { messageOf } from '../../lib/errors';
import { formatDate } from '../../lib/format';
import { Loading } from '../app-shell';
import { EmptyState } from '../empty-state';
import { ErrorMessage, InlineError } from '../error-message';
import { StateBadge } from '../status-badges';
import { ModelMetricsTable } from '../model-metrics';
import { ImportVersion } from './import-version';
import { TrainVersion } from './train-version';

const TASK_LABELS = { regression: 'Regression', binary: 'Binary classification', multiclass: 'Multiclass classification' } as const;

/** A project's experiments, each version with its candidate models' metrics side by side. */
export function ExperimentsList({ projectId, canEdit = false }: { projectId: string; canEdit?: boolean }) {
  const context = useMemo(() => ({ additionalTypenames: ['Experiment'] }), []);
  const [{ data, fetching, error }, refetch] = useQuery({ query: ExperimentsQuery, variables: { projectId }, context, requestPolicy: 'cache-and-network' });
  const reload = () => refetch({ requestPolicy: 'network-only' });

  if (error && !data) return <ErrorMessage message={messageOf(error)} onRetry={reload} />;
  if (!data) return fetching ? <Loading what="experiments" /> : null;
  return (
    <>
      {canEdit && <NewExperiment projectId={projectId} onCreated={reload} />}
      {data.experiments.length === 0 ? (
        <EmptyState title="No experiments yet">
          {canEdit ? 'Create one, then train a version from a CSV file' : 'A contributor of the project creates them and trains models from CSV files'}; they appear here with their
          metrics.
        </EmptyState>
      ) : (
        <Stack component="ul" gap="md" aria-label="Experiments" p={0} m={0} style={{ listStyle: 'none' }}>
          {data.experiments.map((experiment) => (
            <ExperimentCard key={experiment.id} projectId={projectId} experiment={experiment} canEdit={canEdit} onChanged={reload} />
          ))}
        </Stack>
      )}
    </>
  );
}

/** "New experiment": a name, a task and the column its models predict. */
function NewExperiment({ projectId, onCreated }: { projectId: string; onCreated: () => void }) {
  const [open, setOpen] = useState(false);
  // "Create an experiment" on an empty deploy page links here: open the form, in view.
  useEffect(() => {
    if (window.location.hash === '#new-experiment') setOpen(true);
  }, []);
  const [{ fetching }, create] = useMutation(CreateExperimentMutation);
  const [error, setError] = useState<string | null>(null);

  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    const task = String(form.get('task'));
    setError(null);
    const result = await create({
      input: {
        projectId,
        name: String(form.get('name')).trim(),
        description: String(form.get('description') ?? '').trim() || null,
        task: task === 'regression' || task === 'binary' ? task : 'multiclass',
        targetColumn: String(form.get('targetColumn')).trim(),
      },
    });
    if (result.error) {
      setError(messageOf(result.error));
      return;
    }
    setOpen(false);
    onCreated();
  }

  if (!open) {
    return (
      <Group mb="md">
        <Button onClick={() => setOpen(true)}>New experiment</Button>
      </Group>
    );
  }
  return (
    <Paper component="form" withBorder p="md" mb="md" onSubmit={submit} aria-label="New experiment">
      <Title order={3} size="h4" mb="sm">
        New experiment
      </Title>
      <SimpleGrid cols={{ base: 1, sm: 2 }} spacing="sm">
        <TextInput label="Experiment name" name="name" required maxLength={100} autoFocus placeholder="Penguin species" />
        <NativeSelect label="Task" name="task" defaultValue="multiclass" data={Object.entries(TASK_LABELS).map(([value, label]) => ({ value, label }))} />
        <TextInput label="Target column" name="targetColumn" required placeholder="The CSV column the models predict" />
        <TextInput label="Description" description="Optional" name="description" />
      </SimpleGrid>
      <Group justify="flex-end" mt="md" gap="sm">
        <Button variant="default" onClick={() => setOpen(false)}>
          Cancel
        </Button>
        <Button type="submit" loading={fetching} aria-busy={fetching}>
          Create experiment
        </Button>
      </Group>
      <InlineError>{error}</InlineError>
    </Paper>
  );
}

function ExperimentCard({ projectId, experiment, canEdit, onChanged }: { projectId: string; experiment: ExperimentData; canEdit: boolean; onChanged: () => void }) {
  const versions = [...experiment.versions].sort((a, b) => b.number - a.number);
  const [training, setTraining] = useState(false);
  const [importing, setImporting] = useState(false);
  return (
    <Card component="li" withBorder padding="md">
      <Group justify="space-between" gap="xs" align="flex-start">
        <Title order={3} size="h4">
          {experiment.name}
        </Title>
        <Badge variant="light">{TASK_LABELS[experiment.task]}</Badge>
      </Group>
      <Text size="sm" c="dimmed">
        Predicts <strong>{experiment.targetColumn}</strong> · created {formatDate(experiment.createdAt)}
      </Text>
      {experiment.description && <Text size="sm">{experiment.description}</Text>}
      {canEdit && !training && !importing && (
        <Group gap="xs" mt="sm">
          <Button variant="default" size="xs" onClick={() => setTraining(true)}>
            New version by training<VisuallyHidden> of {experiment.name}</VisuallyHidden>
          </Button>
          <Button variant="default" size="xs" onClick={() => setImporting(true)}>
            Import a model<VisuallyHidden> into {experiment.name}</VisuallyHidden>
          </Button>
        </Group>
      )}
      {training && <TrainVersion projectId={projectId} experiment={experiment} onChanged={onChanged} onClose={() => setTraining(false)} />}
      {importing && <ImportVersion projectId={projectId} experiment={experiment} onChanged={onChanged} onClose={() => setImporting(false)} />}
      {versions.length === 0 && (
        <Text c="dimmed" size="sm" mt="sm">
          No versions yet.
        </Text>
      )}
      {versions.map((version) => (
        <section key={version.id} aria-label={`${experiment.name} version ${version.number}`} style={{ marginTop: 'var(--mantine-spacing-md)' }}>
          <Group gap="xs" mb={6}>
            <Title order={4} size="h5">
              Version {version.number}
            </Title>
            {version.status !== 'ready' && <StateBadge tone={version.status === 'failed' ? 'bad' : 'pending'}>{version.status}</StateBadge>}
            {version.description && (
              <Text size="sm" c="dimmed">
                — {version.description}
              </Text>
            )}
          </Group>
          {version.status === 'failed' && version.failureReason && (
            <Text c="red" size="sm">
              {version.failureReason}
            </Text>
          )}
          {version.models.length === 0 ? (
            <Text size="sm" c="dimmed">
              {version.status === 'training' ? 'Training its candidate models…' : 'No models.'}
            </Text>
          ) : (
            <ModelMetricsTable
              task={experiment.task}
              caption={`Holdout metrics of the models of ${experiment.name} version ${version.number}`}
              models={version.models.map((model) => ({ ...model, detail: model.name.startsWith(model.algorithm) ? undefined : model.algorithm }))}
            />
          )}
        </section>
      ))}
    </Card>
  );
}
