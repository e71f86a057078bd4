'use client';

import { Anchor, AppShell as MantineAppShell, Badge, Breadcrumbs as MantineBreadcrumbs, Burger, Center, Container, Drawer, Group, Loader, NavLink, Stack, Text } from '@mantine/core';
import { useDisclosure } from '@mantine/hooks';
import Link from 'next/link';
import { usePathname, useRouter } from 'next/navigation';
import { useEffect, type ReactNode } from 'react';
import { useQuery } from 'urql';
import { messageOf } from '../lib/errors';
import { MeQuery } from '../lib/operations/session';
import { loginUrl } from '../lib/sign-in';
import { useIsBrowser } from '../lib/use-is-browser';
import { ErrorMessage } from './error-message';
import { SignOutButton } from './sign-out-button';

export { loginUrl };

/** How wide a page's content may grow: forms read best narrow, deployments need room for charts. */
const WIDTHS = { narrow: 'sm', normal: 'lg', wide: 'xl' } as const;

/** The content column of a signed-in page. */
export function Page({ width = 'normal', children }: { width?: keyof typeof WIDTHS; children: ReactNode }) {
  return (
    <Container size={WIDTHS[width]} px={{ base: 'sm', sm: 'md' }} py="md">
      {children}
    </Container>
  );
}

/**
 * The frame of every signed-in page: the header (the account links, or a burger that opens them
 * on a phone), and its content once the viewer is known. A visitor who is not signed in goes to
 * the login page, which brings them back here.
 */
export function AppShell({ children }: { children: ReactNode }) {
  const router = useRouter();
  const pathname = usePathname();
  const browser = useIsBrowser();
  const [menuOpen, menu] = useDisclosure(false);
  const [{ data, error }, refetch] = useQuery({ query: MeQuery, pause: !browser });
  const signedOut = data !== undefined && data.me === null;
  // After an admin's reset the API refuses everything until the user picks a password: the
  // Account page is where they do it, and the only page worth showing until then.
  const mustChangePassword = data?.me?.mustChangePassword === true && pathname !== '/account';

  useEffect(() => {
    if (signedOut) router.replace(loginUrl(pathname));
    else if (mustChangePassword) router.replace('/account');
  }, [signedOut, mustChangePassword, router, pathname]);
  useEffect(() => menu.close(), [pathname]); // eslint-disable-line react-hooks/exhaustive-deps

  if (error) {
    return (
      <Center component="main" mih="100vh" p="md">
        <ErrorMessage message={messageOf(error)} onRetry={() => refetch({ requestPolicy: 'network-only' })} />
      </Center>
    );
  }
  if (!data?.me || mustChangePassword) {
    return (
      <Center component="main" mih="100vh" role="status" aria-busy="true">
        <Group gap="xs">
          <Loader size="sm" />
          <Text c="dimmed">Loading…</Text>
        </Group>
      </Center>
    );
  }

  const me = data.me;
  const links = [
    { href: '/', label: 'Projects', current: pathname === '/' },
    ...(me.role === 'admin' ? [{ href: '/admin/users', label: 'Users', current: pathname === '/admin/users' }] : []),
    { href: '/account', label: 'Account', current: pathname === '/account' },
  ];
  return (
    <MantineAppShell header={{ height: 56 }} padding={0}>
      <MantineAppShell.Header px={{ base: 'sm', sm: 'md' }}>
        <Group h="100%" justify="space-between" wrap="nowrap" gap="sm">
          <Group gap="sm" wrap="nowrap" miw={0}>
            <Burger opened={menuOpen} onClick={menu.toggle} hiddenFrom="sm" size="sm" aria-label="Open the menu" aria-expanded={menuOpen} />
            <Anchor component={Link} href="/" fw={700} fz="lg" underline="never" c="var(--mantine-color-text)">
              Berth
            </Anchor>
            <Group gap={6} wrap="nowrap" miw={0}>
              <Text size="sm" truncate title={me.email} visibleFrom="xs">
                {me.name || me.email}
              </Text>
              {me.role === 'admin' && (
                <Badge variant="light" size="sm">
                  instance admin
                </Badge>
              )}
            </Group>
          </Group>
          <Group gap="xs" wrap="nowrap" visibleFrom="sm">
            <Group component="nav" aria-label="Account" gap={4}>
              {links.slice(1).map((link) => (
                <Anchor key={link.href} component={Link} href={link.href} aria-current={link.current ? 'page' : undefined} px="xs" fw={link.current ? 600 : 400}>
                  {link.label}
                </Anchor>
              ))}
            </Group>
            <SignOutButton />
          </Group>
        </Group>
      </MantineAppShell.Header>
      <Drawer opened={menuOpen} onClose={menu.close} title="Berth" size="xs" hiddenFrom="sm">
        <Stack gap="xs">
          <Text size="sm" c="dimmed" truncate>
            {me.email}
          </Text>
          <nav aria-label="Menu">
            {links.map((link) => (
              <NavLink key={link.href} component={Link} href={link.href} label={link.label} active={link.current} aria-current={link.current ? 'page' : undefined} />
            ))}
          </nav>
          <SignOutButton />
        </Stack>
      </Drawer>
      <MantineAppShell.Main>{children}</MantineAppShell.Main>
    </MantineAppShell>
  );
}

/** Where the page sits: links back up to the projects and the project. */
export function Breadcrumbs({ items }: { items: Array<{ label: string; href?: string }> }) {
  return (
    <nav aria-label="Breadcrumb">
      <MantineBreadcrumbs separatorMargin={6} mb="sm" style={{ flexWrap: 'wrap', rowGap: 4 }}>
        {items.map((item, index) =>
          item.href ? (
            <Anchor key={index} component={Link} href={item.href} size="sm">
              {item.label}
            </Anchor>
          ) : (
            <Text key={index} size="sm" c="dimmed" aria-current="page" truncate maw="60vw">
              {item.label}
            </Text>
          ),
        )}
      </MantineBreadcrumbs>
    </nav>
  );
}

/** A "loading" line with the right live-region semantics. */
export function Loading({ what }: { what: string }) {
  return (
    <Group gap="xs" role="status" aria-busy="true" py="sm">
      <Loader size="xs" />
      <Text c="dimmed" size="sm">
        Loading {what}…
      </Text>
    </Group>
  );
}
