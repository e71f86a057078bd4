import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parseAllDocuments } from 'yaml';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../server/config';
import { parseDockerfile } from '../support/dockerfile';

const ROOT = path.resolve(import.meta.dirname, '../..');
const dockerfile = parseDockerfile(readFileSync(path.join(ROOT, 'Dockerfile'), 'utf8'));

interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string> };
  [key: string]: any;
}

/** `kubectl kustomize` on an overlay: what `kubectl apply -k` would send. */
function render(overlay: string): K8sObject[] {
  let output: string;
  try {
    output = execFileSync('kubectl', ['kustomize', path.join(ROOT, 'deploy/kubernetes/overlays', overlay)], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (error) {
    const { code, stderr } = error as { code?: string; stderr?: string };
    if (code === 'ENOENT') throw new Error('kubectl is not installed: install it (Debian: apt-get install kubernetes-client; .ci/run does) to render deploy/kubernetes');
    throw new Error(`kubectl kustomize ${overlay} failed:\n${stderr}`);
  }
  return parseAllDocuments(output).map((document) => document.toJS() as K8sObject).filter(Boolean);
}

/** The kubernetes-models class of an object's apiVersion and kind (core group: "v1"). */
async function modelOf(object: K8sObject): Promise<(new (data: unknown) => { validate(): void }) | undefined> {
  const [group, version] = object.apiVersion.includes('/') ? object.apiVersion.split('/') : [undefined, object.apiVersion];
  const module = group ? `kubernetes-models/${group}/${version}/${object.kind}` : `kubernetes-models/${version}/${object.kind}`;
  try {
    return ((await import(module)) as Record<string, new (data: unknown) => { validate(): void }>)[object.kind];
  } catch {
    return undefined;
  }
}

/**
 * The Secret the operator creates (README, "Production"): the keys the pods read from it. With
 * AWS S3 and an IAM role for the pods, the S3 keys are left out.
 */
const OPERATOR_SECRETS: Record<string, Record<string, string>> = {
  default: {
    DATABASE_URL: 'postgres://berth:password@postgres.berth.svc:5432/berth',
    BERTH_SECRET: 'x'.repeat(48),
    BERTH_ADMIN_EMAIL: 'admin@example.com',
    BERTH_ADMIN_PASSWORD: 'a long enough password',
    BERTH_S3_ACCESS_KEY_ID: 'berth',
    BERTH_S3_SECRET_ACCESS_KEY: 'minio-secret-key',
  },
  production: {
    DATABASE_URL: 'postgres://berth:password@db.example.internal:5432/berth?sslmode=require',
    BERTH_SECRET: 'x'.repeat(48),
    BERTH_ADMIN_EMAIL: 'admin@example.com',
    BERTH_ADMIN_PASSWORD: 'a long enough password',
    BERTH_METRICS_TOKEN: 'm'.repeat(32),
  },
};

const matches = (selector: Record<string, string>, labels: Record<string, string> = {}) => Object.entries(selector).every(([key, value]) => labels[key] === value);

describe.each(['default', 'production'])('Kubernetes manifests: overlay %s', async (overlay) => {
  const objects = render(overlay);
  const ofKind = (kind: string) => objects.filter((o) => o.kind === kind);
  const byName = (kind: string, name: string) => {
    const found = objects.find((o) => o.kind === kind && o.metadata.name === name);
    if (!found) throw new Error(`no ${kind} ${name} in the ${overlay} overlay`);
    return found;
  };
  const api = byName('Deployment', 'berth-api');
  const worker = byName('Deployment', 'berth-worker');
  const secret = OPERATOR_SECRETS[overlay]!;

  /** The environment a pod's container starts with: the image's ENV, envFrom in order, then env. */
  const environmentOf = (deployment: K8sObject): Record<string, string> => {
    const container = deployment.spec.template.spec.containers[0];
    const environment: Record<string, string> = { ...dockerfile.env };
    for (const source of container.envFrom ?? []) {
      if (source.configMapRef) Object.assign(environment, byName('ConfigMap', source.configMapRef.name).data);
      if (source.secretRef) {
        expect(source.secretRef.name).toBe('berth-secrets');
        Object.assign(environment, secret);
      }
    }
    for (const variable of container.env ?? []) {
      if (variable.valueFrom?.secretKeyRef) {
        expect(secret, `${variable.name} from berth-secrets`).toHaveProperty(variable.valueFrom.secretKeyRef.key);
        environment[variable.name] = secret[variable.valueFrom.secretKeyRef.key]!;
      } else environment[variable.name] = variable.value;
    }
    return environment;
  };

  it('renders objects that each validate against the Kubernetes schemas', async () => {
    expect(objects.map((o) => o.kind).sort()).toEqual(expect.arrayContaining(['ConfigMap', 'Deployment', 'Deployment', 'HorizontalPodAutoscaler', 'PodDisruptionBudget', 'Service']));
    for (const object of objects) {
      const Model = await modelOf(object);
      if (object.kind === 'ServiceMonitor') continue; // a CRD: checked below against the Service
      expect(Model, `${object.apiVersion} ${object.kind} is a known Kubernetes type`).toBeDefined();
      expect(() => new Model!(object).validate(), `${object.kind} ${object.metadata.name}`).not.toThrow();
      expect(object.metadata.namespace, `${object.kind} ${object.metadata.name}`).toBe('berth');
    }
  });

  it('gives the API and the worker pods a configuration Berth accepts, with the same shared settings', () => {
    const apiConfig = loadConfig(environmentOf(api));
    const workerConfig = loadConfig(environmentOf(worker));
    expect(apiConfig.role).toBe('api');
    expect(workerConfig.role).toBe('worker');
    expect(apiConfig.host).toBe('0.0.0.0');
    expect(apiConfig.artifacts.kind, 'artifacts in object storage').toBe('s3');
    for (const field of ['databaseUrl', 'secret', 'publicUrl', 'artifacts', 'adminEmail'] as const) expect(workerConfig[field], field).toEqual(apiConfig[field]);
  });

  it('probes the API on /readyz (readiness) and /healthz (liveness) at the port it listens on', () => {
    const container = api.spec.template.spec.containers[0];
    const port = Number(environmentOf(api).PORT);
    const named = Object.fromEntries(container.ports.map((p: { name: string; containerPort: number }) => [p.name, p.containerPort]));
    const portOf = (probe: { httpGet: { port: string | number } }) => (typeof probe.httpGet.port === 'string' ? named[probe.httpGet.port] : probe.httpGet.port);
    expect(container.readinessProbe.httpGet.path).toBe('/readyz');
    expect(container.livenessProbe.httpGet.path).toBe('/healthz');
    for (const probe of [container.readinessProbe, container.livenessProbe, container.startupProbe].filter(Boolean)) expect(portOf(probe)).toBe(port);
  });

  it('shares no volume between pods: only per-pod emptyDir scratch space', () => {
    for (const deployment of ofKind('Deployment')) {
      for (const volume of deployment.spec.template.spec.volumes ?? []) expect(Object.keys(volume).filter((k) => k !== 'name'), `${deployment.metadata.name} ${volume.name}`).toEqual(['emptyDir']);
    }
    expect(ofKind('PersistentVolumeClaim')).toEqual([]);
  });

  it('sets resource requests and limits and runs as a non-root user', () => {
    for (const deployment of ofKind('Deployment')) {
      const spec = deployment.spec.template.spec;
      expect(spec.securityContext.runAsNonRoot, deployment.metadata.name).toBe(true);
      for (const container of spec.containers) {
        for (const kind of ['requests', 'limits']) for (const resource of ['cpu', 'memory']) expect(container.resources?.[kind]?.[resource], `${deployment.metadata.name} ${kind}.${resource}`).toBeDefined();
      }
    }
  });

  it('routes the Service, the autoscaler, the disruption budget (and the Ingress and ServiceMonitor when present) to the API pods', () => {
    const podLabels = api.spec.template.metadata.labels;
    expect(matches(api.spec.selector.matchLabels, podLabels)).toBe(true);
    expect(matches(worker.spec.selector.matchLabels, podLabels), 'the worker selects no API pod').toBe(false);
    const service = byName('Service', 'berth');
    expect(matches(service.spec.selector, podLabels)).toBe(true);
    expect(matches(service.spec.selector, worker.spec.template.metadata.labels), 'no worker behind the Service').toBe(false);
    const containerPorts = api.spec.template.spec.containers[0].ports.map((p: { name: string }) => p.name);
    for (const port of service.spec.ports) expect(containerPorts).toContain(port.targetPort);

    const hpa = byName('HorizontalPodAutoscaler', 'berth-api');
    expect(hpa.spec.scaleTargetRef).toMatchObject({ kind: 'Deployment', name: 'berth-api' });
    expect(hpa.spec.metrics).toContainEqual(expect.objectContaining({ type: 'Resource', resource: expect.objectContaining({ name: 'cpu' }) }));
    expect(hpa.spec.minReplicas).toBeLessThanOrEqual(hpa.spec.maxReplicas);
    // Else every `kubectl apply` resets the count the autoscaler chose.
    expect(api.spec.replicas, 'the autoscaler owns the API replica count').toBeUndefined();
    expect(matches(byName('PodDisruptionBudget', 'berth-api').spec.selector.matchLabels, podLabels)).toBe(true);

    for (const ingress of ofKind('Ingress')) {
      for (const rule of ingress.spec.rules) for (const p of rule.http.paths) expect(p.backend.service).toMatchObject({ name: 'berth', port: { name: service.spec.ports[0].name } });
    }
    for (const monitor of ofKind('ServiceMonitor')) {
      expect(matches(monitor.spec.selector.matchLabels, service.metadata.labels)).toBe(true);
      expect(monitor.spec.endpoints).toContainEqual(expect.objectContaining({ port: service.spec.ports[0].name, path: '/metrics' }));
      for (const endpoint of monitor.spec.endpoints) if (endpoint.bearerTokenSecret) expect(secret).toHaveProperty(endpoint.bearerTokenSecret.key);
    }
  });
});
