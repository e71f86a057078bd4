'use client';

import { Button, Code, Group, Stack, Text, Title } from '@mantine/core';
import Link from 'next/link';
import { useParams } from 'next/navigation';
import { useCallback } from 'react';
import { useQuery } from 'urql';
import { AppShell, Breadcrumbs, Loading, Page } from '../../../components/app-shell';
import { MonitoringSection } from '../../../components/deployment/monitoring/monitoring-section';
import { PredictionsSection } from '../../../components/deployment/pipelines/pipelines-section';
import { UsageSection } from '../../../components/deployment/usage';
import { DeleteDeployment } from '../../../components/deployment/delete-deployment';
import { GeneralSection, pathOf } from '../../../components/deployment/general';
import { VersionsSection } from '../../../components/deployment/versions';
import { modelLabel, versionNumbers } from '../../../components/deployment/model-names';
import { ErrorMessage } from '../../../components/error-message';
import { StatusBadges } from '../../../components/status-badges';
import { Tabs } from '../../../components/tabs';
import { DeploymentQuery, ProjectQuery, type DeploymentStatusData } from '../../../lib/operations/deployment';
import { messageOf } from '../../../lib/errors';
import { useLiveStatuses } from '../../../lib/use-live-statuses';

export default function DeploymentPage() {
  const { id } = useParams<{ id: string }>();
  return (
    <AppShell>
      <DeploymentView id={id} />
    </AppShell>
  );
}

function DeploymentView({ id }: { id: string }) {
  const [{ data, fetching, error }, refetch] = useQuery({ query: DeploymentQuery, variables: { id }, requestPolicy: 'cache-and-network' });
  const deployment = data?.deployment;
  const [project] = useQuery({ query: ProjectQuery, variables: { id: deployment?.projectId ?? '' }, pause: !deployment });
  const refresh = useCallback(() => refetch({ requestPolicy: 'network-only' }), [refetch]);

  const currentVersion = deployment?.currentVersion;
  const onChange = useCallback(
    (status: DeploymentStatusData) => {
      // Switched through the API, or by another console: the versions shown are stale.
      if (status.version !== null && status.version !== currentVersion) refresh();
    },
    [currentVersion, refresh],
  );
  const live = useLiveStatuses({ deploymentId: id }, onChange);

  const projectName = project.data?.project.name ?? 'Project';
  const crumbs = [
    { label: 'Projects', href: '/' },
    ...(deployment ? [{ label: projectName, href: `/projects/${deployment.projectId}` }] : []),
    { label: deployment?.name ?? 'Deployment' },
  ];

  if (error && !deployment) {
    return (
      <Page>
        <Breadcrumbs items={crumbs} />
        {/* A deployment that does not exist will not appear by trying again. */}
        <ErrorMessage message={messageOf(error)} onRetry={error.graphQLErrors.some((e) => e.extensions?.code === 'NOT_FOUND') ? undefined : refresh} />
      </Page>
    );
  }
  if (!deployment) {
    return <Page>{fetching && <Loading what="the deployment" />}</Page>;
  }

  const status = live.statuses[deployment.id] ?? deployment.status;
  // Viewers read everything; changing a deployment takes the contributor role (the API checks it too).
  // Null until the project (and so the viewer's role in it) is loaded.
  const role = project.data?.project.myRole;
  const canChange = project.data ? role === 'contributor' || role === 'admin' : null;
  // The header says which model answers: "v2 · mlp-64", the experiment version and the model.
  const current = deployment.versions.find((version) => version.current);
  const currentMain = current ? modelLabel(current.mainModel, versionNumbers(deployment)) : null;
  return (
    <Page width="wide">
      <Breadcrumbs items={crumbs} />
      <Group justify="space-between" align="flex-start" gap="sm">
        <Stack gap={6} style={{ minWidth: 0 }}>
          <Title order={1} style={{ overflowWrap: 'anywhere' }}>
            {deployment.name}
          </Title>
          <Text c="dimmed" size="sm">
            <Code>{deployment.slug}</Code> · deployment version {deployment.currentVersion ?? '—'}
            {currentMain && <> · serving {currentMain}</>} · {deployment.experiment.name}
          </Text>
          {deployment.description && <Text size="sm">{deployment.description}</Text>}
          <StatusBadges status={status} />
        </Stack>
        <Group gap="xs">
          <Button component={Link} href={pathOf(deployment.formUrl)} variant="default">
            Open the web form
          </Button>
          {canChange && <DeleteDeployment id={deployment.id} slug={deployment.slug} name={deployment.name} projectId={deployment.projectId} />}
        </Group>
      </Group>
      {error && (
        <Text size="sm" c="red" mt="xs">
          Could not refresh: {messageOf(error)}
        </Text>
      )}
      {live.error && (
        <Text size="sm" c="dimmed" mt="xs">
          Live status updates are unavailable: {live.error}
        </Text>
      )}
      <Tabs
        label="Deployment sections"
        tabs={[
          { id: 'general', label: 'General', render: () => <GeneralSection deployment={deployment} status={status} /> },
          { id: 'monitoring', label: 'Monitoring', render: () => <MonitoringSection deploymentId={deployment.id} /> },
          { id: 'predictions', label: 'Predictions', render: () => <PredictionsSection deploymentId={deployment.id} /> },
          { id: 'versions', label: 'Versions', render: () => <VersionsSection deployment={deployment} canChange={canChange} onChanged={refresh} /> },
          { id: 'usage', label: 'Usage', render: () => <UsageSection deploymentId={deployment.id} createdAt={deployment.createdAt} /> },
        ]}
      />
    </Page>
  );
}
