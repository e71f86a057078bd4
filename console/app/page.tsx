'use client';

import { useRouter } from 'next/navigation';
import { useEffect } from 'react';
import { useQuery } from 'urql';
import { CreateProjectForm } from '../components/create-project-form';
import { ErrorMessage } from '../components/error-message';
import { ProjectList } from '../components/project-list';
import { SignOutButton } from '../components/sign-out-button';
import { messageOf } from '../lib/errors';
import { MeQuery } from '../lib/operations';
import { useIsBrowser } from '../lib/use-is-browser';

export default function HomePage() {
  const router = useRouter();
  const browser = useIsBrowser();
  const [{ data, error }, refetch] = useQuery({ query: MeQuery, pause: !browser });
  const signedOut = data !== undefined && data.me === null;

  useEffect(() => {
    if (signedOut) router.replace('/login');
  }, [signedOut, router]);

  if (error) {
    return (
      <main className="centered">
        <ErrorMessage message={messageOf(error)} onRetry={() => refetch({ requestPolicy: 'network-only' })} />
      </main>
    );
  }
  if (!data?.me) {
    return (
      <main className="centered">
        <p className="muted" aria-busy="true">
          Loading…
        </p>
      </main>
    );
  }

  const me = data.me;
  return (
    <>
      <header className="topbar">
        <span className="brand">Berth</span>
        <span className="viewer">
          <span title={me.email}>{me.name || me.email}</span>
          {me.role === 'admin' && <span className="badge">instance admin</span>}
        </span>
        <SignOutButton />
      </header>
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
    </>
  );
}
