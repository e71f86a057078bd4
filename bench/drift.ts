import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { vegaRecords } from '../server/demo/vega-datasets';
import { inferFeatureTypes } from '../server/ml/csv';
import { binCount, binValue, createProfiler, isDiscreteEdges } from '../server/ml/profile';
import { seededRandom, type Random } from '../server/ml/random';
import type { FeatureProfile, FeatureSchema, ReferenceProfile, Row } from '../server/ml/types';
import { isMissing, parseNumber } from '../server/ml/values';
import { DEFAULT_DRIFT_THRESHOLDS } from '../server/monitoring/drift/calibration';
import { jensenShannonDistance } from '../server/monitoring/drift/jensen-shannon';
import { featuresDrift, referenceCounts } from '../server/monitoring/drift/report';
import { chiSquareTest, mergeSparseBins } from '../server/monitoring/drift/tests';
import { codeVersion, gaussian, positiveSetting, runBench, step } from './support';

/**
 * False alarms and detection power of the drift verdicts: `npm run bench:drift`. A benchmark,
 * not a test: it prints tables and writes bench/results/drift-*.json; it asserts nothing.
 *
 * For penguins and cars (the demo data sets, version 2 features), live windows of 100 … 10 000
 * rows are drawn many times (BENCH_TRIALS, 400: a rate near 5 % or 90 % is then known to about
 * ±2 points, any rate to ±5), their bin counts computed exactly as the prediction log does
 * (`binValue` on the reference profile) and judged by the same function that serves
 * `deploymentDrift` (`featuresDrift`). Scenarios:
 * - null-resample: live rows drawn with replacement from the training rows (the profile's own rows);
 * - null-population: training set and live window independent samples of one population, a
 *   smoothed bootstrap of the data set (a row drawn at random, continuous features jittered by
 *   JITTER standard deviations), the training set as large as the data set;
 * - shift-0.25σ / shift-0.5σ: one numeric feature of the live rows moved by that many training
 *   standard deviations, on top of null-population;
 * - switch-20%: 20 % of one categorical feature's values changed to another category;
 * - missing+5: 5 % of one feature's values made missing.
 * The current main's rule (fixed thresholds JS ≥ 0.1 with the missing bin inside, Wasserstein ≥
 * 0.1 σ on quantile bins, dataset when half the features) is kept here, and only here, to be
 * printed beside the new one on the same windows.
 */

const WINDOWS = [100, 300, 1000, 3000, 10000];
const JITTER = 0.25;
const POWER_GOAL = 0.9;
const FP_GOAL = 0.05;
/** The rule of the current main before calibration: kept to compare, nowhere else. */
const OLD = { jensenShannon: 0.1, wasserstein: 0.1, minRows: 100, datasetShare: 0.5 };

interface DataSet {
  name: string;
  data: string;
  target: string;
  features: string[];
  numericShift: string;
  categoricalSwitch: string;
  missingFeature: string;
}

const DATA_SETS: DataSet[] = [
  {
    name: 'penguins',
    data: 'penguins',
    target: 'Species',
    features: ['Island', 'Beak Length (mm)', 'Beak Depth (mm)', 'Flipper Length (mm)', 'Body Mass (g)', 'Sex'],
    numericShift: 'Flipper Length (mm)',
    categoricalSwitch: 'Island',
    missingFeature: 'Body Mass (g)',
  },
  {
    name: 'cars',
    data: 'cars',
    target: 'Miles_per_Gallon',
    features: ['Cylinders', 'Displacement', 'Horsepower', 'Weight_in_lbs', 'Acceleration', 'Origin'],
    numericShift: 'Weight_in_lbs',
    categoricalSwitch: 'Origin',
    missingFeature: 'Horsepower',
  },
];

type Scenario = 'null-resample' | 'null-population' | 'shift-0.25σ' | 'shift-0.5σ' | 'switch-20%' | 'missing+5';
const SCENARIOS: Scenario[] = ['null-resample', 'null-population', 'shift-0.25σ', 'shift-0.5σ', 'switch-20%', 'missing+5'];

/** Counts of flags over the trials of one cell. */
interface Cell {
  trials: number;
  /** Per feature: flagged by the new rule, by the old rule. */
  newFeature: Record<string, number>;
  oldFeature: Record<string, number>;
  newDataset: number;
  oldDataset: number;
  /** Per feature: missing share flagged as changed (new rule). */
  missingChanged: Record<string, number>;
  /** The switched categorical feature: plain χ² on present bins at 0.05, and at 0.05 / features (the same budget as the new rule). */
  chiSquare05: number;
  chiSquareBonferroni: number;
}

