'use client';

import { useState, type ReactNode } from 'react';
import { Provider } from 'urql';
import { createBerthClient } from '../lib/client';

export function Providers({ children }: { children: ReactNode }) {
  const [client] = useState(createBerthClient);
  return <Provider value={client}>{children}</Provider>;
}
