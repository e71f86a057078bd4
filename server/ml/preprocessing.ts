import type {
  EncodedFeature,
  FeatureSchema,
  FeatureType,
  Prediction,
  PreprocessingSpec,
  ReferenceProfile,
  Row,
  RowIssue,
  TargetSpec,
  Task,
} from './types';
import { DatasetError } from './errors';
import { frequentCategories, MAX_CATEGORIES, NUMERIC_SHARE } from './csv';
import { compareText, isMissing, isScalar, notScalar, parseBoolean, parseCategory, parseNumber, showValue } from './values';

/**
 * The one function from a JSON row to a model input, and back from model outputs to
 * predictions. Training, online serving and batch pipelines all go through here with the
 * stored spec, so the same row always becomes the same Float32 vector.
 *
 * Input layout, feature by feature in spec order:
 * - numeric: one slot, (x − mean) / std; missing → the training median, standardized.
 * - categorical: one slot per vocabulary entry plus a last "unknown" slot for categories not
 *   seen in training; a missing value is all zeros (neither known nor unknown).
 * - boolean: one slot, 0/1; missing → `fill`, the training majority.
 *
 * Binary models output ONE sigmoid unit, the probability of `labels[1]` (labels are sorted,
 * so "yes" over "no", "true" over "false", "1" over "0"). `decodeOutputs` also reads a
 * two-unit softmax output, for uploaded models built that way.
 */

/** The column a model learns to predict, and the kind of prediction. */
export interface TargetChoice {
  name: string;
  task: Task;
}

/** How encoding treats a bad value: see `EncodeOptions.mode`. */
export type EncodeMode = 'strict' | 'best_effort';

export interface EncodeOptions {
  /**
   * strict (the predict API): a value of the wrong type, a missing required feature or an
   * unknown field is an issue and rejects the row. best_effort (batch scoring, evaluation):
   * the same problems are reported as issues, but the value is imputed or the field dropped
   * and the row kept.
   */
  mode?: EncodeMode;
  /** Number given to the first row in issues: 0 for API batches (default), 1 for CSV data rows. */
  firstRowNumber?: number;
  /**
   * 'ignore': fields that are not features are passed over silently, in either mode (a batch
   * source's other columns: ids, the target, another version's features). Default 'check'.
   */
  unknownFields?: 'check' | 'ignore';
  /** When given (`typicalValues`), values unlike the training data are listed in `unusual`. */
  typical?: TypicalValues;
}

/**
 * What the training data looked like, per feature of a spec, in the form encodeRows checks
 * cheaply: numeric bounds already standardized (compared with the encoded slot, no second
 * parse), and for categorical features only whether to flag the unknown slot.
 */
export interface TypicalValues {
  spec: PreprocessingSpec;
  features: Array<{ low: number; high: number; min: number; max: number } | 'categories' | undefined>;
}

/**
 * A numeric value is far outside the training range when it lies more than the range's width
 * below the training minimum or above the maximum (for a feature constant in training, more
 * than its magnitude, at least 1); a category is unusual when the model did not learn it (it
 * is encoded as unknown). Built once per spec and profile, not per request.
 */
export function typicalValues(spec: PreprocessingSpec, profile: ReferenceProfile | null): TypicalValues {
  const profiles = new Map((profile?.features ?? []).map((f) => [f.name, f]));
  return {
    spec,
    features: spec.features.map((feature) => {
      if (feature.type === 'categorical') return 'categories';
      const profiled = profiles.get(feature.name);
      if (feature.type !== 'numeric' || profiled?.type !== 'numeric' || !Number.isFinite(profiled.min) || !Number.isFinite(profiled.max)) return undefined;
      const { min, max } = profiled;
      const margin = max > min ? max - min : Math.max(Math.abs(max), 1);
      return { low: (min - margin - feature.mean) / feature.std, high: (max + margin - feature.mean) / feature.std, min, max };
    }),
  };
}

/** Encoded inputs of the rows that were kept, row-major, `width` values each. */
export interface EncodedRows {
  data: Float32Array;
  count: number;
  width: number;
  issues: RowIssue[];
  /** With `typical`: values used as given but unlike the training data (not issues: the row is kept in either mode). */
  unusual: RowIssue[];
  /** Indices (0-based, into the given rows) of rows left out of `data`, ascending. */
  rejected: number[];
}

/** Encoded targets: standardized values (regression), 0/1 (binary) or one-hot (multiclass). */
export interface EncodedTargets {
  data: Float32Array;
  count: number;
  width: number;
}