interface Setting {
  set: DataSet;
  rows: Row[];
  schema: FeatureSchema[];
  /** Training standard deviation of each numeric feature on the whole data set (the shifts' unit). */
  std: Record<string, number>;
  /** Numeric features with few values: not jittered (their population stays discrete). */
  discrete: Set<string>;
  categories: Record<string, string[]>;
}

function prepare(set: DataSet): Setting {
  const rows = vegaRecords(set.data)
    .filter((r) => !isMissing(r[set.target]))
    .map((r) => Object.fromEntries(set.features.map((f) => [f, r[f]])) as Row);
  const schema = inferFeatureTypes(rows, set.features);
  const profile = profileOf(schema, rows);
  const std: Record<string, number> = {};
  const discrete = new Set<string>();
  const categories: Record<string, string[]> = {};
  for (const feature of profile.features) {
    if (feature.type === 'numeric') {
      std[feature.name] = feature.std;
      if (isDiscreteEdges(feature.edges)) discrete.add(feature.name);
    } else categories[feature.name] = Object.keys(feature.frequencies);
  }
  return { set, rows, schema, std, discrete, categories };
}

function profileOf(schema: FeatureSchema[], rows: Row[], discreteValues?: number): ReferenceProfile {
  const profiler = createProfiler(schema, discreteValues === undefined ? {} : { discreteValues });
  for (const row of rows) profiler.add(row);
  return profiler.finish();
}

/** One row of the population: a data set row, continuous numeric features jittered. */
function populationRow(setting: Setting, random: Random): Row {
  const row = { ...setting.rows[Math.floor(random() * setting.rows.length)] };
  for (const [name, std] of Object.entries(setting.std)) {
    if (setting.discrete.has(name)) continue;
    const x = parseNumber(row[name]);
    if (x !== undefined) row[name] = x + JITTER * std * gaussian(random);
  }
  return row;
}

/** Changes a live row as the scenario says. */
function shiftRow(setting: Setting, scenario: Scenario, row: Row, random: Random): Row {
  const { set } = setting;
  if (scenario === 'shift-0.25σ' || scenario === 'shift-0.5σ') {
    const x = parseNumber(row[set.numericShift]);
    if (x !== undefined) row[set.numericShift] = x + (scenario === 'shift-0.5σ' ? 0.5 : 0.25) * setting.std[set.numericShift];
  } else if (scenario === 'switch-20%') {
    const value = row[set.categoricalSwitch];
    if (!isMissing(value) && random() < 0.2) {
      const others = setting.categories[set.categoricalSwitch].filter((c) => c !== String(value));
      row[set.categoricalSwitch] = others[Math.floor(random() * others.length)];
    }
  } else if (scenario === 'missing+5') {
    if (random() < 0.05) row[set.missingFeature] = null;
  }
  return row;
}

/** The current main's verdicts, copied from it: JS with the missing bin inside, Wasserstein on bin midpoints, half the features. */
function oldRule(profile: ReferenceProfile, counts: Map<string, number[]>): { features: Record<string, boolean>; dataset: boolean } {
  const features: Record<string, boolean> = {};
  let scored = 0;
  let drifted = 0;
  for (const feature of profile.features) {
    const current = counts.get(feature.name)!;
    const rows = current.reduce((a, b) => a + b, 0);
    if (rows < OLD.minRows) {
      features[feature.name] = false;
      continue;
    }
    scored++;
    const reference = referenceCounts(feature);
    let flag = jensenShannonDistance(reference, current) >= OLD.jensenShannon;
    if (!flag && feature.type === 'numeric') {
      const w = oldWasserstein(feature, reference, current);
      flag = w !== undefined && w >= OLD.wasserstein;
    }
    features[feature.name] = flag;
    if (flag) drifted++;
  }
  return { features, dataset: scored > 0 && drifted / scored >= OLD.datasetShare };
}

function oldWasserstein(feature: Extract<FeatureProfile, { type: 'numeric' }>, reference: number[], current: number[]): number | undefined {
  const { edges } = feature;
  const positions = edges.length === 0 ? [0, 0] : [edges[0], ...edges.slice(1).map((e, i) => (edges[i] + e) / 2), edges[edges.length - 1]];
  const p = reference.slice(0, -1);
  const q = current.slice(0, -1);
  const sp = p.reduce((a, b) => a + b, 0);
  const sq = q.reduce((a, b) => a + b, 0);
  if (sp === 0 || sq === 0) return undefined;
  let distance = 0;
  let cumulative = 0;
  for (let i = 0; i < positions.length - 1; i++) {
    cumulative += p[i] / sp - q[i] / sq;
    distance += Math.abs(cumulative) * (positions[i + 1] - positions[i]);
  }
  return distance / (feature.std > 0 ? feature.std : 1);
}

