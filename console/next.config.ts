import type { NextConfig } from 'next';

const config: NextConfig = {
  reactStrictMode: true,
  poweredByHeader: false,
  // Mantine's packages export hundreds of components: import only those a page uses.
  experimental: { optimizePackageImports: ['@mantine/core', '@mantine/hooks'] },
  // The test suite type-checks the console (test/typecheck.test.ts); a build need not do it again:
  // it was 16 s of a newcomer's first `npm start` on 2 cores.
  typescript: { ignoreBuildErrors: true },
};

export default config;
