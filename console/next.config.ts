import type { NextConfig } from 'next';

const config: NextConfig = {
  reactStrictMode: true,
  poweredByHeader: false,
  // Mantine's packages export hundreds of components: import only those a page uses.
  experimental: { optimizePackageImports: ['@mantine/core', '@mantine/hooks'] },
};

export default config;
