import { sharesOfBoth, type DriftMetric } from './metric';

/**
 * Share given to an empty bin in PSI, whose log ratio is otherwise infinite: one new category
 * would make any drift "infinite". 1e-4 is what Evidently and most PSI write-ups use.
 */
export const PSI_EPSILON = 1e-4;

export type PsiBand = 'stable' | 'moderate' | 'significant';

/** Population stability index, Σ (q − p) · ln(q / p) on shares, each share at least `PSI_EPSILON`. */
export function psi(reference: readonly number[], current: readonly number[]): number {
  const [p, q] = sharesOfBoth(reference, current);
  let total = 0;
  for (let i = 0; i < p.length; i++) {
    const a = Math.max(p[i], PSI_EPSILON);
    const b = Math.max(q[i], PSI_EPSILON);
    total += (b - a) * Math.log(b / a);
  }
  return total;
}

/**
 * The usual reading of a PSI: below 0.1 stable, below 0.25 moderate, else significant. A rule
 * of thumb that ignores the number of rows: shown for people used to it, never a verdict.
 */
export function psiBand(value: number): PsiBand {
  if (value < 0.1) return 'stable';
  if (value < 0.25) return 'moderate';
  return 'significant';
}

export const populationStability: DriftMetric = { name: 'psi', unit: 'population stability index', numericOnly: false, score: psi };
