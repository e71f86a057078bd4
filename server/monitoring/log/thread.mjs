// The prediction log's thread starts here. A worker thread does not inherit the TypeScript loader
// of the thread that started it (vitest's in particular), so the writer is loaded through tsx.
import { tsImport } from 'tsx/esm/api';

await tsImport('./thread.ts', import.meta.url);
