/**
 * The shared vocabulary of the model registry: what a feature is, how a row becomes a model
 * input (the preprocessing spec), what the training data looked like (the reference
 * profile) and what a trained candidate reports. Everything here is plain JSON, stored on
 * the experiment version and the model.
 */

export type Task = 'regression' | 'binary' | 'multiclass';
export type FeatureType = 'numeric' | 'categorical' | 'boolean';

/** One input column as users and the API see it. */
export interface FeatureSchema {
  name: string;
  type: FeatureType;
  /** Whether a row may omit it (or send null); missing values are imputed. */
  nullable: boolean;
  /** For categorical features: the categories seen in training (others go to the unknown slot). */
  categories?: string[];
}

/** A JSON row: feature name → value, as sent to the predict API or read from a CSV. */
export type Row = Record<string, unknown>;

/**
 * How a row becomes the model's input vector, fitted once on the training split:
 * numeric → (x − mean) / std, missing → median; categorical → one-hot on `vocabulary` plus one
 * unknown slot; boolean → 0/1, missing → `fill`. Training, online serving and batch all call
 * the same functions with the same spec, so they produce bit-identical inputs.
 */
export interface PreprocessingSpec {
  version: 1;
  features: EncodedFeature[];
  target: TargetSpec;
  /** Length of one encoded input vector. */
  inputWidth: number;
}

/**
 * `nullable` is copied from the feature schema: when false, strict validation rejects a row
 * that omits the feature; absent or true, a missing value is imputed without complaint.
 */
export type EncodedFeature =
  | { name: string; type: 'numeric'; mean: number; std: number; median: number; nullable?: boolean }
  | { name: string; type: 'categorical'; vocabulary: string[]; nullable?: boolean }
  | { name: string; type: 'boolean'; fill: 0 | 1; nullable?: boolean };

export type TargetSpec =
  | { name: string; task: 'regression'; mean: number; std: number }
  | { name: string; task: 'binary' | 'multiclass'; labels: string[] };

/** What a model answers for one row. */
export interface Prediction {
  prediction: string | number;
  /** Classification only: label → probability, summing to 1. */
  probabilities?: Record<string, number>;
}

/** A value that could not be used, located precisely enough for a user to fix it. */
export interface RowIssue {
  /** 1-based data row (the header is row 0), or the index in an API batch. */
  row: number;
  field: string;
  message: string;
}

/** Compact description of the training data, on the bins monitoring will reuse for drift. */
export interface ReferenceProfile {
  rows: number;
  features: FeatureProfile[];
}

export type FeatureProfile =
  | {
      name: string;
      type: 'numeric';
      count: number;
      missing: number;
      min: number;
      max: number;
      mean: number;
      std: number;
      /** p1, p5, p25, p50, p75, p95, p99 */
      quantiles: Record<string, number>;
      /** Bin edges (ascending, length = bins + 1, first = min, last = max) and counts per bin. */
      edges: number[];
      counts: number[];
    }
  | {
      name: string;
      type: 'categorical' | 'boolean';
      count: number;
      missing: number;
      /** Top 50 categories by frequency; the rest summed in `other`. */
      frequencies: Record<string, number>;
      other: number;
    };

/** Distribution of a model's predictions on the holdout split: class counts, or binned values. */
export type PredictionDistribution =
  | { kind: 'classes'; counts: Record<string, number> }
  | { kind: 'bins'; edges: number[]; counts: number[] };

export interface RegressionMetrics {
  rmse: number;
  mae: number;
  r2: number;
}

export interface ClassificationMetrics {
  accuracy: number;
  logLoss: number;
  macroF1: number;
  /** Binary tasks only. */
  rocAuc?: number;
}

export type Metrics = RegressionMetrics | ClassificationMetrics;
