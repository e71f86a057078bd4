/**
 * Two-sample tests on bin counts: what sampling noise alone gives for a window of n live rows
 * against a reference of m rows. Every function takes counts per bin (never rows), so its cost
 * depends on the number of bins, not on the traffic.
 *
 * Each test treats both sides as samples: the training data is itself a sample of the
 * population, so a live window of any size can only be as sure as the reference allows.
 */

/** Smallest expected count per bin (live side under no drift) before neighbouring bins are merged: Cochran's rule for χ². */
export const MIN_EXPECTED_COUNT = 5;

/** The outcome of a test: its statistic, degrees of freedom where they apply, and the p-value. */
export interface TestResult {
  /** χ² or G for the contingency tests, z for the rank and proportion tests. */
  statistic: number;
  /** Degrees of freedom of a χ²-distributed statistic; 0 when there was nothing to compare. */
  df: number;
  /** Chance of a statistic at least this extreme without drift. 1 when nothing could be compared. */
  pValue: number;
}

const NO_TEST: TestResult = { statistic: 0, df: 0, pValue: 1 };

/** ln Γ(x) for x > 0 (Lanczos, g = 7, 9 terms: about 15 significant digits). */
export function logGamma(x: number): number {
  if (x < 0.5) return Math.log(Math.PI / Math.sin(Math.PI * x)) - logGamma(1 - x);
  const c = [0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059, 12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7];
  const z = x - 1;
  let a = c[0];
  const t = z + 7.5;
  for (let i = 1; i < 9; i++) a += c[i] / (z + i);
  return 0.5 * Math.log(2 * Math.PI) + (z + 0.5) * Math.log(t) - t + Math.log(a);
}

/**
 * Regularized upper incomplete gamma Q(a, x) = Γ(a, x) / Γ(a): the series below a + 1, the
 * continued fraction (modified Lentz) above, as in Numerical Recipes' gammq.
 */
export function upperGammaRegularized(a: number, x: number): number {
  if (!(a > 0)) throw new RangeError(`the shape of a gamma must be positive, got ${a}`);
  if (x <= 0) return 1;
  if (!Number.isFinite(x)) return 0;
  const logPrefix = a * Math.log(x) - x - logGamma(a);
  if (x < a + 1) {
    let term = 1 / a;
    let total = term;
    for (let k = 1; k < 10_000; k++) {
      term *= x / (a + k);
      total += term;
      if (Math.abs(term) < Math.abs(total) * 1e-16) break;
    }
    return Math.max(0, 1 - total * Math.exp(logPrefix));
  }
  const tiny = 1e-300;
  let b = x + 1 - a;
  let c = 1 / tiny;
  let d = 1 / b;
  let h = d;
  for (let i = 1; i < 10_000; i++) {
    const an = -i * (i - a);
    b += 2;
    d = an * d + b;
    if (Math.abs(d) < tiny) d = tiny;
    c = b + an / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    const delta = d * c;
    h *= delta;
    if (Math.abs(delta - 1) < 1e-16) break;
  }
  return Math.min(1, Math.exp(logPrefix) * h);
}

/** P(χ²(df) ≥ x): the survival function of the χ² distribution. */
export function chiSquareSurvival(x: number, df: number): number {
  if (df <= 0) return 1;
  return upperGammaRegularized(df / 2, x / 2);
}

/** P(|Z| ≥ |z|) for a standard normal Z: Z² is χ²(1). */
export function normalTwoSidedP(z: number): number {
  return chiSquareSurvival(z * z, 1);
}

/** The x with P(χ²(df) ≥ x) = p (bisection on the survival function; exact to ~1e-10 relative). */
export function chiSquareQuantileUpper(p: number, df: number): number {
  if (!(p > 0 && p < 1)) throw new RangeError(`a tail probability must be between 0 and 1, got ${p}`);
  if (df <= 0) return 0;
  let low = 0;
  let high = Math.max(1, df);
  while (chiSquareSurvival(high, df) > p) high *= 2;
  for (let i = 0; i < 200 && high - low > 1e-12 * high; i++) {
    const middle = (low + high) / 2;
    if (chiSquareSurvival(middle, df) > p) low = middle;
    else high = middle;
  }
  return (low + high) / 2;
}

