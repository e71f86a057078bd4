'use client';

/** Placeholder until the section is built; the deployment page imports it already. */
export function MonitoringSection({ deploymentId }: { deploymentId: string }) {
  return <p className="muted">Coming soon ({deploymentId}).</p>;
}
