'use client';

import { Anchor, Container, Group } from '@mantine/core';
import Link from 'next/link';
import type { ReactNode } from 'react';

/**
 * The frame of the public pages of a deployment (web form, API docs): no account needed, so no
 * account menu: the brand and a link to the sibling page.
 */
export function PublicFrame({ link, children }: { link: { href: string; label: string }; children: ReactNode }) {
  return (
    <>
      <header style={{ borderBottom: '1px solid var(--mantine-color-default-border)', background: 'var(--mantine-color-body)' }}>
        <Container size="lg" px={{ base: 'sm', sm: 'md' }} h={56}>
          <Group h="100%" justify="space-between" wrap="nowrap">
            <Anchor component={Link} href="/" fw={700} fz="lg" underline="never" c="var(--mantine-color-text)">
              Berth
            </Anchor>
            <Anchor component={Link} href={link.href} size="sm">
              {link.label}
            </Anchor>
          </Group>
        </Container>
      </header>
      <Container component="main" size="lg" px={{ base: 'sm', sm: 'md' }} py="md">
        {children}
      </Container>
    </>
  );
}