/** The z with P(|Z| ≥ z) = p. */
export function normalTwoSidedQuantile(p: number): number {
  return Math.sqrt(chiSquareQuantileUpper(p, 1));
}

/** Effective sample size of two independent samples of n and m rows: (1/n + 1/m)⁻¹. */
export function effectiveRows(n: number, m: number): number {
  return n > 0 && m > 0 ? (n * m) / (n + m) : 0;
}

/**
 * Groups of bins for a contingency test: consecutive bins (in `order`) are merged until the
 * live side's expected count under no drift, min(n, m) · (r + c) / (n + m), reaches
 * `MIN_EXPECTED_COUNT`; a short last group joins the one before. Bins empty on both sides
 * are dropped. Returns the merged reference and live counts.
 */
export function mergeSparseBins(reference: readonly number[], current: readonly number[], order?: readonly number[]): [number[], number[]] {
  const m = sum(reference);
  const n = sum(current);
  const scale = Math.min(n, m) / (n + m);
  const indices = order ?? reference.map((_, i) => i);
  const r: number[] = [];
  const c: number[] = [];
  let groupR = 0;
  let groupC = 0;
  for (const i of indices) {
    if (reference[i] + current[i] === 0) continue;
    groupR += reference[i];
    groupC += current[i];
    if ((groupR + groupC) * scale >= MIN_EXPECTED_COUNT) {
      r.push(groupR);
      c.push(groupC);
      groupR = groupC = 0;
    }
  }
  if (groupR + groupC > 0) {
    if (r.length === 0) {
      r.push(groupR);
      c.push(groupC);
    } else {
      r[r.length - 1] += groupR;
      c[c.length - 1] += groupC;
    }
  }
  return [r, c];
}

/**
 * Pearson's χ² test of homogeneity on the 2 × K table (reference, live) × bins, as
 * scipy.stats.chi2_contingency without continuity correction: df = K − 1 over the bins with
 * any count. Pass counts already merged (`mergeSparseBins`) for the χ² approximation to hold.
 */
export function chiSquareTest(reference: readonly number[], current: readonly number[]): TestResult {
  return contingencyTest(reference, current, (observed, expected) => ((observed - expected) ** 2) / expected);
}

/**
 * The G-test (log-likelihood ratio) on the same table, as chi2_contingency with
 * lambda_="log-likelihood": G = 2 Σ O ln(O / E) = 2 · N · ln 2 · (mutual information in bits);
 * for shares p (reference) and q (live) G ≈ 8 · n_eff · ln 2 · JSD when n = m.
 */
export function gTest(reference: readonly number[], current: readonly number[]): TestResult {
  return contingencyTest(reference, current, (observed, expected) => (observed > 0 ? 2 * observed * Math.log(observed / expected) : 0));
}

function contingencyTest(reference: readonly number[], current: readonly number[], term: (observed: number, expected: number) => number): TestResult {
  if (reference.length !== current.length) throw new RangeError(`cannot compare ${reference.length} bins with ${current.length}`);
  const m = sum(reference);
  const n = sum(current);
  if (m <= 0 || n <= 0) return NO_TEST;
  const total = m + n;
  let statistic = 0;
  let bins = 0;
  for (let i = 0; i < reference.length; i++) {
    const column = reference[i] + current[i];
    if (column <= 0) continue;
    bins++;
    statistic += term(reference[i], (m * column) / total) + term(current[i], (n * column) / total);
  }
  const df = bins - 1;
  if (df <= 0) return NO_TEST;
  statistic = Math.max(0, statistic);
  return { statistic, df, pValue: chiSquareSurvival(statistic, df) };
}

/**
 * Mann–Whitney rank-sum test on ordered bins, values within a bin counted as ties (midranks,
 * tie-corrected variance), as scipy.stats.mannwhitneyu(method="asymptotic",
 * use_continuity=False) on the binned values. The statistic is z, positive when live values are
 * larger; it sees a shift of the whole distribution far better than χ² does.
 */
