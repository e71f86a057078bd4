'use client';

import { useEffect, useRef, useState, type KeyboardEvent, type ReactNode } from 'react';

export interface Tab {
  id: string;
  label: string;
  render: () => ReactNode;
}

/**
 * Tabs (WAI-ARIA pattern: arrow keys, Home and End move between them) whose choice is kept in
 * the URL's hash, so a link or a reload opens the same tab. Only the open tab is rendered, so
 * the queries of the others wait until they are opened.
 */
export function Tabs({ tabs, label }: { tabs: Tab[]; label: string }) {
  const [selected, setSelected] = useState(tabs[0]!.id);
  const buttons = useRef<Record<string, HTMLButtonElement | null>>({});
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

  function select(id: string, focus = false) {
    setSelected(id);
    window.history.replaceState(null, '', `#${id}`);
    if (focus) buttons.current[id]?.focus();
  }

  function onKeyDown(event: KeyboardEvent) {
    const index = tabs.findIndex((tab) => tab.id === selected);
    const target =
      event.key === 'ArrowRight' ? (index + 1) % tabs.length
      : event.key === 'ArrowLeft' ? (index - 1 + tabs.length) % tabs.length
      : event.key === 'Home' ? 0
      : event.key === 'End' ? tabs.length - 1
      : null;
    if (target === null) return;
    event.preventDefault();
    select(tabs[target]!.id, true);
  }

  const current = tabs.find((tab) => tab.id === selected) ?? tabs[0]!;
  return (
    <div className="tabs">
      <div role="tablist" aria-label={label} className="tablist" onKeyDown={onKeyDown}>
        {tabs.map((tab) => (
          <button
            key={tab.id}
            ref={(element) => {
              buttons.current[tab.id] = element;
            }}
            type="button"
            role="tab"
            id={`tab-${tab.id}`}
            aria-selected={tab.id === current.id}
            aria-controls={`panel-${tab.id}`}
            tabIndex={tab.id === current.id ? 0 : -1}
            onClick={() => select(tab.id)}
          >
            {tab.label}
          </button>
        ))}
      </div>
      <div role="tabpanel" id={`panel-${current.id}`} aria-labelledby={`tab-${current.id}`} className="tabpanel" tabIndex={0}>
        {current.render()}
      </div>
    </div>
  );
}
