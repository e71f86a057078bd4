import { randomBytes } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { DeploymentVersion } from '../deployments/deployment-version.entity';
import { Deployment } from '../deployments/deployment.entity';
import { DEPLOYMENT_SWITCHED } from '../deployments/deployment.service';
import { ExperimentVersion } from '../experiments/experiment-version.entity';
import { Model } from '../experiments/model.entity';
import type { PreprocessingSpec } from '../ml/types';
import type { Binning } from '../monitoring/log/prediction-log';
import type { ArtifactStore } from '../platform/artifacts/artifact-store';
import { BUS_RECONNECTED, topicFor, type EventBus } from '../platform/event-bus';
import type { Logger } from '../platform/logger';
import { MicroBatcher, type MicroBatcherOptions } from './micro-batcher';
import { codecFor, runtimeFor, type ModelCodec, type ModelRuntime } from '../ml/runtimes';
import { SwitchableSlot } from './switchable-slot';

export type ModelState = 'loading' | 'ready' | 'failed';

/** A model as this replica serves it: its spec, its runtime and where loading stands. */
export interface ServedModel {
  model: Model;
  /** The number of the model's experiment version (v1, v2…): what people call the model by. */
  experimentVersion: number;
  /** The preprocessing spec of the model's own experiment version. */
  spec: PreprocessingSpec;
  /** The version's real training row, for probes and examples. */
  example: Record<string, unknown> | null;
  /** The bins monitoring puts its live inputs and predictions into. */
  binning: Binning;
  state: ModelState;
  reason?: string;
  /** Rows ↔ the model's tensors, by its input and output contract. */
  codec: ModelCodec;
  runtime: ModelRuntime;
  batcher: MicroBatcher;
}

/** What one request is served by: leased as a whole, so a switch never mixes versions. */
export interface ServingSet {
  deployment: Deployment;
  version: DeploymentVersion;
  /**
   * Features of any version of the experiment. A model ignores those it was not trained on,
   * so clients keep sending the same rows whichever version serves them.
   */
  experimentFeatures: Set<string>;
  main: ServedModel;
  challenger: ServedModel | null;
}

export interface ModelStatus {
  modelId: string;
  name: string;
  state: ModelState;
  reason?: string;
}

/** The two statuses shown for every deployment, as this replica sees them. */
export interface DeploymentStatus {
  deploymentId: string;
  /** Its models are built, loaded and available over the API. */
  deployed: boolean;
  /** The prediction API answers (periodic probe through HTTP, and recent requests). */
  running: boolean;
  /** Why it is not running, when it is not. */
  runningReason?: string;
  version: number | null;
  main: ModelStatus | null;
  challenger: ModelStatus | null;
}

/** Local bus topic: a deployment's status changed on this replica. */
export const DEPLOYMENT_STATUS = 'DEPLOYMENT_STATUS';
export const PROJECT_DEPLOYMENT_STATUS = 'PROJECT_DEPLOYMENT_STATUS';

/** Recent request outcomes kept per deployment to judge `running`. */
const OUTCOME_WINDOW = 20;

interface Entry {
  deployment: Deployment;
  slot: SwitchableSlot<ServingSet>;
  /** The set being loaded, shown in statuses until it is switched in. */
  loading: ServingSet | null;
  /** The last set that failed to load (main failed): the current set keeps serving. */
  failed: ServingSet | null;
  probe: { ok: boolean; reason?: string } | null;
  outcomes: boolean[];
}

export interface RegistryOptions {
  batching?: MicroBatcherOptions;
  /** How often each deployment is probed through its HTTP predict route (0: never). */
  probeIntervalMs?: number;
  /** Told the CPU time of every model call, for the usage monitoring. */
  onModelCall?: (deploymentId: string, cpuMicros: number, rows: number) => void;
}

/**
 * The models this replica serves, per deployment. A switch loads the new models first, then
 * swaps the serving set atomically; requests in flight finish on the old set, which is then
 * unloaded (MLServer's rolling pattern). Switches arrive on the event bus, so every replica
 * follows them. Loading failures mark the model failed; they never crash the server.
 */
export class DeploymentRegistry {
  private readonly entries = new Map<string, Entry>();
  private readonly slugs = new Map<string, string>();
  /** Reloads of one deployment run one after the other. */
  private readonly reloads = new Map<string, Promise<void>>();
  private unsubscribe: (() => void) | undefined;
  private probeTimer: NodeJS.Timeout | undefined;
  private selfUrl: string | undefined;
  /** Lets probes through access checks and keeps them out of monitoring; never leaves the process. */
  readonly probeSecret = randomBytes(24).toString('base64url');

  constructor(
    private readonly db: DataSource,
    private readonly bus: EventBus,
    private readonly artifacts: ArtifactStore,
    private readonly logger: Logger,
    private readonly options: RegistryOptions = {},
  ) {}

