'use client';

import { MantineProvider } from '@mantine/core';
import { useState, type ReactNode } from 'react';
import { Provider } from 'urql';
import { createBerthClient } from '../lib/client';
import { cssVariablesResolver, theme } from '../lib/theme';

export function Providers({ children }: { children: ReactNode }) {
  const [client] = useState(createBerthClient);
  return (
    <MantineProvider theme={theme} cssVariablesResolver={cssVariablesResolver} defaultColorScheme="auto">
      <Provider value={client}>{children}</Provider>
    </MantineProvider>
  );
}
