import { jensenShannon } from './jensen-shannon';
import type { DriftMetric } from './metric';
import { populationStability } from './psi';
import { wasserstein } from './wasserstein';

/**
 * Every drift metric a report computes for each feature (numeric-only ones for numeric features).
 * A new metric is one file implementing DriftMetric, listed here; the conformance suite in
 * test/server/monitoring/drift-metrics.test.ts runs every entry.
 */
export const DRIFT_METRICS: readonly DriftMetric[] = [populationStability, jensenShannon, wasserstein];