function emptyCell(features: string[]): Cell {
  const zeros = () => Object.fromEntries(features.map((f) => [f, 0]));
  return { trials: 0, newFeature: zeros(), oldFeature: zeros(), newDataset: 0, oldDataset: 0, missingChanged: zeros(), chiSquare05: 0, chiSquareBonferroni: 0 };
}

function runCell(setting: Setting, scenario: Scenario, window: number, trials: number, random: Random, fixed: { profile: ReferenceProfile; old: ReferenceProfile }): Cell {
  const { set } = setting;
  const cell = emptyCell(set.features);
  const bonferroni = 0.05 / set.features.length;
  for (let trial = 0; trial < trials; trial++) {
    let profile = fixed.profile;
    let old = fixed.old;
    if (scenario !== 'null-resample') {
      const reference = Array.from({ length: setting.rows.length }, () => populationRow(setting, random));
      profile = profileOf(setting.schema, reference);
      old = profileOf(setting.schema, reference, 0);
    }
    const counts = new Map(profile.features.map((f) => [f.name, new Array<number>(binCount(f)).fill(0)]));
    const oldCounts = new Map(old.features.map((f) => [f.name, new Array<number>(binCount(f)).fill(0)]));
    for (let i = 0; i < window; i++) {
      const row =
        scenario === 'null-resample' ? setting.rows[Math.floor(random() * setting.rows.length)] : shiftRow(setting, scenario, populationRow(setting, random), random);
      for (let f = 0; f < profile.features.length; f++) {
        const feature = profile.features[f];
        const value = row[feature.name];
        counts.get(feature.name)![binValue(feature, value)]++;
        oldCounts.get(feature.name)![binValue(old.features[f], value)]++;
      }
    }
    const report = featuresDrift(profile.features, counts);
    const before = oldRule(old, oldCounts);
    cell.trials++;
    for (const feature of report.features) {
      if (feature.drifted) cell.newFeature[feature.feature]++;
      if (feature.missing?.changed) cell.missingChanged[feature.feature]++;
      if (before.features[feature.feature]) cell.oldFeature[feature.feature]++;
    }
    if (report.drifted) cell.newDataset++;
    if (before.dataset) cell.oldDataset++;
    const switched = profile.features.find((f) => f.name === set.categoricalSwitch)!;
    const chi = chiSquareTest(...mergeSparseBins(referenceCounts(switched).slice(0, -1), counts.get(switched.name)!.slice(0, -1)));
    if (chi.pValue <= 0.05) cell.chiSquare05++;
    if (chi.pValue <= bonferroni) cell.chiSquareBonferroni++;
  }
  return cell;
}

const pct = (count: number, trials: number) => `${Math.round((100 * count) / trials)}`.padStart(3) + '%';

function printTable(title: string, header: string[], rows: string[][]): void {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  console.log(`\n${title}`);
  console.log(header.map((h, i) => h.padStart(widths[i])).join('  '));
  for (const row of rows) console.log(row.map((c, i) => c.padStart(widths[i])).join('  '));
}

/** The smallest window at which `rate` reaches the goal, or "never" and why. */
function smallestWindow(results: Map<string, Cell>, scenario: Scenario, rate: (cell: Cell) => number, referenceRows: number): string {
  for (const window of WINDOWS) {
    const cell = results.get(`${scenario}|${window}`)!;
    if (rate(cell) / cell.trials >= POWER_GOAL) return String(window);
  }
  return `never up to ${WINDOWS.at(-1)} (the ${referenceRows}-row training set caps the effective rows below ${referenceRows})`;
}