  /** Follows switches from now on and loads every deployment's current version. */
  async start(): Promise<void> {
    const offSwitched = this.bus.on(DEPLOYMENT_SWITCHED, (payload) => void this.reload((payload as { deploymentId: string }).deploymentId));
    // Switches and deletions published while the bus was away are lost: read them again.
    const offReconnected = this.bus.on(BUS_RECONNECTED, () => void this.reloadAll().catch((error) => this.logger.error({ err: error }, 'could not reload deployments after the event bus reconnected')));
    this.unsubscribe = () => {
      offSwitched();
      offReconnected();
    };
    await this.reloadAll();
  }

  /**
   * Loads every deployment that does not serve its current version yet (those already serving it
   * are left alone) and unloads those deleted: at start, when object storage answers after an
   * outage, and when the event bus listens again (switches published meanwhile were lost).
   */
  async reloadAll(): Promise<void> {
    const ids: Array<{ id: string }> = await this.db.query('SELECT id FROM deployments');
    const known = new Set([...ids.map(({ id }) => id), ...this.entries.keys()]);
    await Promise.all([...known].map((id) => this.reload(id)));
  }

  /** Starts probing through the server's own HTTP address once it listens. */
  startProbing(selfUrl: string): void {
    this.selfUrl = selfUrl;
    const interval = this.options.probeIntervalMs ?? 30_000;
    if (interval > 0) this.probeTimer = setInterval(() => void this.probeAll(), interval).unref();
    void this.probeAll();
  }

  async stop(): Promise<void> {
    this.unsubscribe?.();
    clearInterval(this.probeTimer);
    await Promise.all(this.reloads.values());
    for (const entry of [...this.entries.values()]) {
      const old = await entry.slot.swap(undefined);
      if (old) unloadSet(old);
    }
    this.entries.clear();
    this.slugs.clear();
  }

  /** The serving entry of a slug, or undefined when no such deployment exists. */
  bySlug(slug: string): Entry | undefined {
    const id = this.slugs.get(slug);
    return id ? this.entries.get(id) : undefined;
  }

  /** Loads the deployment's current version if it is not the one served; drops a deleted deployment. */
  reload(deploymentId: string): Promise<void> {
    const run = () => this.reloadNow(deploymentId).catch((error) => this.logger.error({ err: error, deploymentId }, 'could not reload deployment'));
    const next = (this.reloads.get(deploymentId) ?? Promise.resolve()).then(run);
    this.reloads.set(deploymentId, next);
    void next.then(() => {
      if (this.reloads.get(deploymentId) === next) this.reloads.delete(deploymentId);
    });
    return next;
  }

  private async reloadNow(deploymentId: string): Promise<void> {
    const deployment = await this.db.getRepository(Deployment).findOneBy({ id: deploymentId });
    let entry = this.entries.get(deploymentId);
    if (!deployment || !deployment.currentVersionId) {
      if (entry) {
        this.entries.delete(deploymentId);
        this.slugs.delete(entry.deployment.slug);
        const old = await entry.slot.swap(undefined);
        if (old) unloadSet(old);
        this.announce(entry);
      }
      return;
    }
    if (!entry) {
      entry = { deployment, slot: new SwitchableSlot<ServingSet>(), loading: null, failed: null, probe: null, outcomes: [] };
      this.entries.set(deploymentId, entry);
      this.slugs.set(deployment.slug, deploymentId);
    }
    if (entry.slot.value?.version.id === deployment.currentVersionId) return;

    const version = await this.db.getRepository(DeploymentVersion).findOneByOrFail({ id: deployment.currentVersionId });
    const schemas: Array<{ feature_schema: Array<{ name: string }> }> = await this.db.query('SELECT feature_schema FROM experiment_versions WHERE experiment_id = $1', [deployment.experimentId]);
    const set: ServingSet = {
      deployment,
      version,
      experimentFeatures: new Set(schemas.flatMap((s) => s.feature_schema.map((f) => f.name))),
      main: await this.serve(version.mainModelId, deploymentId),
      challenger: version.challengerModelId ? await this.serve(version.challengerModelId, deploymentId) : null,
    };
    entry.loading = set;
    entry.failed = null;
    this.announce(entry);
    await Promise.all([this.load(set.main), set.challenger && this.load(set.challenger)]);
    entry.loading = null;

    if (set.main.state !== 'ready') {
      // The version currently served (if any) keeps serving; the failure shows in the status.
      entry.failed = set;
      unloadSet(set);
      this.logger.error({ deploymentId, version: version.number, reason: set.main.reason }, 'main model failed to load');
      this.announce(entry);
      return;
    }
    const old = entry.slot.swap(set);
    entry.outcomes = [];
    entry.probe = null;
    this.announce(entry);
    this.logger.info({ deployment: deployment.slug, version: version.number }, 'deployment switched');
    if (this.selfUrl) void this.probe(entry);
    const retired = await old;
    if (retired) unloadSet(retired);
  }