/**
 * Checks that `rows` can train a model for `target` with `schema`, locating the first
 * problem: the target or a feature is not a column, the target is constant (or not numeric
 * for regression, or has more than two labels for a binary task), or a numeric or boolean
 * feature is mostly something else. Row numbers are 1-based positions in `rows`, so call it
 * on the rows as read from the file, before any shuffle.
 */
export function checkTrainingData(rows: Row[], schema: FeatureSchema[], target: TargetChoice): void {
  if (rows.length === 0) throw new DatasetError({}, 'the dataset has no rows');
  const columns = columnsOf(rows);
  if (!columns.has(target.name)) {
    throw new DatasetError(
      { column: target.name },
      `the target is not a column of the dataset (columns: ${[...columns].join(', ')})`,
    );
  }
  for (const feature of schema) {
    if (feature.name !== target.name && !columns.has(feature.name)) {
      throw new DatasetError({ column: feature.name }, 'this feature is not a column of the dataset');
    }
  }
  if (!schema.some((feature) => feature.name !== target.name)) {
    throw new DatasetError({}, 'no features: choose at least one column besides the target');
  }
  checkTarget(rows, target);
  for (const feature of schema) {
    if (feature.name === target.name) continue;
    if (feature.type === 'numeric') checkMostly(rows, feature.name, 'numeric', parseNumber);
    if (feature.type === 'boolean') checkMostly(rows, feature.name, 'boolean', parseBoolean);
  }
}

/**
 * Fits the preprocessing spec on the training rows: numeric mean, population std (0 → 1) and
 * median; categorical vocabulary (the most frequent, in code-point order); boolean majority;
 * target mean/std (regression) or sorted labels (classification). The target is never a
 * feature, even when the schema lists it. Rows without a target value do not count toward the
 * target's statistics. Throws `DatasetError` as `checkTrainingData` does.
 */
export function fitPreprocessing(rows: Row[], schema: FeatureSchema[], target: TargetChoice): PreprocessingSpec {
  checkTrainingData(rows, schema, target);
  const features = schema.filter((feature) => feature.name !== target.name).map((feature) => fitFeature(rows, feature));
  const inputWidth = features.reduce((width, feature) => width + featureWidth(feature), 0);
  return { version: 1, features, target: fitTarget(rows, target), inputWidth };
}

/** Number of input slots a feature takes. */
export function featureWidth(feature: EncodedFeature): number {
  return feature.type === 'categorical' ? feature.vocabulary.length + 1 : 1;
}

/** Number of output units the spec's model has: 1 for regression and binary, one per label otherwise. */
export function outputWidth(target: TargetSpec): number {
  return target.task === 'multiclass' ? target.labels.length : 1;
}

/**
 * Encodes rows into one row-major Float32Array (see the layout above). Numbers and numeric
 * strings are read identically, so a CSV row and its JSON twin encode bit for bit the same.
 * A field named like the target is accepted and ignored; a row that is not an object is
 * always rejected.
 */
export function encodeRows(spec: PreprocessingSpec, rows: Row[], options: EncodeOptions = {}): EncodedRows {
  const strict = (options.mode ?? 'strict') === 'strict';
  const firstRowNumber = options.firstRowNumber ?? 0;
  const { known, slots } = lookupsOf(spec);
  const width = spec.inputWidth;
  const data = new Float32Array(rows.length * width);
  const issues: RowIssue[] = [];
  const unusual: RowIssue[] = [];
  const rejected: number[] = [];
  // Ranges of another spec would flag the wrong slots.
  const typical = options.typical?.spec === spec ? options.typical.features : undefined;
  let count = 0;

  rows.forEach((row, index) => {
    const rowNumber = firstRowNumber + index;
    if (typeof row !== 'object' || row === null || Array.isArray(row)) {
      issues.push({ row: rowNumber, field: '', message: 'expected an object of feature values' });
      rejected.push(index);
      return;
    }
    let bad = false;
    if (options.unknownFields !== 'ignore') for (const field of Object.keys(row)) {
      if (known.has(field)) continue;
      const value = row[field];
      const message = isScalar(value) ? 'is not a feature of this model' : notScalar(value);
      issues.push({ row: rowNumber, field, message: strict ? message : `${message}; ignored` });
      bad = true;
    }
    let offset = count * width;
    for (const [i, feature] of spec.features.entries()) {
      const problem = encodeFeature(feature, slots[i], row[feature.name], data, offset);
      if (problem !== undefined) {
        issues.push({ row: rowNumber, field: feature.name, message: strict ? problem : `${problem}; imputed` });
        bad = true;
      } else if (typical?.[i] !== undefined) {
        const note = unusualValue(feature, typical[i]!, row[feature.name], data, offset);
        if (note !== undefined) unusual.push({ row: rowNumber, field: feature.name, message: note });
      }
      offset += featureWidth(feature);
    }
    if (bad && strict) {
      // The next kept row overwrites what this one wrote.
      rejected.push(index);
      return;
    }
    count++;
  });
  return { data: count === rows.length ? data : data.slice(0, count * width), count, width, issues, unusual, rejected };
}

