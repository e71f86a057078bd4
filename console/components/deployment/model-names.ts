import type { DeploymentData } from '../../lib/operations/deployment';

/** Experiment version number of each model of the deployment's experiment, by model id. */
export function versionNumbers(deployment: DeploymentData): Map<string, number> {
  const numbers = new Map<string, number>();
  for (const version of deployment.experiment.versions) numbers.set(version.id, version.number);
  return numbers;
}

/** "v2 · mlp-64": model names repeat across versions, so always say which version. */
export function modelLabel(model: { name: string; versionId: string }, numbers: Map<string, number>): string {
  const number = numbers.get(model.versionId);
  return number === undefined ? model.name : `v${number} · ${model.name}`;
}