export function rankSumTest(reference: readonly number[], current: readonly number[]): TestResult {
  if (reference.length !== current.length) throw new RangeError(`cannot compare ${reference.length} bins with ${current.length}`);
  const m = sum(reference);
  const n = sum(current);
  if (m <= 0 || n <= 0) return NO_TEST;
  const total = m + n;
  let u = 0;
  let below = 0;
  let ties = 0;
  for (let i = 0; i < reference.length; i++) {
    u += current[i] * (below + reference[i] / 2);
    below += reference[i];
    const t = reference[i] + current[i];
    ties += t * t * t - t;
  }
  const variance = ((n * m) / 12) * (total + 1 - ties / (total * (total - 1)));
  if (!(variance > 0)) return NO_TEST;
  const z = (u - (n * m) / 2) / Math.sqrt(variance);
  return { statistic: z, df: 0, pValue: normalTwoSidedP(z) };
}

/**
 * Below this many rows in the rarer column (e.g. missing values on both sides), the share test
 * is Fisher's exact test: the normal approximation flags too often when the events are rare
 * (bench:drift measured 10 % false alarms at 100 rows with ~1 % missing). The exact sum costs at
 * most this many terms, whatever the volume.
 */
export const EXACT_PROPORTION_ROWS = 1000;

/**
 * Two-proportion test, e.g. of the share of missing values: `a` of `m` reference rows against
 * `b` of `n` live rows. The statistic is the pooled z, positive when the live share is larger
 * (z² is the 2 × 2 χ² without continuity correction); the p-value is Fisher's exact two-sided
 * one (scipy.stats.fisher_exact) while the rarer column holds at most `EXACT_PROPORTION_ROWS`
 * rows, the normal one beyond.
 */
export function proportionTest(a: number, m: number, b: number, n: number): TestResult {
  if (m <= 0 || n <= 0) return NO_TEST;
  const events = a + b;
  if (Math.min(events, m + n - events) <= EXACT_PROPORTION_ROWS && Number.isInteger(a) && Number.isInteger(b)) {
    const z = pooledZ(a, m, b, n);
    return { statistic: z ?? 0, df: 0, pValue: fisherExactP(a, m, b, n) };
  }
  const z = pooledZ(a, m, b, n);
  return z === undefined ? NO_TEST : { statistic: z, df: 0, pValue: normalTwoSidedP(z) };
}

function pooledZ(a: number, m: number, b: number, n: number): number | undefined {
  const pooled = (a + b) / (m + n);
  const variance = pooled * (1 - pooled) * (1 / m + 1 / n);
  if (!(variance > 0)) return undefined;
  return (b / n - a / m) / Math.sqrt(variance);
}

/**
 * Fisher's exact two-sided p-value of the 2 × 2 table [[a, m − a], [b, n − b]]: the total
 * hypergeometric probability of the tables with the same margins no more likely than this one.
 */
export function fisherExactP(a: number, m: number, b: number, n: number): number {
  const k = a + b;
  const total = m + n;
  const low = Math.max(0, k - n);
  const high = Math.min(k, m);
  const logChoose = (x: number, y: number) => logGamma(x + 1) - logGamma(y + 1) - logGamma(x - y + 1);
  const base = logChoose(total, k);
  const logP = (x: number) => logChoose(m, x) + logChoose(n, k - x) - base;
  const observed = logP(a);
  // Relative tolerance as SciPy uses, so tables as likely as this one count despite rounding.
  const limit = observed + Math.log1p(1e-7);
  let p = 0;
  for (let x = low; x <= high; x++) {
    const l = logP(x);
    if (l <= limit) p += Math.exp(l);
  }
  return Math.min(1, p);
}

/**
 * Holm's step-down correction: the adjusted p-values (each compared with α directly), which
 * keep the chance of any false alarm in the family at most α whatever the dependence between
 * tests, and are never larger than Bonferroni's. NaN p-values (no test) stay NaN.
 */
export function holmAdjust(pValues: readonly number[]): number[] {
  const tested = pValues.map((p, i) => [p, i] as const).filter(([p]) => !Number.isNaN(p));
  tested.sort((a, b) => a[0] - b[0]);
  const adjusted = pValues.map(() => Number.NaN);
  let running = 0;
  tested.forEach(([p, i], rank) => {
    running = Math.max(running, Math.min(1, (tested.length - rank) * p));
    adjusted[i] = running;
  });
  return adjusted;
}

function sum(counts: readonly number[]): number {
  let total = 0;
  for (const n of counts) total += n;
  return total;
}
