import type { Row } from '../ml/types';
import { badInput } from '../platform/errors';
import type { PredictCodec } from './edge';

/**
 * Berth's REST format: `{"inputs": {…}}` is one row, `{"inputs": [{…}, …]}` several; the answer
 * is the prediction service's response as it is (a public contract: keep it exactly).
 */
export const restCodec: PredictCodec<{ rows: Row[] }> = {
  read: (body) => ({ rows: inputRows(body) }),
  write: (result) => result.response,
};

/** `{"inputs": {…}}` is one row, `{"inputs": [{…}, …]}` several. */
export function inputRows(body: unknown): Row[] {
  const inputs = (body as { inputs?: unknown } | null)?.inputs;
  if (Array.isArray(inputs)) {
    if (inputs.length === 0) throw badInput('inputs', 'send at least one row');
    return inputs as Row[];
  }
  if (inputs !== null && typeof inputs === 'object') return [inputs as Row];
  throw badInput('inputs', 'send {"inputs": {feature: value, …}} for one row or {"inputs": [{…}, …]} for several');
}