  private async serve(modelId: string, deploymentId: string): Promise<ServedModel> {
    const model = await this.db.getRepository(Model).findOneByOrFail({ id: modelId });
    const version = await this.db.getRepository(ExperimentVersion).findOneByOrFail({ id: model.versionId });
    const runtime = runtimeFor(model, modelFiles(this.artifacts, model));
    return {
      model,
      experimentVersion: version.number,
      spec: version.preprocessing!,
      codec: codecFor(version.preprocessing!, model.contract),
      example: version.example,
      binning: { profile: version.profile, predictions: model.holdoutDistribution },
      state: 'loading',
      runtime,
      batcher: new MicroBatcher(runtime, { ...this.options.batching, onModelCall: (cpu, rows) => this.options.onModelCall?.(deploymentId, cpu, rows) }),
    };
  }

  private async load(served: ServedModel): Promise<void> {
    try {
      await served.runtime.load();
      served.state = 'ready';
    } catch (error) {
      served.state = 'failed';
      served.reason = error instanceof Error ? error.message : String(error);
    }
  }

  /** Bytes of model weights each deployment holds on this replica: the serving set and one still loading. */
  memoryByDeployment(): Map<string, number> {
    const bytes = new Map<string, number>();
    for (const [id, entry] of this.entries) {
      let total = 0;
      for (const set of [entry.slot.value, entry.loading]) if (set) total += set.main.runtime.weightBytes + (set.challenger?.runtime.weightBytes ?? 0);
      bytes.set(id, total);
    }
    return bytes;
  }

  /** Counts the outcome of a request: failures the server caused (5xx), not the caller's mistakes. */
  recordOutcome(deploymentId: string, ok: boolean): void {
    const entry = this.entries.get(deploymentId);
    if (!entry) return;
    const before = this.isRunning(entry).running;
    entry.outcomes.push(ok);
    if (entry.outcomes.length > OUTCOME_WINDOW) entry.outcomes.shift();
    if (this.isRunning(entry).running !== before) this.announce(entry);
  }

  status(deploymentId: string): DeploymentStatus {
    const entry = this.entries.get(deploymentId);
    const shown = entry?.loading ?? entry?.failed ?? entry?.slot.value ?? null;
    const serving = entry?.slot.value;
    const running = entry ? this.isRunning(entry) : { running: false, reason: 'not loaded on this server' };
    return {
      deploymentId,
      deployed: serving?.main.state === 'ready' && (serving.challenger === null || serving.challenger.state === 'ready'),
      running: running.running,
      runningReason: running.reason,
      version: shown?.version.number ?? null,
      main: shown ? modelStatus(shown.main) : null,
      challenger: shown?.challenger ? modelStatus(shown.challenger) : null,
    };
  }

  private isRunning(entry: Entry): { running: boolean; reason?: string } {
    if (!entry.slot.value) return { running: false, reason: 'no model is serving yet' };
    if (entry.probe && !entry.probe.ok) return { running: false, reason: entry.probe.reason };
    const failures = entry.outcomes.filter((ok) => !ok).length;
    if (entry.outcomes.length >= 5 && failures / entry.outcomes.length >= 0.5) {
      return { running: false, reason: `${failures} of the last ${entry.outcomes.length} requests failed` };
    }
    return { running: true };
  }

  /** Probes every deployment now (the timer calls it too). */
  async probeAll(): Promise<void> {
    await Promise.all([...this.entries.values()].map((entry) => this.probe(entry)));
  }

  /** One prediction through the real HTTP path, with the model version's own example row. */
  private async probe(entry: Entry): Promise<void> {
    const serving = entry.slot.value;
    if (!this.selfUrl || !serving) return;
    const before = this.isRunning(entry).running;
    try {
      const response = await fetch(`${this.selfUrl}/api/v1/deployments/${entry.deployment.slug}/predict`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-berth-probe': this.probeSecret },
        body: JSON.stringify({ inputs: serving.main.example ?? {} }),
        signal: AbortSignal.timeout(10_000),
      });
      entry.probe = response.ok ? { ok: true } : { ok: false, reason: `the probe got HTTP ${response.status}: ${(await response.text()).slice(0, 200)}` };
    } catch (error) {
      entry.probe = { ok: false, reason: `the probe failed: ${(error as Error).message}` };
    }
    if (this.isRunning(entry).running !== before) this.announce(entry);
  }

  private announce(entry: Entry): void {
    const payload = { deploymentId: entry.deployment.id, projectId: entry.deployment.projectId };
    this.bus.publishLocal(topicFor(DEPLOYMENT_STATUS, entry.deployment.id), payload);
    this.bus.publishLocal(topicFor(PROJECT_DEPLOYMENT_STATUS, entry.deployment.projectId), payload);
  }
}

/** Reads a stored model's files from the artifact store when its runtime loads. */
export function modelFiles(artifacts: ArtifactStore, model: Model): () => Promise<Array<{ name: string; bytes: Uint8Array }>> {
  return () => Promise.all(model.files.map(async (file) => ({ name: file.name, bytes: await artifacts.read(file.sha256) })));
}

function modelStatus(served: ServedModel): ModelStatus {
  return { modelId: served.model.id, name: served.model.name, state: served.state, reason: served.reason };
}

function unloadSet(set: ServingSet): void {
  set.main.runtime.unload();
  set.challenger?.runtime.unload();
}
