'use client';

// The server's own pure function, so the preview cannot drift from the slug it derives.
import { slugify } from '../../../server/deployments/slug';
import { Anchor, Button, Group, NativeSelect, Paper, Radio, SimpleGrid, Stack, Text, Textarea, TextInput } from '@mantine/core';
import Link from 'next/link';
import { useRouter } from 'next/navigation';
import { useState, type FormEvent } from 'react';
import { useMutation, useQuery } from 'urql';
import { CreateDeploymentMutation, DeploymentsQuery, type ExperimentData, type ExperimentVersionData } from '../../lib/operations/deployment';
import { fieldOf, messageOf } from '../../lib/errors';
import { ACCESS_LABELS, formatMetric, METRICS_OF_TASK, VALIDATION_LABELS } from '../../lib/format';
import type { ModelData } from '../../lib/operations/deployment';
import { EmptyState } from '../empty-state';

type Access = keyof typeof ACCESS_LABELS;
type Validation = keyof typeof VALIDATION_LABELS;

const readyModels = (version: ExperimentVersionData | undefined) => version?.models.filter((model) => model.status === 'ready') ?? [];
const deployableVersions = (experiment: ExperimentData | undefined) =>
  [...(experiment?.versions ?? [])].filter((version) => readyModels(version).length > 0).sort((a, b) => b.number - a.number);
/** The best ready model of a version (or its first ready one), other than `except`. */
const defaultModel = (version: ExperimentVersionData | undefined, except?: string) => {
  const models = readyModels(version).filter((model) => model.id !== except);
  return (models.find((model) => model.isBest) ?? models[0])?.id ?? '';
};

/** "mlp-64 ★ best — accuracy 0.986": enough to choose a model from a list. */
function modelOption(model: ModelData, task: ExperimentData['task']) {
  const first = METRICS_OF_TASK[task][0]!;
  return `${model.name}${model.isBest ? ' ★ best' : ''} — ${first.label} ${formatMetric(model.metrics?.[first.name])}`;
}