/** What is unlike the training data in a value encodeFeature accepted, read from the slots it wrote. */
function unusualValue(feature: EncodedFeature, typical: NonNullable<TypicalValues['features'][number]>, value: unknown, data: Float32Array, offset: number): string | undefined {
  if (typical === 'categories') {
    // Missing is all zeros; the unknown slot is the last one.
    if (feature.type !== 'categorical' || data[offset + feature.vocabulary.length] !== 1) return undefined;
    return `${showValue(value)} is not a category the model learned; it was encoded as unknown`;
  }
  const scaled = data[offset]!;
  if (scaled >= typical.low && scaled <= typical.high) return undefined;
  return `${showValue(value)} is far outside the training range (${typical.min} to ${typical.max}); the prediction may be unreliable`;
}

/**
 * Every field of every row holding an array or an object, whatever the model's features: the
 * predict API refuses them in every mode, since such a row could not even be logged (a
 * 5 000-level array overflows the stack of JSON.stringify). Rows that are not objects are left
 * to `encodeRows`. One typeof per field: cheap enough for every request.
 */
export function nonScalarIssues(rows: readonly Row[], firstRowNumber = 0): RowIssue[] {
  let issues: RowIssue[] | undefined;
  for (let index = 0; index < rows.length; index++) {
    const row = rows[index];
    if (typeof row !== 'object' || row === null || Array.isArray(row)) continue;
    for (const field in row) {
      const value = row[field];
      if (isScalar(value)) continue;
      (issues ??= []).push({ row: firstRowNumber + index, field, message: notScalar(value) });
    }
  }
  return issues ?? [];
}

/**
 * Writes one feature's slots at `offset` and returns what was wrong with the value, if
 * anything. A problem value is still written, imputed, so best_effort can keep the row.
 */
function encodeFeature(
  feature: EncodedFeature,
  slots: Map<string, number> | undefined,
  value: unknown,
  data: Float32Array,
  offset: number,
): string | undefined {
  // The type first: nothing below may walk or print a structure a client sent.
  if (!isScalar(value)) {
    imputeFeature(feature, data, offset);
    return notScalar(value);
  }
  const missing = isMissing(value);
  const required = missing && feature.nullable === false ? 'is required' : undefined;
  switch (feature.type) {
    case 'numeric': {
      const parsed = missing ? undefined : parseNumber(value);
      const scaled = parsed === undefined ? undefined : Math.fround((parsed - feature.mean) / feature.std);
      // A value far beyond float32 range would reach the model as Infinity and poison its output.
      const usable = scaled !== undefined && Number.isFinite(scaled);
      data[offset] = usable ? scaled : (feature.median - feature.mean) / feature.std;
      if (required) return required;
      if (missing) return undefined;
      if (parsed === undefined) return `expected a number, got ${showValue(value)}`;
      return usable ? undefined : `${showValue(value)} is too large`;
    }
    case 'boolean': {
      const parsed = missing ? undefined : parseBoolean(value);
      data[offset] = parsed === undefined ? feature.fill : parsed ? 1 : 0;
      return required ?? (missing || parsed !== undefined ? undefined : `expected true or false, got ${showValue(value)}`);
    }
    case 'categorical': {
      const size = feature.vocabulary.length;
      data.fill(0, offset, offset + size + 1);
      const category = missing ? undefined : parseCategory(value);
      if (category !== undefined) {
        data[offset + (slots?.get(category) ?? size)] = 1;
      }
      return required ?? (missing || category !== undefined ? undefined : `expected a category (text), got ${showValue(value)}`);
    }
  }
}

/** Writes what a missing value of the feature encodes to (the imputation of a bad value). */
function imputeFeature(feature: EncodedFeature, data: Float32Array, offset: number): void {
  if (feature.type === 'numeric') data[offset] = (feature.median - feature.mean) / feature.std;
  else if (feature.type === 'boolean') data[offset] = feature.fill;
  else data.fill(0, offset, offset + feature.vocabulary.length + 1);
}

