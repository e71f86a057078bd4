'use client';

import { Alert, Badge, Button, Group, List, NativeSelect, Stack, Table, Text, VisuallyHidden } from '@mantine/core';
import { useState, type FormEvent } from 'react';
import { useMutation } from 'urql';
import {
  DeployModelVersionMutation,
  RollbackDeploymentMutation,
  type DeploymentData,
  type DeploymentVersionData,
} from '../../lib/operations/deployment';
import { messageOf } from '../../lib/errors';
import { formatDateTime, formatMetric, METRICS_OF_TASK } from '../../lib/format';
import { ConfirmDialog } from '../confirm-dialog';
import { SectionCard } from '../section-card';
import { modelLabel, versionNumbers } from './model-names';


/** Every version of a deployment, a form to deploy a new one, and rollback to an earlier one. */
export function VersionsSection({ deployment, canChange, onChanged }: { deployment: DeploymentData; canChange: boolean | null; onChanged: () => void }) {
  const numbers = versionNumbers(deployment);
  const currentNumber = deployment.currentVersion ?? 0;
  // Going back to an older version is a rollback; to a newer one (after a rollback), a switch forward.
  const switchWord = (version: { number: number }) => (version.number < currentNumber ? 'Roll back' : 'Switch forward');
  const [rollbackTo, setRollbackTo] = useState<DeploymentVersionData | null>(null);
  const [{ fetching: rollingBack }, rollback] = useMutation(RollbackDeploymentMutation);
  const [rollbackError, setRollbackError] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(null);

  async function confirmRollback() {
    if (!rollbackTo) return;
    setRollbackError(null);
    const result = await rollback({ deploymentVersionId: rollbackTo.id });
    if (result.error) {
      setRollbackError(messageOf(result.error));
      return;
    }
    setNotice(`${rollbackTo.number < currentNumber ? 'Rolled back' : 'Switched forward'} to version ${rollbackTo.number}.`);
    setRollbackTo(null);
    onChanged();
  }

  return (
    <Stack gap="md">
      {canChange ? (
        <NewVersionForm
          deployment={deployment}
          numbers={numbers}
          onDeployed={(number) => {
            setNotice(`Version ${number} deployed.`);
            onChanged();
          }}
        />
      ) : canChange === false ? (
        <Text size="sm" c="dimmed">Deploying a version or rolling back takes the contributor role in this project.</Text>
      ) : null}
      {notice && (
        <Alert color="teal" variant="light" role="status" p="xs">
          {notice}
        </Alert>
      )}

      <SectionCard id="versions-title" title="Deployment versions">
        <Table.ScrollContainer minWidth={0} type="native">
          <Table  aria-label="Deployment versions" withTableBorder verticalSpacing={6} fz="sm">
            <Table.Thead>
              <Table.Tr>
                <Table.Th scope="col" ta="right">
                  Version
                </Table.Th>
                <Table.Th scope="col">Main</Table.Th>
                <Table.Th scope="col">Challenger</Table.Th>
                <Table.Th scope="col">Author</Table.Th>
                <Table.Th scope="col">Date</Table.Th>
                <Table.Th scope="col">
                  <VisuallyHidden>Current or rollback</VisuallyHidden>
                </Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {deployment.versions.map((version) => (
                <Table.Tr key={version.id} className={version.current ? 'current' : undefined} data-version={version.number} bg={version.current ? 'var(--mantine-primary-color-light)' : undefined}>
                  <Table.Th scope="row" data-label="Version" ta="right">
                    {version.number}
                  </Table.Th>
                  <Table.Td data-label="Main">{modelLabel(version.mainModel, numbers)}</Table.Td>
                  <Table.Td data-label="Challenger">{version.challengerModel ? modelLabel(version.challengerModel, numbers) : <Text span c="dimmed" inherit>none</Text>}</Table.Td>
                  <Table.Td data-label="Author">{version.createdBy ? version.createdBy.name || version.createdBy.email : <Text span c="dimmed" inherit>unknown</Text>}</Table.Td>
                  <Table.Td data-label="Date">{formatDateTime(version.createdAt)}</Table.Td>
                  <Table.Td data-label="">
                    {version.current ? (
                      <Badge variant="filled" size="sm">
                        current
                      </Badge>
                    ) : !canChange ? null : (
                      <Button
                        
                        onClick={() => {
                          setRollbackError(null);
                          setRollbackTo(version);
                        }} variant="subtle" size="compact-sm">
                        {switchWord(version)} to version {version.number}
                      </Button>
                    )}
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
      </SectionCard>

      <SectionCard id="history-title" title="History">
        {deployment.events.length === 0 ? (
          <Text c="dimmed">No switches yet.</Text>
        ) : (
          <List component="ol" size="sm" spacing={4} listStyleType="none" styles={{ root: { paddingLeft: 0 } }}>
            {deployment.events.map((event) => (
              <List.Item key={event.id}>
                <Text span c="dimmed" inherit>
                  {formatDateTime(event.createdAt)}
                </Text>{' '}
                {event.kind === 'created'
                  ? `Created with version ${event.toVersion}`
                  : event.kind === 'deployed'
                    ? `Deployed version ${event.toVersion}${event.fromVersion ? `, replacing version ${event.fromVersion}` : ''}`
                    : `Rolled back from version ${event.fromVersion ?? '?'} to version ${event.toVersion}`}
              </List.Item>
            ))}
          </List>
        )}
      </SectionCard>

      <ConfirmDialog
        open={rollbackTo !== null}
        title={`${rollbackTo ? switchWord(rollbackTo) : 'Roll back'} to version ${rollbackTo?.number ?? ''}?`}
        confirmLabel={rollbackTo ? switchWord(rollbackTo) : 'Roll back'}
        busyLabel="Switching…"
        busy={rollingBack}
        error={rollbackError}
        onConfirm={confirmRollback}
        onCancel={() => setRollbackTo(null)}
      >
        {rollbackTo && (
          <Text size="sm">
            Version {rollbackTo.number} becomes current again: <strong>{modelLabel(rollbackTo.mainModel, numbers)}</strong> answers
            {rollbackTo.challengerModel ? (
              <>
                , with <strong>{modelLabel(rollbackTo.challengerModel, numbers)}</strong> as challenger
              </>
            ) : (
              ', without a challenger'
            )}
            . Its models load first; requests in flight finish on the current ones.
          </Text>
        )}
      </ConfirmDialog>
    </Stack>
  );
}

function NewVersionForm({ deployment, numbers, onDeployed }: { deployment: DeploymentData; numbers: Map<string, number>; onDeployed: (number: number) => void }) {
  const current = deployment.versions.find((version) => version.current);
  const [mainModelId, setMainModelId] = useState(current?.mainModel.id ?? '');
  const [challengerModelId, setChallengerModelId] = useState(current?.challengerModel?.id ?? '');
  const [{ fetching }, deploy] = useMutation(DeployModelVersionMutation);
  const [error, setError] = useState<string | null>(null);
  const task = deployment.experiment.task;
  const metric = METRICS_OF_TASK[task][0]!;
  const versions = [...deployment.experiment.versions].sort((a, b) => b.number - a.number);
  const nextNumber = Math.max(0, ...deployment.versions.map((version) => version.number)) + 1;

  const options = (except?: string) =>
    versions.map((version) => {
      const ready = version.models.filter((model) => model.status === 'ready' && model.id !== except);
      if (ready.length === 0) return null;
      return (
        <optgroup key={version.id} label={`Experiment version ${version.number}`}>
          {ready.map((model) => (
            <option key={model.id} value={model.id}>
              {modelLabel(model, numbers)}
              {model.isBest ? ' ★ best' : ''} — {metric.label} {formatMetric(model.metrics?.[metric.name])}
            </option>
          ))}
        </optgroup>
      );
    });

  const [confirming, setConfirming] = useState(false);
  const modelById = new Map(deployment.experiment.versions.flatMap((version) => version.models.map((model) => [model.id, model] as const)));
  const labelOf = (id: string) => {
    const model = modelById.get(id);
    return model ? modelLabel(model, numbers) : id;
  };

  // Like a rollback, deploying changes what answers every client: asked first.
  function submit(event: FormEvent) {
    event.preventDefault();
    setError(null);
    setConfirming(true);
  }

  async function confirmDeploy() {
    setError(null);
    const result = await deploy({ deploymentId: deployment.id, mainModelId, challengerModelId: challengerModelId || null });
    if (result.error || !result.data) {
      setError(result.error ? messageOf(result.error) : 'The server gave no answer');
      return;
    }
    setConfirming(false);
    onDeployed(result.data.deployModelVersion.number);
  }

  return (
    <SectionCard
      id="new-version-title"
      title="Deploy a new version"
      description={`Any ready models of any version of ${deployment.experiment.name}. The new models load first, then take over without clients noticing.`}
    >
      <form onSubmit={submit}>
        <Group align="flex-end" gap="sm" wrap="wrap">
        <NativeSelect
          label="Main model"
          style={{ flex: '1 1 18rem' }}
          value={mainModelId}
          onChange={(event) => {
            const value = event.currentTarget.value;
            setMainModelId(value);
            if (value === challengerModelId) setChallengerModelId('');
          }}
          required
        >
          {options()}
        </NativeSelect>
        <NativeSelect label="Challenger model" style={{ flex: '1 1 18rem' }} value={challengerModelId} onChange={(event) => setChallengerModelId(event.currentTarget.value)}>
          <option value="">No challenger</option>
          {options(mainModelId)}
        </NativeSelect>
        <Button type="submit" disabled={fetching || !mainModelId} aria-busy={fetching}>
          {fetching ? 'Deploying…' : `Deploy as version ${nextNumber}`}
        </Button>
        </Group>
        {error && !confirming && (
          <Text size="sm" c="red" role="alert" mt="xs">
            {error}
          </Text>
        )}
      </form>
      <ConfirmDialog
        open={confirming}
        title={`Deploy version ${nextNumber}?`}
        confirmLabel={`Deploy version ${nextNumber}`}
        busyLabel="Deploying…"
        busy={fetching}
        error={error}
        onConfirm={confirmDeploy}
        onCancel={() => {
          setError(null);
          setConfirming(false);
        }}
      >
        <Text size="sm">
          <strong>{labelOf(mainModelId)}</strong> answers every request
          {challengerModelId ? (
            <>
              , with <strong>{labelOf(challengerModelId)}</strong> as challenger
            </>
          ) : (
            ', without a challenger'
          )}
          {current ? (
            <>
              , instead of <strong>{labelOf(current.mainModel.id)}</strong> (version {current.number})
            </>
          ) : null}
          . The new models load first, then take over; version {current?.number ?? ''} stays available to roll back to.
        </Text>
      </ConfirmDialog>
    </SectionCard>
  );
}
