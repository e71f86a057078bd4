'use client';

import { MantineProvider } from '@mantine/core';
import { useState, type ReactNode } from 'react';
import { Provider } from 'urql';
import { createBerthClient } from '../lib/client';
import { theme } from '../lib/theme';

export function Providers({ children }: { children: ReactNode }) {
  const [client] = useState(createBerthClient);
  return (
    <MantineProvider theme={theme} defaultColorScheme="auto">
      <Provider value={client}>{children}</Provider>
    </MantineProvider>
  );
}
