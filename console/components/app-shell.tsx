'use client';

import Link from 'next/link';
import { usePathname, useRouter } from 'next/navigation';
import { useEffect, type ReactNode } from 'react';
import { useQuery } from 'urql';
import { messageOf } from '../lib/errors';
import { MeQuery } from '../lib/operations';
import { useIsBrowser } from '../lib/use-is-browser';
import { ErrorMessage } from './error-message';
import { SignOutButton } from './sign-out-button';

/** Where the login page sends someone back to after signing in. */
export function loginUrl(pathname: string): string {
  return pathname === '/' ? '/login' : `/login?next=${encodeURIComponent(pathname)}`;
}

/**
 * The frame of every signed-in page: the top bar, and its content once the viewer is known.
 * A visitor who is not signed in goes to the login page, which brings them back here.
 */
export function AppShell({ children }: { children: ReactNode }) {
  const router = useRouter();
  const pathname = usePathname();
  const browser = useIsBrowser();
  const [{ data, error }, refetch] = useQuery({ query: MeQuery, pause: !browser });
  const signedOut = data !== undefined && data.me === null;

  useEffect(() => {
    if (signedOut) router.replace(loginUrl(pathname));
  }, [signedOut, router, pathname]);

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
        <Link href="/" className="brand">
          Berth
        </Link>
        <span className="viewer">
          <span title={me.email}>{me.name || me.email}</span>
          {me.role === 'admin' && <span className="badge">instance admin</span>}
        </span>
        <nav aria-label="Account" className="topbar-links">
          {me.role === 'admin' && (
            <Link href="/admin/users" aria-current={pathname === '/admin/users' ? 'page' : undefined}>
              Users
            </Link>
          )}
          <Link href="/account" aria-current={pathname === '/account' ? 'page' : undefined}>
            Account
          </Link>
        </nav>
        <SignOutButton />
      </header>
      {children}
    </>
  );
}

/** Where the page sits: links back up to the projects and the project. */
export function Breadcrumbs({ items }: { items: Array<{ label: string; href?: string }> }) {
  return (
    <nav aria-label="Breadcrumb" className="breadcrumbs">
      <ol>
        {items.map((item, index) => (
          <li key={index}>
            {item.href ? (
              <Link href={item.href}>{item.label}</Link>
            ) : (
              <span aria-current="page">{item.label}</span>
            )}
          </li>
        ))}
      </ol>
    </nav>
  );
}

/** A full-width "loading" line with the right live-region semantics. */
export function Loading({ what }: { what: string }) {
  return (
    <p className="muted" role="status" aria-busy="true">
      Loading {what}…
    </p>
  );
}
