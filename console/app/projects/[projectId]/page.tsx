'use client';

import { Button, Group, Stack, Text, Title } from '@mantine/core';
import Link from 'next/link';
import { useParams } from 'next/navigation';
import { useQuery } from 'urql';
import { AppShell, Breadcrumbs, Loading, Page } from '../../../components/app-shell';
import { ErrorMessage } from '../../../components/error-message';
import { Collaborators } from '../../../components/project/collaborators';
import { Connectors } from '../../../components/project/connectors';
import { DeploymentsTable } from '../../../components/project/deployments-table';
import { ExperimentsList } from '../../../components/project/experiments-list';
import { ProjectQuery } from '../../../lib/operations/deployment';
import { messageOf } from '../../../lib/errors';

export default function ProjectPage() {
  const { projectId } = useParams<{ projectId: string }>();
  return (
    <AppShell>
      <ProjectView projectId={projectId} />
    </AppShell>
  );
}

function ProjectView({ projectId }: { projectId: string }) {
  const [{ data, fetching, error }, refetch] = useQuery({ query: ProjectQuery, variables: { id: projectId } });

  if (error && !data) {
    return (
      <Page>
        <Breadcrumbs items={[{ label: 'Projects', href: '/' }, { label: 'Project' }]} />
        <ErrorMessage message={messageOf(error)} onRetry={() => refetch({ requestPolicy: 'network-only' })} />
      </Page>
    );
  }
  if (!data) {
    return <Page>{fetching && <Loading what="the project" />}</Page>;
  }

  const project = data.project;
  const canDeploy = project.myRole === 'contributor' || project.myRole === 'admin';
  return (
    <Page width="wide">
      <Breadcrumbs items={[{ label: 'Projects', href: '/' }, { label: project.name }]} />
      <Group justify="space-between" align="flex-start" gap="sm" mb="lg">
        <div style={{ minWidth: 0 }}>
          <Title order={1}>{project.name}</Title>
          {project.description && <Text c="dimmed">{project.description}</Text>}
        </div>
        {canDeploy && (
          <Button component={Link} href={`/projects/${project.id}/deploy`}>
            Deploy a new experiment
          </Button>
        )}
      </Group>
      <Stack gap="xl">
        <section aria-labelledby="deployments-title">
          <Title order={2} size="h3" id="deployments-title" mb="sm">
            Deployments
          </Title>
          <DeploymentsTable projectId={project.id} canChange={canDeploy} />
        </section>
        <section aria-labelledby="experiments-title" id="experiments">
          <Title order={2} size="h3" id="experiments-title" mb="sm">
            Experiments
          </Title>
          <ExperimentsList projectId={project.id} canEdit={canDeploy} />
        </section>
        <section aria-labelledby="connectors-title" id="connectors">
          <Title order={2} size="h3" id="connectors-title" mb="sm">
            Connectors
          </Title>
          <Connectors projectId={project.id} canEdit={canDeploy} />
        </section>
        <section aria-labelledby="collaborators-title">
          <Title order={2} size="h3" id="collaborators-title" mb="sm">
            Collaborators
          </Title>
          <Collaborators projectId={project.id} />
        </section>
      </Stack>
    </Page>
  );
}
