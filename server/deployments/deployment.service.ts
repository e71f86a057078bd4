import type { DataSource, EntityManager } from 'typeorm';
import { User } from '../auth/user.entity';
import { generateToken, hashToken } from '../auth/credentials';
import { ExperimentVersion } from '../experiments/experiment-version.entity';
import type { ExperimentService } from '../experiments/experiment.service';
import { Model, ModelStatus } from '../experiments/model.entity';
import { badInput, conflict, DomainError, notFound } from '../platform/errors';
import type { EventBus } from '../platform/event-bus';
import { ApiKey } from './api-key.entity';
import { DeploymentEvent, DeploymentEventKind } from './deployment-event.entity';
import { DeploymentVersion } from './deployment-version.entity';
import { Deployment, DeploymentAccess, ValidationMode } from './deployment.entity';
import { slugify } from './slug';

/** Bus topic: a deployment's current version changed (or it was deleted); every replica reloads it. */
export const DEPLOYMENT_SWITCHED = 'DEPLOYMENT_SWITCHED';

export interface NewDeployment {
  projectId: string;
  name: string;
  description?: string | null;
  experimentId: string;
  mainModelId: string;
  challengerModelId?: string | null;
  access: DeploymentAccess;
  validationMode?: ValidationMode | null;
}

/** `last_used_at` of a key is written at most this often, not on every prediction. */
const LAST_USED_PRECISION_MS = 60 * 1000;
/** Keys revoked (one, or all of a deleted deployment): every replica forgets them at once. */
export const API_KEYS_REVOKED = 'API_KEYS_REVOKED';
/**
 * How long a verified key is trusted without reading it again: revocations arrive through the
 * event bus at once; this bounds the damage of one the bus missed (while it reconnected).
 */
const VERIFIED_KEY_MS = 5000;
/** A key was created: every replica forgets the keys it had found unknown (one of them may be it now). */
const API_KEY_CREATED = 'API_KEY_CREATED';
/**
 * How long a key found unknown (or revoked) is answered as such without reading the database,
 * and how many such keys are remembered: random keys must not each cost a read, and must not
 * grow memory without bound (beyond the bound, the oldest are forgotten first).
 */
const UNKNOWN_KEY_MS = 30_000;
const UNKNOWN_KEYS_MAX = 10_000;

interface VerifiedKey {
  keyId: string;
  deploymentId: string;
  verifiedAt: number;
  lastUsedAt: number;
}

export class DeploymentService {
  constructor(
    private readonly db: DataSource,
    private readonly bus: EventBus,
    private readonly experiments: ExperimentService,
  ) {
    experiments.addModelsInUseCheck((modelIds) => this.refuseModelsInUse(modelIds));
    bus.on(API_KEYS_REVOKED, (payload) => {
      const { keyId, deploymentId } = payload as { keyId?: string; deploymentId?: string };
      this.revocations++;
      for (const [hash, key] of this.verifiedKeys) if (key.keyId === keyId || key.deploymentId === deploymentId) this.verifiedKeys.delete(hash);
    });
    bus.on(API_KEY_CREATED, () => {
      this.creations++;
      this.unknownKeys.clear();
    });
  }

  /** Hashes of keys found unknown or revoked → until when that answer stands (insertion order: oldest first). */
  private readonly unknownKeys = new Map<string, number>();
  /** Creation events seen: a read that a creation overtook does not mark the key unknown. */
  private creations = 0;

  /** Keys by hash, verified against the database: a request with a known key reads nothing. */
  private readonly verifiedKeys = new Map<string, VerifiedKey>();
  /** Revocation events seen: a read that a revocation overtook is not kept. */
  private revocations = 0;

  list(projectId: string): Promise<Deployment[]> {
    return this.db.getRepository(Deployment).find({ where: { projectId }, order: { name: 'ASC' } });
  }

  async get(id: string): Promise<Deployment> {
    const deployment = await this.db.getRepository(Deployment).findOneBy({ id });
    if (!deployment) throw notFound('Deployment', id);
    return deployment;
  }

  bySlug(slug: string): Promise<Deployment | null> {
    return this.db.getRepository(Deployment).findOneBy({ slug });
  }

  countInProject(projectId: string): Promise<number> {
    return this.db.getRepository(Deployment).countBy({ projectId });
  }