/** Name, experiment, main model and optional challenger, access and validation → createDeployment. */
export function DeployForm({ projectId, experiments }: { projectId: string; experiments: ExperimentData[] }) {
  const router = useRouter();
  const [{ fetching }, createDeployment] = useMutation(CreateDeploymentMutation);
  const deployable = experiments.filter((experiment) => deployableVersions(experiment).length > 0);

  const [experimentId, setExperimentId] = useState(deployable[0]?.id ?? '');
  const experiment = deployable.find((candidate) => candidate.id === experimentId);
  const versions = deployableVersions(experiment);
  const [versionId, setVersionId] = useState(versions[0]?.id ?? '');
  const version = versions.find((candidate) => candidate.id === versionId);
  const [mainModelId, setMainModelId] = useState(defaultModel(version));
  const [challengerVersionId, setChallengerVersionId] = useState('');
  const challengerVersion = versions.find((candidate) => candidate.id === challengerVersionId);
  const [challengerModelId, setChallengerModelId] = useState('');
  const [access, setAccess] = useState<Access>('project');
  const [validationMode, setValidationMode] = useState<Validation>('strict');
  const [name, setName] = useState('');
  const [error, setError] = useState<{ message: string; field: string | null } | null>(null);
  const [created, setCreated] = useState(false);
  // Two deployments with one name are told apart only by their URLs: say so before it happens.
  const [{ data: existing }] = useQuery({ query: DeploymentsQuery, variables: { projectId } });
  const sameName = existing?.deployments.find((deployment) => name.trim() !== '' && deployment.name.trim().toLowerCase() === name.trim().toLowerCase());

  if (deployable.length === 0) {
    return (
      <EmptyState title="Nothing to deploy yet">
        No experiment of this project has a ready model yet: create an experiment and train a version of it from a CSV file (or import a model), then deploy it from here.
        <Group mt="sm" gap="sm">
          <Button component={Link} href={`/projects/${projectId}#new-experiment`}>
            Create an experiment
          </Button>
          <Anchor component={Link} href={`/projects/${projectId}#experiments`} size="sm">
            See the project&apos;s experiments
          </Anchor>
        </Group>
      </EmptyState>
    );
  }

  function chooseExperiment(id: string) {
    const next = deployableVersions(deployable.find((candidate) => candidate.id === id));
    setExperimentId(id);
    setVersionId(next[0]?.id ?? '');
    setMainModelId(defaultModel(next[0]));
    setChallengerVersionId('');
    setChallengerModelId('');
  }

  function chooseVersion(id: string) {
    const next = versions.find((candidate) => candidate.id === id);
    const main = defaultModel(next);
    setVersionId(id);
    setMainModelId(main);
    if (challengerModelId === main) setChallengerModelId(defaultModel(challengerVersion, main));
  }

  function chooseMain(id: string) {
    setMainModelId(id);
    if (challengerModelId === id) setChallengerModelId(defaultModel(challengerVersion, id));
  }

  function chooseChallengerVersion(id: string) {
    setChallengerVersionId(id);
    setChallengerModelId(id ? defaultModel(versions.find((candidate) => candidate.id === id), mainModelId) : '');
  }

  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    setError(null);
    if (challengerVersionId && !challengerModelId) {
      setError({ message: 'Choose the challenger model, or no challenger version', field: 'challengerModelId' });
      return;
    }
    const result = await createDeployment({
      input: {
        projectId,
        name,
        description: String(form.get('description') ?? ''),
        experimentId,
        mainModelId,
        challengerModelId: challengerModelId || null,
        access,
        validationMode,
      },
    });
    if (result.error || !result.data) {
      setError({ message: result.error ? messageOf(result.error) : 'The server gave no answer', field: result.error ? fieldOf(result.error) : null });
      return;
    }
    setCreated(true);
    router.push(`/deployments/${result.data.createDeployment.id}`);
  }

  /** The API's message when it named this field: shown under the field and announced with it. */
  const fieldError = (field: string) => (error?.field === field ? error.message : undefined);
  const challengerChoices = readyModels(challengerVersion).filter((model) => model.id !== mainModelId);
  const busy = fetching || created;

  return (
    <Paper component="form" withBorder p={{ base: 'sm', sm: 'lg' }} onSubmit={submit}>
      <Stack gap="md">
        <TextInput
          id="deploy-name"
          label="Name"
          name="name"
          value={name}
          onChange={(event) => setName(event.currentTarget.value)}
          required
          maxLength={100}
          placeholder="Penguin species"
          description={
            sameName ? (
              <Text span size="xs" c="orange.9" fw={600} data-testid="same-name">
                ⚠ This project already has a deployment named “{sameName.name}” (/d/{sameName.slug}). This one would get another URL; a distinct name avoids mixing them up.
              </Text>
            ) : (
              `Also gives its URL: /d/${slugify(name || 'Penguin species')} (made unique if taken)`
            )
          }
          inputWrapperOrder={['label', 'input', 'description', 'error']}
          error={fieldError('name')}
        />
        <Textarea id="deploy-description" label="Description" description="Optional" name="description" rows={2} placeholder="What it predicts, for whom" />

        <Paper component="fieldset" withBorder p="sm" m={0}>
          <legend>
            <Text fw={600} size="sm" px={4}>
              Models
            </Text>
          </legend>
          <SimpleGrid cols={{ base: 1, sm: 2 }} spacing="sm">
            <NativeSelect id="deploy-experiment" label="Experiment" value={experimentId} onChange={(event) => chooseExperiment(event.currentTarget.value)} error={fieldError('experimentId')}>
              {deployable.map((candidate) => (
                <option key={candidate.id} value={candidate.id}>
                  {candidate.name}
                </option>
              ))}
            </NativeSelect>
            <NativeSelect id="deploy-version" label="Version" value={versionId} onChange={(event) => chooseVersion(event.currentTarget.value)}>
              {versions.map((candidate) => (
                <option key={candidate.id} value={candidate.id}>
                  Version {candidate.number}
                  {candidate.description ? ` — ${candidate.description}` : ''}
                </option>
              ))}
            </NativeSelect>
          </SimpleGrid>
          <NativeSelect
            id="deploy-main"
            label="Main model"
            mt="sm"
            value={mainModelId}
            onChange={(event) => chooseMain(event.currentTarget.value)}
            required
            description="Ready models of this version; it answers every request."
            inputWrapperOrder={['label', 'input', 'description', 'error']}
            error={fieldError('mainModelId')}
          >
            {readyModels(version).map((model) => (
              <option key={model.id} value={model.id}>
                {experiment && modelOption(model, experiment.task)}
              </option>
            ))}
          </NativeSelect>
          <SimpleGrid cols={{ base: 1, sm: 2 }} spacing="sm" mt="sm">
            <NativeSelect
              id="deploy-challenger-version"
              label="Challenger version"
              value={challengerVersionId}
              onChange={(event) => chooseChallengerVersion(event.currentTarget.value)}
              aria-describedby="deploy-challenger-hint"
            >
              <option value="">No challenger</option>
              {versions.map((candidate) => (
                <option key={candidate.id} value={candidate.id}>
                  Version {candidate.number}
                </option>
              ))}
            </NativeSelect>
            <NativeSelect
              id="deploy-challenger"
              label="Challenger model"
              value={challengerModelId}
              onChange={(event) => setChallengerModelId(event.currentTarget.value)}
              disabled={!challengerVersionId}
              error={fieldError('challengerModelId')}
            >
              {!challengerVersionId && <option value="">—</option>}
              {challengerVersionId && challengerChoices.length === 0 && <option value="">No other ready model in this version</option>}
              {challengerChoices.map((model) => (
                <option key={model.id} value={model.id}>
                  {experiment && modelOption(model, experiment.task)}
                </option>
              ))}
            </NativeSelect>
          </SimpleGrid>
          <Text size="xs" c="dimmed" mt={6} id="deploy-challenger-hint">
            Optional: a second model of the same experiment that gets the same rows after each answer, off the latency path, to compare with the main one.
          </Text>
        </Paper>

        <Radio.Group label="Who may call it" value={access} onChange={(value) => setAccess(value as Access)} error={fieldError('access')}>
          <Stack gap="xs" mt={6}>
            {(Object.keys(ACCESS_LABELS) as Access[]).map((level) => (
              <Radio key={level} value={level} name="access" label={ACCESS_LABELS[level].label} description={ACCESS_LABELS[level].rule} />
            ))}
          </Stack>
        </Radio.Group>

        <Radio.Group label="Input validation" value={validationMode} onChange={(value) => setValidationMode(value as Validation)}>
          <Stack gap="xs" mt={6}>
            {(Object.keys(VALIDATION_LABELS) as Validation[]).map((mode) => (
              <Radio key={mode} value={mode} name="validationMode" label={VALIDATION_LABELS[mode].label} description={VALIDATION_LABELS[mode].rule} />
            ))}
          </Stack>
        </Radio.Group>

        {error && (
          <Text size="sm" c="red" role="alert">
            {error.message}
          </Text>
        )}
        <Group justify="flex-end" gap="sm">
          <Button component={Link} href={`/projects/${projectId}`} variant="default">
            Cancel
          </Button>
          <Button type="submit" loading={busy} aria-busy={busy}>
            Deploy
          </Button>
        </Group>
      </Stack>
    </Paper>
  );
}
