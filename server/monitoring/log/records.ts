import type { Prediction, PredictionDistribution, ReferenceProfile } from '../../ml/types';

/**
 * The prediction log's shared vocabulary: what the serving thread records, what crosses to the
 * log's thread, and what the log reports back. Every other file of log/ imports this one.
 */

export type PredictionRole = 'main' | 'challenger';
export type PredictionSource = 'api' | 'form' | 'pipeline';

/** What live values of one model are binned against: its version's training profile and holdout predictions. */
export interface Binning {
  profile: ReferenceProfile | null;
  predictions: PredictionDistribution | null;
}

/** One row predicted by one model: what came in, what went out, how long it took. */
export interface PredictionRecord {
  deploymentId: string;
  deploymentVersion: number;
  modelId: string;
  role: PredictionRole;
  requestId: string;
  /** Position of the row in its request. */
  rowIndex: number;
  input: unknown;
  /** The prediction, or null when the model failed (`error` says why). */
  output: Prediction | null;
  error?: string;
  /** Of the whole request (all its rows went through the model together). */
  latencyMs: number;
  source: PredictionSource;
  createdAt: Date;
  binning: Binning;
  /** Challenger rows: the main model's answer for the same row, for agreement. */
  mainOutput?: Prediction;
}

/** A pipeline run's result files, handed to the log once the run has succeeded. */
export interface RunPredictions {
  deploymentId: string;
  deploymentVersion: number;
  main: RunModelFile;
  challenger: RunModelFile | null;
  /** Rows in each file. */
  rows: number;
  features: Array<{ name: string; numeric: boolean }>;
  /** Classification labels (probability_<label> columns); empty for regression. */
  labels: string[];
  regression: boolean;
  /** The run's start and end: rows are dated between them, in file order. */
  startedAt: number;
  finishedAt: number;
}

export interface RunModelFile {
  modelId: string;
  binning: Binning;
  /** Path of the model's result CSV (features, prediction, probabilities), owned by the log from now on. */
  file: string;
}

export interface WriterOptions {
  flushMs: number;
  flushRows: number;
  /** Rows held in memory at most; beyond, incoming rows go to the spill folder. */
  maxBufferedRows: number;
  /** Where rows beyond `maxBufferedRows` are written until the database catches up. */
  spillDir: string;
}

/**
 * The two lanes of the log: rows recorded one request at a time (API, form), and the result
 * files of pipeline runs. Each is written in the order it came; live rows go first (behind at
 * most one buffer of run rows already read), so a long run's backlog does not hold back the
 * monitoring (or a feedback join) of live traffic.
 */
export type Lane = 'live' | 'runs';
export const LANES: Lane[] = ['live', 'runs'];

/**
 * What the writer reports per lane: rows written; rows given up (the database refused them, or
 * their files could not be read); rows dropped because their deployment was deleted meanwhile
 * (its monitoring data went with it).
 */
export interface LaneCounts {
  written: number;
  lost: number;
  discarded: number;
}

/** Counters of the log, for /metrics and tests: `lost` must stay 0. */
export interface PredictionLogStats {
  /** Rows written since the start. */
  written: number;
  /** Rows recorded but not written yet: in memory, or on disk. */
  buffered: number;
  /** Of `buffered`, the rows waiting on disk (spilled messages, runs' result files). */
  spilled: number;
  failedFlushes: number;
  lost: number;
  /** Rows of deployments deleted before they were written. */
  discarded: number;
}

export type WriterEvent =
  | { type: 'progress'; lanes: Record<Lane, LaneCounts>; failedFlushes: number; spilled: number }
  /** Rows another log left on disk that this one took over (they count as recorded here). */
  | { type: 'adopted'; rows: Record<Lane, number> }
  | { type: 'log'; level: 'warn' | 'error'; data: Record<string, unknown>; message: string };

/** The marker a stopping log leaves in its spill folder for the next start. */
export const LEFT_MARKER = 'left-for-next-start';

/** Everything the log's thread starts with. */
export interface LogThreadData {
  databaseUrl: string;
  options: WriterOptions;
}

export type ToLogThread =
  | { type: 'binning'; modelId: string; binning: Binning }
  /** A WireMessage as JSON (prediction-log-wire.ts). */
  | { type: 'rows'; json: string; rows: number }
  | { type: 'run'; run: RunPredictions }
  | { type: 'shed'; entry: { deploymentId: string; modelId: string; hour: string; rows: number } }
  /** A stopped log's spill folder, claimed (moved) for this one to write. */
  | { type: 'adopt'; folder: string }
  | { type: 'flush' }
  | { type: 'close'; deadline: number };

