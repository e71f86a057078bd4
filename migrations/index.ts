import { Foundation1795565226742 } from './1795565226742-foundation';

/** In order. Listed explicitly so every runner (tsx, vitest, the CLI) loads the same set. */
export const migrations = [Foundation1795565226742];
