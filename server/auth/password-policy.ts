import { zxcvbn, zxcvbnOptions } from '@zxcvbn-ts/core';
import * as common from '@zxcvbn-ts/language-common';
import { badInput } from '../platform/errors';

export const MIN_PASSWORD_LENGTH = 10;
/** Argon2 takes any length, but the strength estimate grows with it; nobody types more. */
export const MAX_PASSWORD_LENGTH = 200;
/**
 * zxcvbn's scale: 0–1 guessable within ~10^6 guesses (common passwords, keyboard walks, repeats),
 * 2 within ~10^8 (an online attack with throttling stops there), 3 within ~10^10 ("safely
 * unguessable" against an offline attack on a slow hash like Argon2id), 4 beyond. 3 is what a
 * stolen database copy would need to resist, and passphrases such as "three random words" reach it.
 */
export const MIN_PASSWORD_SCORE = 3;

let configured = false;
function estimator() {
  if (!configured) {
    // The common-password and name dictionaries (English-independent); loaded on first use.
    zxcvbnOptions.setOptions({ dictionary: { ...common.dictionary }, graphs: common.adjacencyGraphs });
    configured = true;
  }
  return zxcvbn;
}

/**
 * Refuses a password that is whitespace only, shorter than MIN_PASSWORD_LENGTH, or guessable
 * (a strength score below MIN_PASSWORD_SCORE, counting the user's own email and name as known
 * words). `field` names the input in the error.
 */
export function checkPasswordStrength(password: string, field: string, userInputs: string[] = []): void {
  if (password.trim() === '') throw badInput(field, 'must not be empty or only spaces');
  if (password.length < MIN_PASSWORD_LENGTH) throw badInput(field, `must be at least ${MIN_PASSWORD_LENGTH} characters`);
  if (password.length > MAX_PASSWORD_LENGTH) throw badInput(field, `must be at most ${MAX_PASSWORD_LENGTH} characters`);
  const inputs = userInputs.flatMap((input) => [input, ...input.toLowerCase().split(/[@.\s_-]+/)]).filter((word) => word.length >= 3);
  const result = estimator()(password, inputs);
  if (result.score < MIN_PASSWORD_SCORE) {
    const why = result.feedback.warning ? `${WARNINGS[result.feedback.warning] ?? 'it is easy to guess'}` : 'it is easy to guess';
    throw badInput(field, `too weak: ${why}. Use a longer passphrase of several unrelated words, or a password manager's random password`);
  }
}

/** zxcvbn's warning keys in words (the translations ship in a separate package). */
const WARNINGS: Record<string, string> = {
  straightRow: 'it is a straight row of keys',
  keyPattern: 'it is a keyboard pattern',
  simpleRepeat: 'it repeats characters ("aaa")',
  extendedRepeat: 'it repeats a pattern ("abcabc")',
  sequences: 'it is a sequence ("abc", "123")',
  recentYears: 'it contains a recent year',
  dates: 'it contains a date',
  topTen: 'it is one of the ten most used passwords',
  topHundred: 'it is one of the hundred most used passwords',
  common: 'it is a commonly used password',
  similarToCommon: 'it is a common password with small changes',
  wordByItself: 'it is a single word',
  namesByThemselves: 'it is a single name',
  commonNames: 'it is a common name',
  userInputs: 'it contains your email or name',
  pwned: 'it appeared in a data breach',
};