  versions(deploymentId: string): Promise<DeploymentVersion[]> {
    return this.db.getRepository(DeploymentVersion).find({ where: { deploymentId }, order: { number: 'DESC' } });
  }

  async version(id: string): Promise<DeploymentVersion> {
    const version = await this.db.getRepository(DeploymentVersion).findOneBy({ id });
    if (!version) throw notFound('Deployment version', id);
    return version;
  }

  async currentVersion(deployment: Deployment): Promise<DeploymentVersion | null> {
    return deployment.currentVersionId ? this.db.getRepository(DeploymentVersion).findOneBy({ id: deployment.currentVersionId }) : null;
  }

  events(deploymentId: string): Promise<DeploymentEvent[]> {
    return this.db.getRepository(DeploymentEvent).find({ where: { deploymentId }, order: { createdAt: 'DESC' } });
  }

  /** The features the current main model reads, or null before the first version. */
  async features(deployment: Deployment): Promise<string[] | null> {
    const version = await this.currentVersion(deployment);
    if (!version) return null;
    const model = await this.experiments.model(version.mainModelId);
    return (await this.experiments.version(model.versionId)).preprocessing?.features.map((f) => f.name) ?? null;
  }

  async create(creator: User, input: NewDeployment): Promise<Deployment> {
    const name = input.name.trim();
    if (!name || name.length > 100) throw badInput('name', 'must be 1 to 100 characters');
    const experiment = await this.experiments.get(input.experimentId);
    // Another project's experiment is answered as if it did not exist: its name and project stay hidden.
    if (experiment.projectId !== input.projectId) throw notFound('Experiment', input.experimentId);
    await this.checkModels(experiment.id, input.mainModelId, input.challengerModelId ?? null);

    const deployment = await this.db.transaction(async (tx) => {
      const slug = await uniqueSlug(tx, slugify(name));
      const created = await tx.save(
        tx.create(Deployment, {
          projectId: input.projectId,
          experimentId: experiment.id,
          name,
          slug,
          description: input.description?.trim() ?? '',
          access: input.access,
          validationMode: input.validationMode ?? ValidationMode.strict,
          createdBy: creator.id,
        }),
      );
      const version = await tx.save(
        tx.create(DeploymentVersion, { deploymentId: created.id, number: 1, mainModelId: input.mainModelId, challengerModelId: input.challengerModelId ?? null, createdBy: creator.id }),
      );
      created.currentVersionId = version.id;
      await tx.update(Deployment, created.id, { currentVersionId: version.id });
      await tx.save(tx.create(DeploymentEvent, { deploymentId: created.id, kind: DeploymentEventKind.created, fromVersion: null, toVersion: 1, actorId: creator.id }));
      return created;
    });
    await this.announceSwitch(deployment);
    return deployment;
  }

  /** Version n+1 with any models of any versions of the experiment; it becomes current. */
  async deployModelVersion(actor: User, deploymentId: string, mainModelId: string, challengerModelId: string | null): Promise<DeploymentVersion> {
    const deployment = await this.get(deploymentId);
    await this.checkModels(deployment.experimentId, mainModelId, challengerModelId);
    const version = await this.db.transaction(async (tx) => {
      const locked = await lockDeployment(tx, deploymentId);
      const from = await currentNumber(tx, locked);
      const [{ max }] = await tx.query('SELECT max(number)::int AS max FROM deployment_versions WHERE deployment_id = $1', [deploymentId]);
      const created = await tx.save(tx.create(DeploymentVersion, { deploymentId, number: max + 1, mainModelId, challengerModelId, createdBy: actor.id }));
      await tx.update(Deployment, deploymentId, { currentVersionId: created.id });
      await tx.save(tx.create(DeploymentEvent, { deploymentId, kind: DeploymentEventKind.deployed, fromVersion: from, toVersion: created.number, actorId: actor.id }));
      return created;
    });
    await this.announceSwitch(deployment);
    return version;
  }

