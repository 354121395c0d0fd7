/**
 * Exponential backoff with "full jitter": a random delay up to base·2^attempt, capped. The
 * randomness keeps many clients that lost the server at the same moment from returning in step.
 */
export function backoffDelay(attempt: number, baseMs: number, maxMs: number, random = Math.random): number {
  const ceiling = Math.min(maxMs, baseMs * 2 ** Math.min(attempt, 30));
  return Math.round(baseMs / 2 + random() * (ceiling - baseMs / 2));
}