/**
 * Encodes the target of every row for training. Throws `DatasetError` (row 1-based) for a
 * missing target, a non-numeric regression target, or a label the spec does not know.
 */
export function encodeTargets(spec: PreprocessingSpec, rows: Row[]): EncodedTargets {
  const target = spec.target;
  const width = outputWidth(target);
  const data = new Float32Array(rows.length * width);
  const slots = target.task === 'regression' ? new Map<string, number>() : indexOf(target.labels);
  rows.forEach((row, index) => {
    const value = row[target.name];
    const location = { row: index + 1, column: target.name };
    if (isMissing(value)) throw new DatasetError(location, 'the target has no value');
    if (target.task === 'regression') {
      const parsed = parseNumber(value);
      if (parsed === undefined) throw new DatasetError(location, `expected a number, got ${showValue(value)}`);
      data[index] = (parsed - target.mean) / target.std;
      return;
    }
    const slot = slots.get(parseCategory(value) ?? '');
    if (slot === undefined) throw new DatasetError(location, `${showValue(value)} is not one of the labels ${target.labels.join(', ')}`);
    if (target.task === 'binary') data[index] = slot;
    else data[index * width + slot] = 1;
  });
  return { data, count: rows.length, width };
}

/**
 * Turns raw model outputs (`count` rows, row-major) into predictions. Regression: the
 * standardized output mapped back to the target's scale. Classification: outputs must be
 * probabilities (sigmoid or softmax); they are clipped to [0, 1] and renormalized to sum to
 * 1, and the prediction is the most probable label (the first on a tie). Throws on an
 * output that is NaN or infinite: a broken model must not look like an uncertain one.
 */
export function decodeOutputs(spec: PreprocessingSpec, outputs: Float32Array, count: number): Prediction[] {
  const target = spec.target;
  const width = count === 0 ? outputWidth(target) : outputs.length / count;
  const accepted = target.task === 'binary' ? [1, 2] : [outputWidth(target)];
  if (!Number.isInteger(width) || !accepted.includes(width)) {
    throw new Error(
      `the model returned ${outputs.length} values for ${count} rows; a ${target.task} model for this spec must output ${accepted.join(' or ')} per row`,
    );
  }
  const predictions: Prediction[] = [];
  for (let row = 0; row < count; row++) {
    if (target.task === 'regression') {
      if (!Number.isFinite(outputs[row])) throw new Error(`the model returned a non-number (${outputs[row]}) for row ${row}`);
      predictions.push({ prediction: outputs[row] * target.std + target.mean });
      continue;
    }
    // Plain loops: this runs for every row of every request.
    const classes = target.labels.length;
    const raw = new Array<number>(classes);
    for (let i = 0; i < classes; i++) raw[i] = target.task === 'binary' && width === 1 ? (i === 0 ? 1 - outputs[row] : outputs[row]) : outputs[row * width + i];
    if (!raw.every(Number.isFinite)) throw new Error(`the model returned a non-number (${raw.join(', ')}) for row ${row}`);
    let total = 0;
    for (let i = 0; i < classes; i++) {
      raw[i] = Math.min(1, Math.max(0, raw[i]));
      total += raw[i];
    }
    const probabilities: Record<string, number> = {};
    let best = 0;
    for (let i = 0; i < classes; i++) {
      probabilities[target.labels[i]] = total > 0 ? raw[i] / total : 1 / classes;
      if (raw[i] > raw[best]) best = i;
    }
    predictions.push({ prediction: target.labels[best], probabilities });
  }
  return predictions;
}

function fitFeature(rows: Row[], feature: FeatureSchema): EncodedFeature {
  const { name, nullable } = feature;
  if (feature.type === 'numeric') {
    const values: number[] = [];
    for (const row of rows) {
      const parsed = isMissing(row[name]) ? undefined : parseNumber(row[name]);
      if (parsed !== undefined) values.push(parsed);
    }
    const { mean, std } = meanAndStd(values);
    return { name, type: 'numeric', mean, std: std > 0 ? std : 1, median: median(values), nullable };
  }
  if (feature.type === 'boolean') {
    let ones = 0;
    let zeros = 0;
    for (const row of rows) {
      const parsed = isMissing(row[name]) ? undefined : parseBoolean(row[name]);
      if (parsed === true) ones++;
      if (parsed === false) zeros++;
    }
    return { name, type: 'boolean', fill: ones > zeros ? 1 : 0, nullable };
  }
  const present = rows.map((row) => row[name]).filter((value) => !isMissing(value));
  return { name, type: 'categorical', vocabulary: frequentCategories(present, MAX_CATEGORIES), nullable };
}