  /** Makes an earlier version current again, the same way a new version is switched in. */
  async rollback(actor: User, deploymentVersionId: string): Promise<DeploymentVersion> {
    const target = await this.version(deploymentVersionId);
    const deployment = await this.get(target.deploymentId);
    await this.db.transaction(async (tx) => {
      const locked = await lockDeployment(tx, deployment.id);
      if (locked.currentVersionId === target.id) throw conflict(`Version ${target.number} is already the current version`);
      const from = await currentNumber(tx, locked);
      await tx.update(Deployment, deployment.id, { currentVersionId: target.id });
      await tx.save(tx.create(DeploymentEvent, { deploymentId: deployment.id, kind: DeploymentEventKind.rolled_back, fromVersion: from, toVersion: target.number, actorId: actor.id }));
    });
    await this.announceSwitch(deployment);
    return target;
  }

  /** Deletes a deployment, its versions, keys and monitoring data; `confirm` must repeat its slug. */
  async delete(id: string, confirm: string): Promise<void> {
    const deployment = await this.get(id);
    if (confirm !== deployment.slug) throw badInput('confirm', `type the deployment's slug "${deployment.slug}" to confirm its deletion`);
    await this.db.transaction(async (tx) => {
      await tx.query('DELETE FROM predictions WHERE deployment_id = $1', [id]);
      await tx.delete(Deployment, id);
    });
    await this.bus.publish(API_KEYS_REVOKED, { deploymentId: id });
    await this.announceSwitch(deployment);
  }

  async createApiKey(creator: User, deploymentId: string, name: string): Promise<{ key: string; apiKey: ApiKey }> {
    await this.get(deploymentId);
    const trimmed = name.trim();
    if (!trimmed || trimmed.length > 100) throw badInput('name', 'give the key a name of 1 to 100 characters');
    const { secret, prefix, hash } = generateToken('key');
    const repository = this.db.getRepository(ApiKey);
    const apiKey = await repository.save(repository.create({ deploymentId, name: trimmed, prefix, keyHash: hash, createdBy: creator.id }));
    // Before the caller sees the key: no replica may still answer it as unknown from memory.
    await this.bus.publish(API_KEY_CREATED, {});
    return { key: secret, apiKey };
  }

  apiKeys(deploymentId: string): Promise<ApiKey[]> {
    return this.db.getRepository(ApiKey).find({ where: { deploymentId }, order: { createdAt: 'DESC' } });
  }

  async apiKey(id: string): Promise<ApiKey> {
    const key = await this.db.getRepository(ApiKey).findOneBy({ id });
    if (!key) throw notFound('API key', id);
    return key;
  }

  async revokeApiKey(id: string): Promise<ApiKey> {
    const key = await this.apiKey(id);
    if (!key.revokedAt) {
      key.revokedAt = new Date();
      await this.db.getRepository(ApiKey).save(key);
    }
    // Announced before the caller hears it is revoked; each replica forgets the key as it hears it.
    await this.bus.publish(API_KEYS_REVOKED, { keyId: key.id });
    return key;
  }

  /**
   * The deployment a key opens, or null for an unknown or revoked key. A key verified in the last
   * VERIFIED_KEY_MS is not read again (a read per request would cap keyed traffic at what the
   * database answers); `revokeApiKey` announces a revocation on the event bus before it returns,
   * and each replica forgets the key as it hears it. A key found unknown or revoked is answered
   * from memory for UNKNOWN_KEY_MS (random keys must not each cost a read); `createApiKey`
   * announces a creation, and each replica forgets the unknown keys as it hears it.
   */
  async deploymentOfKey(secret: string): Promise<string | null> {
    if (!secret.startsWith('berth_key_')) return null;
    const hash = hashToken(secret);
    const now = Date.now();
    let verified = this.verifiedKeys.get(hash);
    if (!verified || now - verified.verifiedAt > VERIFIED_KEY_MS) {
      this.verifiedKeys.delete(hash);
      const unknownUntil = this.unknownKeys.get(hash);
      if (unknownUntil !== undefined) {
        if (now < unknownUntil) return null;
        this.unknownKeys.delete(hash);
      }
      const revocations = this.revocations;
      const creations = this.creations;
      const key = await this.db.getRepository(ApiKey).findOneBy({ keyHash: hash });
      if (!key || key.revokedAt) {
        if (creations === this.creations) this.rememberUnknown(hash, now);
        return null;
      }
      verified = { keyId: key.id, deploymentId: key.deploymentId, verifiedAt: now, lastUsedAt: key.lastUsedAt?.getTime() ?? 0 };
      if (revocations === this.revocations) this.verifiedKeys.set(hash, verified);
    }
    if (now - verified.lastUsedAt > LAST_USED_PRECISION_MS) {
      verified.lastUsedAt = now;
      await this.db.getRepository(ApiKey).update(verified.keyId, { lastUsedAt: new Date(now) });
    }
    return verified.deploymentId;
  }

