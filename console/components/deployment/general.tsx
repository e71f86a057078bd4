'use client';

import { Anchor, Code, SimpleGrid, Stack, Text } from '@mantine/core';
import Link from 'next/link';
import type { DeploymentData, DeploymentStatusData } from '../../lib/operations/deployment';
import { ACCESS_LABELS, formatDateTime, VALIDATION_LABELS } from '../../lib/format';
import { ApiKeysSection } from './api-keys';
import { ModelMetricsTable } from '../model-metrics';
import { ModelServing, StatusBadges } from '../status-badges';
import { Details, SectionCard } from '../section-card';
import { modelLabel, versionNumbers } from './model-names';

/** The path of a URL the server built from its public URL: the console serves the same routes. */
export const pathOf = (url: string) => {
  try {
    return new URL(url).pathname;
  } catch {
    return url;
  }
};

/**
 * A URL of the server as the person reading it reaches it: the console and those routes share
 * an origin, which may differ from BERTH_PUBLIC_URL (a proxy in front, an unset public URL).
 */
const asSeenHere = (url: string) => (typeof window === 'undefined' ? url : `${window.location.origin}${pathOf(url)}`);

export function GeneralSection({ deployment, status }: { deployment: DeploymentData; status: DeploymentStatusData }) {
  const numbers = versionNumbers(deployment);
  const experimentVersion = (modelId: string) => deployment.experiment.versions.find((version) => version.models.some((model) => model.id === modelId))?.number;
  const current = deployment.versions.find((version) => version.current);
  const models = current
    ? [
        { ...current.mainModel, role: 'Main', name: modelLabel(current.mainModel, numbers) },
        ...(current.challengerModel ? [{ ...current.challengerModel, role: 'Challenger', name: modelLabel(current.challengerModel, numbers) }] : []),
      ]
    : [];

  return (
    <Stack gap="md">
      <SimpleGrid cols={{ base: 1, md: 2 }} spacing="md">
        <SectionCard id="details-title" title="Details">
          <Details>
            <div>
              <dt>Created</dt>
              <dd>{formatDateTime(deployment.createdAt)}</dd>
            </div>
            <div>
              <dt>Current deployment version</dt>
              <dd data-testid="current-version">{deployment.currentVersion ?? '—'}</dd>
            </div>
            <div>
              <dt>Experiment</dt>
              <dd>{deployment.experiment.name}</dd>
            </div>
            <div>
              <dt>Access</dt>
              <dd>
                {ACCESS_LABELS[deployment.access].label}
                <Text size="xs" c="dimmed">{ACCESS_LABELS[deployment.access].rule}</Text>
              </dd>
            </div>
            <div>
              <dt>Validation</dt>
              <dd>
                {VALIDATION_LABELS[deployment.validationMode].label}
                <Text size="xs" c="dimmed">{VALIDATION_LABELS[deployment.validationMode].rule}</Text>
              </dd>
            </div>
            <div>
              <dt>Web form</dt>
              <dd>
                <Anchor component={Link} style={{ overflowWrap: "anywhere" }} href={pathOf(deployment.formUrl)}>{asSeenHere(deployment.formUrl)}</Anchor>
              </dd>
            </div>
            <div>
              <dt>API docs</dt>
              <dd>
                <Anchor component={Link} style={{ overflowWrap: "anywhere" }} href={pathOf(deployment.docsUrl)}>{asSeenHere(deployment.docsUrl)}</Anchor>
              </dd>
            </div>
            <div>
              <dt>Prediction API</dt>
              <dd>
                <Code style={{ overflowWrap: "anywhere", whiteSpace: "normal" }}>POST {asSeenHere(deployment.apiUrl)}</Code>
              </dd>
            </div>
          </Details>
        </SectionCard>

        <SectionCard id="status-title" title="Status">
          <StatusBadges status={status} />
          {!status.running && status.runningReason && <Text size="sm" c="dimmed" mt="xs">Not running: {status.runningReason}</Text>}
          <Details>
            <div>
              <dt>Serving deployment version</dt>
              <dd data-testid="serving-version">{status.version ?? '—'}</dd>
            </div>
            <div>
              <dt>Main</dt>
              <dd data-testid="main-status">
                <ModelServing model={status.main} experimentVersion={experimentVersion} />
              </dd>
            </div>
            <div>
              <dt>Challenger</dt>
              <dd data-testid="challenger-status">
                <ModelServing model={status.challenger} empty="none" experimentVersion={experimentVersion} />
              </dd>
            </div>
          </Details>
          <Text size="sm" c="dimmed" mt="xs">Updated live as this server loads, switches and probes the models.</Text>
        </SectionCard>
      </SimpleGrid>

      <SectionCard id="deployed-models-title" title="Deployed models">
        {models.length === 0 ? (
          <Text c="dimmed">No version is current.</Text>
        ) : (
          <>
            <Text size="sm" c="dimmed" mt="xs">Holdout metrics from training, deployment version {current?.number}.</Text>
            <ModelMetricsTable task={deployment.experiment.task} caption="Holdout metrics of the deployed models" models={models} />
          </>
        )}
      </SectionCard>

      <SectionCard id="drift-title" title="Drift">
        <Text size="sm" mt="xs">
          Live inputs and predictions compared with the training data of the main model’s version are in the{' '}
          <Anchor href="#monitoring">Monitoring tab</Anchor>, over the range you choose there.
        </Text>
      </SectionCard>

      <SectionCard id="api-keys-title" title="API keys">
        <ApiKeysSection deploymentId={deployment.id} />
      </SectionCard>
    </Stack>
  );
}
