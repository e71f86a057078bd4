'use client';

import { AppShell } from '../components/app-shell';
import { CreateProjectForm } from '../components/create-project-form';
import { ProjectList } from '../components/project-list';

export default function HomePage() {
  return (
    <AppShell>
      <main className="page">
        <section>
          <h1>Projects</h1>
          <ProjectList />
        </section>
        <section>
          <h2>Create a project</h2>
          <CreateProjectForm />
        </section>
      </main>
    </AppShell>
  );
}