  private rememberUnknown(hash: string, now: number): void {
    if (this.unknownKeys.size >= UNKNOWN_KEYS_MAX) this.unknownKeys.delete(this.unknownKeys.keys().next().value!);
    this.unknownKeys.set(hash, now + UNKNOWN_KEY_MS);
  }

  /** Main and challenger: ready models of the deployment's experiment, and not the same one twice. */
  private async checkModels(experimentId: string, mainModelId: string, challengerModelId: string | null): Promise<void> {
    if (challengerModelId && challengerModelId === mainModelId) {
      throw badInput('challengerModelId', 'the challenger must be another model than the main one');
    }
    for (const [field, modelId] of [['mainModelId', mainModelId], ['challengerModelId', challengerModelId]] as const) {
      if (!modelId) continue;
      const model = await this.db.getRepository(Model).findOneBy({ id: modelId });
      const version = model ? await this.db.getRepository(ExperimentVersion).findOneByOrFail({ id: model.versionId }) : null;
      // A model of another project gets the same answer as one that does not exist: its name stays hidden.
      if (!model || !version || !(await this.sameProject(version.experimentId, experimentId))) {
        throw new DomainError('NOT_FOUND', `${field}: model ${modelId} does not exist or is not visible to you`, { field });
      }
      if (version.experimentId !== experimentId) {
        throw badInput(field, `model "${model.name}" belongs to another experiment; main and challenger must be models of the deployment's experiment`);
      }
      if (model.status !== ModelStatus.ready) {
        throw badInput(field, `model "${model.name}" of version ${version.number} is ${model.status}${model.failureReason ? ` (${model.failureReason})` : ''}; only ready models can be deployed`);
      }
    }
  }

  private async sameProject(experimentId: string, otherExperimentId: string): Promise<boolean> {
    if (experimentId === otherExperimentId) return true;
    const [one, other] = await Promise.all([this.experiments.get(experimentId), this.experiments.get(otherExperimentId)]);
    return one.projectId === other.projectId;
  }

  private async refuseModelsInUse(modelIds: string[]): Promise<void> {
    if (modelIds.length === 0) return;
    const rows: Array<{ name: string; number: number; model: string }> = await this.db.query(
      `SELECT d.name, v.number, m.name AS model FROM deployment_versions v
         JOIN deployments d ON d.id = v.deployment_id
         JOIN models m ON m.id IN (v.main_model_id, v.challenger_model_id)
        WHERE m.id = ANY($1) ORDER BY d.name, v.number`,
      [modelIds],
    );
    if (rows.length > 0) {
      const uses = rows.map((r) => `model "${r.model}" in deployment "${r.name}" version ${r.number}`);
      throw conflict(`Still deployed: ${uses.join('; ')}. Delete those deployments first`);
    }
  }

  private announceSwitch(deployment: Deployment): Promise<void> {
    return this.bus.publish(DEPLOYMENT_SWITCHED, { deploymentId: deployment.id, projectId: deployment.projectId });
  }
}

async function uniqueSlug(tx: EntityManager, base: string): Promise<string> {
  const taken = new Set<string>(
    (await tx.query(`SELECT slug FROM deployments WHERE slug = $1 OR slug LIKE $2`, [base, `${base}-%`])).map((r: { slug: string }) => r.slug),
  );
  if (!taken.has(base)) return base;
  for (let n = 2; ; n++) if (!taken.has(`${base}-${n}`)) return `${base}-${n}`;
}

/** Serializes switches of one deployment. */
async function lockDeployment(tx: EntityManager, id: string): Promise<Deployment> {
  const [row] = await tx.query('SELECT id, current_version_id AS "currentVersionId" FROM deployments WHERE id = $1 FOR UPDATE', [id]);
  if (!row) throw notFound('Deployment', id);
  return row as Deployment;
}

async function currentNumber(tx: EntityManager, deployment: Deployment): Promise<number | null> {
  if (!deployment.currentVersionId) return null;
  const [row] = await tx.query('SELECT number FROM deployment_versions WHERE id = $1', [deployment.currentVersionId]);
  return row?.number ?? null;
}