function fitTarget(rows: Row[], target: TargetChoice): TargetSpec {
  const present = rows.map((row) => row[target.name]).filter((value) => !isMissing(value));
  if (target.task === 'regression') {
    const { mean, std } = meanAndStd(present.map((value) => parseNumber(value) ?? Number.NaN));
    if (!(std > 0)) throw new DatasetError({ column: target.name }, 'the target has the same value in every training row');
    return { name: target.name, task: 'regression', mean, std };
  }
  const labels = [...new Set(present.map((value) => parseCategory(value) ?? ''))].sort(compareText);
  if (labels.length < 2) throw new DatasetError({ column: target.name }, 'the target has a single label in the training rows');
  return { name: target.name, task: target.task, labels };
}

function checkTarget(rows: Row[], target: TargetChoice): void {
  const column = target.name;
  const distinct = new Set<string>();
  let first: unknown;
  rows.forEach((row, index) => {
    const value = row[column];
    if (isMissing(value)) return;
    if (target.task === 'regression' && parseNumber(value) === undefined) {
      throw new DatasetError({ row: index + 1, column }, `a regression target must be a number, got ${showValue(value)}`);
    }
    first ??= value;
    if (distinct.size <= 2) distinct.add(target.task === 'regression' ? String(parseNumber(value)) : (parseCategory(value) ?? ''));
  });
  if (distinct.size === 0) throw new DatasetError({ column }, 'the target has no values');
  if (distinct.size === 1) {
    throw new DatasetError({ column }, `the target has the same value (${showValue(first)}) in every row; there is nothing to learn`);
  }
  if (target.task === 'binary' && distinct.size > 2) {
    throw new DatasetError({ column }, 'a binary target must have exactly two labels; this one has more (choose multiclass)');
  }
}

/** Rejects a column declared numeric or boolean whose values are mostly something else. */
function checkMostly(rows: Row[], column: string, type: FeatureType, parse: (value: unknown) => unknown): void {
  let present = 0;
  let bad = 0;
  let sample: { row: number; value: unknown } | undefined;
  rows.forEach((row, index) => {
    const value = row[column];
    if (isMissing(value)) return;
    present++;
    if (parse(value) === undefined) {
      bad++;
      sample ??= { row: index + 1, value };
    }
  });
  if (sample !== undefined && present - bad < NUMERIC_SHARE * present) {
    throw new DatasetError(
      { row: sample.row, column },
      `the column is declared ${type} but ${bad} of its ${present} values are not (for example ${showValue(sample.value)} in row ${sample.row}); declare it categorical or fix the values`,
    );
  }
}

function columnsOf(rows: Row[]): Set<string> {
  const columns = new Set<string>();
  for (const row of rows) for (const key of Object.keys(row)) columns.add(key);
  return columns;
}

/** Mean and population standard deviation (Welford, for stability on large values). */
function meanAndStd(values: readonly number[]): { mean: number; std: number } {
  let mean = 0;
  let m2 = 0;
  values.forEach((x, i) => {
    const delta = x - mean;
    mean += delta / (i + 1);
    m2 += delta * (x - mean);
  });
  return { mean, std: values.length > 0 ? Math.sqrt(m2 / values.length) : 0 };
}

function median(values: readonly number[]): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

/** Per vocabulary or label list (specs are not changed once fitted): built once, not per call. */
const indexes = new WeakMap<readonly string[], Map<string, number>>();

function indexOf(values: readonly string[]): Map<string, number> {
  let index = indexes.get(values);
  if (!index) indexes.set(values, (index = new Map(values.map((value, i) => [value, i]))));
  return index;
}

const specLookups = new WeakMap<PreprocessingSpec, { known: Set<string>; slots: Array<Map<string, number> | undefined> }>();

/** The fields a row may have, and each categorical feature's slots; per spec, not per request. */
function lookupsOf(spec: PreprocessingSpec) {
  let lookups = specLookups.get(spec);
  if (!lookups) {
    const known = new Set(spec.features.map((feature) => feature.name));
    known.add(spec.target.name);
    // Looked up by map, not by search, so a stored vocabulary in any order still encodes right.
    const slots = spec.features.map((feature) => (feature.type === 'categorical' ? indexOf(feature.vocabulary) : undefined));
    specLookups.set(spec, (lookups = { known, slots }));
  }
  return lookups;
}
