import { Foundation1795565226742 } from './1795565226742-foundation';
import { Experiments1795567171150 } from './1795567171150-experiments';
import { Deployments1795568527084 } from './1795568527084-deployments';
import { Monitoring1795568600000 } from './1795568600000-monitoring';
import { Usage1795568700000 } from './1795568700000-usage';
import { Pipelines1795569620836 } from './1795569620836-pipelines';
import { DailyRollups1795574621585 } from './1795574621585-daily-rollups';
import { LoginSecurity1795580000000 } from './1795580000000-login-security';
import { ModelContracts1795590000000 } from './1795590000000-model-contracts';

/** In order. Listed explicitly so every runner (tsx, vitest, the CLI) loads the same set. */
export const migrations = [Foundation1795565226742, Experiments1795567171150, Deployments1795568527084, Monitoring1795568600000, Usage1795568700000, Pipelines1795569620836, DailyRollups1795574621585, LoginSecurity1795580000000, ModelContracts1795590000000];
