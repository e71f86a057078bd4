// The artifact store moved to ./artifacts/ (interface, local folder, S3); existing imports keep working.
export * from './artifacts/artifact-store';
export { LocalArtifactStore } from './artifacts/local';
