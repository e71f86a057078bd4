'use client';

import { Tabs as MantineTabs, VisuallyHidden } from '@mantine/core';
import { useEffect, useState, type ReactNode } from 'react';

export interface Tab {
  id: string;
  label: string;
  render: () => ReactNode;
}

/**
 * Tabs (arrow keys, Home and End move between them) whose choice is kept in the URL's hash, so a
 * link or a reload opens the same tab. Only the open tab is rendered, so the queries of the
 * others wait until they are opened.
 */
export function Tabs({ tabs, label }: { tabs: Tab[]; label: string }) {
  const [selected, setSelected] = useState(tabs[0]!.id);
  const ids = tabs.map((tab) => tab.id).join(' ');

  useEffect(() => {
    const fromHash = () => {
      const id = window.location.hash.slice(1);
      if (ids.split(' ').includes(id)) setSelected(id);
    };
    fromHash();
    window.addEventListener('hashchange', fromHash);
    return () => window.removeEventListener('hashchange', fromHash);
  }, [ids]);

  function select(id: string | null) {
    if (!id) return;
    setSelected(id);
    window.history.replaceState(null, '', `#${id}`);
  }

  const current = tabs.find((tab) => tab.id === selected) ?? tabs[0]!;
  return (
    <MantineTabs value={current.id} onChange={select} keepMounted={false} mt="md" id="sections">
      {/* Wrapped onto a second line on a phone rather than cut mid-word ("Versior"). */}
      <MantineTabs.List aria-label={label} style={{ flexWrap: 'wrap' }}>
        {tabs.map((tab) => (
          <MantineTabs.Tab key={tab.id} value={tab.id}>
            {tab.label}
          </MantineTabs.Tab>
        ))}
      </MantineTabs.List>
      {tabs.map((tab) => (
        <MantineTabs.Panel key={tab.id} value={tab.id} pt="md">
          {/* The panel's heading, for the page's outline: its sections' h3s sit under it. */}
          {tab.id === current.id && <VisuallyHidden component="h2">{tab.label}</VisuallyHidden>}
          {tab.id === current.id && tab.render()}
        </MantineTabs.Panel>
      ))}
    </MantineTabs>
  );
}
