'use client';

import { Anchor, Badge, Card, Group, SimpleGrid, Skeleton, Text, Title } from '@mantine/core';
import Link from 'next/link';
import { useMemo } from 'react';
import { useQuery } from 'urql';
import { messageOf } from '../lib/errors';
import { ProjectsQuery, type ProjectSummary } from '../lib/operations/session';
import { EmptyState } from './empty-state';
import { ErrorMessage } from './error-message';

const dateFormat = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium' });

export function ProjectList() {
  // An empty list names no type, so say which one a mutation must touch to refresh it.
  const context = useMemo(() => ({ additionalTypenames: ['Project'] }), []);
  const [{ data, fetching, error }, refetch] = useQuery({ query: ProjectsQuery, context });

  if (error) return <ErrorMessage message={messageOf(error)} onRetry={() => refetch({ requestPolicy: 'network-only' })} />;
  if (!data) {
    return fetching ? (
      <SimpleGrid cols={{ base: 1, sm: 2, md: 3 }} role="status" aria-busy="true" aria-label="Loading projects">
        <Skeleton h={110} />
        <Skeleton h={110} />
        <Skeleton h={110} />
      </SimpleGrid>
    ) : null;
  }
  if (data.projects.length === 0) {
    return <EmptyState title="No projects yet">A project holds experiments, models and deployments. Create the first one below.</EmptyState>;
  }
  return (
    <SimpleGrid component="ul" cols={{ base: 1, sm: 2, md: 3 }} aria-label="Projects" style={{ listStyle: 'none', padding: 0, margin: 0 }}>
      {data.projects.map((project) => (
        <ProjectCard key={project.id} project={project} />
      ))}
    </SimpleGrid>
  );
}

function ProjectCard({ project }: { project: ProjectSummary }) {
  return (
    <Card component="li" withBorder padding="md" className="project-card">
      <Group justify="space-between" wrap="nowrap" align="flex-start" gap="xs">
        <Title order={2} size="h4">
          {/* The link covers the whole card (see .stretched-link); the card stays one tab stop. */}
          <Anchor component={Link} href={`/projects/${project.id}`} className="stretched-link" inherit>
            {project.name}
          </Anchor>
        </Title>
        {project.myRole && (
          <Badge variant="light" size="sm">
            {project.myRole}
          </Badge>
        )}
      </Group>
      {project.description && (
        <Text size="sm" mt={6}>
          {project.description}
        </Text>
      )}
      <Text size="xs" c="dimmed" mt="sm">
        Created {dateFormat.format(new Date(project.createdAt))}
      </Text>
    </Card>
  );
}
