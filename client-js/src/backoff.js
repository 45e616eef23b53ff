// Reconnect delays: exponential growth with "equal jitter" (half fixed, half random), so a
// crowd of clients dropped together spreads out instead of returning in lockstep.

export const DEFAULT_BACKOFF = Object.freeze({ minDelayMs: 250, maxDelayMs: 15_000, factor: 2 });

export function backoffDelay(attempt, { minDelayMs, maxDelayMs, factor } = DEFAULT_BACKOFF, random = Math.random) {
  const cap = Math.min(maxDelayMs, minDelayMs * factor ** attempt);
  return Math.round(cap / 2 + random() * (cap / 2));
}