runBench(async () => {
  const trials = positiveSetting('BENCH_TRIALS', 400);
  const seed = positiveSetting('BENCH_SEED', 1);
  const random = seededRandom(seed);
  const output: Record<string, unknown> = {};
  const started = Date.now();
  for (const set of DATA_SETS) {
    const setting = prepare(set);
    const fixed = { profile: profileOf(setting.schema, setting.rows), old: profileOf(setting.schema, setting.rows, 0) };
    step(`${set.name}: ${setting.rows.length} training rows, features ${set.features.join(', ')}; discrete: ${[...setting.discrete].join(', ') || 'none'}`);
    const results = new Map<string, Cell>();
    for (const scenario of SCENARIOS) {
      for (const window of WINDOWS) {
        results.set(`${scenario}|${window}`, runCell(setting, scenario, window, trials, random, fixed));
      }
      step(`${set.name} ${scenario} done (${Math.round((Date.now() - started) / 1000)} s)`);
    }
    // False alarms: every feature and the dataset, old / new.
    for (const scenario of ['null-resample', 'null-population'] as const) {
      printTable(
        `${set.name} — ${scenario}: false positives, old / new rule (goal ≤ ${FP_GOAL * 100} % per feature and per dataset)`,
        ['rows', ...set.features.map((f) => f.slice(0, 14)), 'dataset', 'missing flag (new)'],
        WINDOWS.map((window) => {
          const cell = results.get(`${scenario}|${window}`)!;
          const anyMissing = Object.values(cell.missingChanged).reduce((a, b) => a + b, 0);
          return [
            String(window),
            ...set.features.map((f) => `${pct(cell.oldFeature[f], cell.trials)} /${pct(cell.newFeature[f], cell.trials)}`),
            `${pct(cell.oldDataset, cell.trials)} /${pct(cell.newDataset, cell.trials)}`,
            pct(anyMissing, cell.trials),
          ];
        }),
      );
    }
    // Power on the changed feature, old / new, and the dataset verdict.
    const shifts: Array<[Scenario, string]> = [
      ['shift-0.25σ', set.numericShift],
      ['shift-0.5σ', set.numericShift],
      ['switch-20%', set.categoricalSwitch],
    ];
    printTable(
      `${set.name} — power (old / new rule; goal ≥ ${POWER_GOAL * 100} %: +0.5σ at 100 rows, +0.25σ at 300 rows, the switch as χ² at the same false-positive budget)`,
      ['rows', ...shifts.map(([s, f]) => `${s} ${f.slice(0, 14)}`), 'dataset (switch)', `χ² 0.05 (switch)`, `χ² 0.05/${set.features.length} (switch)`],
      WINDOWS.map((window) => {
        const cells = shifts.map(([s]) => results.get(`${s}|${window}`)!);
        const sw = results.get(`switch-20%|${window}`)!;
        return [
          String(window),
          ...cells.map((cell, i) => `${pct(cell.oldFeature[shifts[i][1]], cell.trials)} /${pct(cell.newFeature[shifts[i][1]], cell.trials)}`),
          `${pct(sw.oldDataset, sw.trials)} /${pct(sw.newDataset, sw.trials)}`,
          pct(sw.chiSquare05, sw.trials),
          pct(sw.chiSquareBonferroni, sw.trials),
        ];
      }),
    );
    const missing = set.missingFeature;
    printTable(
      `${set.name} — 5 points more missing values in ${missing} (goal: flagged as a missing-share change at 300 rows, not as drift)`,
      ['rows', 'missing-share change (new)', 'distribution drift (new)', 'drift (old)'],
      WINDOWS.map((window) => {
        const cell = results.get(`missing+5|${window}`)!;
        return [String(window), pct(cell.missingChanged[missing], cell.trials), pct(cell.newFeature[missing], cell.trials), pct(cell.oldFeature[missing], cell.trials)];
      }),
    );
    const smallest: Record<string, { old: string; new: string }> = {};
    for (const [scenario, feature] of shifts) {
      smallest[`${scenario} ${feature}`] = {
        old: smallestWindow(results, scenario, (c) => c.oldFeature[feature], setting.rows.length),
        new: smallestWindow(results, scenario, (c) => c.newFeature[feature], setting.rows.length),
      };
    }
    smallest[`missing+5 ${missing}`] = { old: '—', new: smallestWindow(results, 'missing+5', (c) => c.missingChanged[missing], setting.rows.length) };
    printTable(`${set.name} — smallest window reaching ${POWER_GOAL * 100} % detection`, ['change', 'old', 'new'], Object.entries(smallest).map(([k, v]) => [k, v.old, v.new]));
    output[set.name] = { trainingRows: setting.rows.length, features: set.features, discrete: [...setting.discrete], cells: Object.fromEntries(results), smallest };
  }
  const report = {
    date: new Date().toISOString(),
    code: codeVersion(),
    settings: { trials, seed, windows: WINDOWS, jitter: JITTER, thresholds: DEFAULT_DRIFT_THRESHOLDS, old: OLD },
    seconds: (Date.now() - started) / 1000,
    results: output,
  };
  const resultsDir = fileURLToPath(new URL('./results', import.meta.url));
  await mkdir(resultsDir, { recursive: true });
  const json = JSON.stringify(report, null, 2);
  const file = path.join(resultsDir, `drift-${report.date.replace(/[:.]/g, '-')}.json`);
  await writeFile(file, json);
  await writeFile(path.join(resultsDir, 'drift-latest.json'), json);
  step(`written ${path.relative(process.cwd(), file)} and drift-latest.json (${Math.round(report.seconds)} s)`);
});
