'use client';

import { Stack, Title } from '@mantine/core';
import { AppShell, Page } from '../components/app-shell';
import { CreateProjectForm } from '../components/create-project-form';
import { ProjectList } from '../components/project-list';

export default function HomePage() {
  return (
    <AppShell>
      <Page>
        <Stack gap="xl">
          <section>
            <Title order={1} mb="md">
              Projects
            </Title>
            <ProjectList />
          </section>
          <section>
            <Title order={2} size="h3" mb="sm">
              Create a project
            </Title>
            <CreateProjectForm />
          </section>
        </Stack>
      </Page>
    </AppShell>
  );
}
