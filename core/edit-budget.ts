/**
 * Shared pacing for message edits a chat platform rate-limits per place (a channel, a
 * workspace): every progress message edited there takes its turn from the same budget, so ten
 * tracks rendering in one channel make one edit per interval between them, not ten.
 *
 * Each key (e.g. `channel:C1`, `team:T1`) allows one edit per its interval. An edit reserves the
 * earliest moment all its keys are free and pushes each key's next free moment past it. Callers
 * coalesce: they reserve once, wait, then send whatever is newest at that moment.
 */
export interface BudgetRule {
  /** Keys starting with this prefix follow this rule, e.g. 'channel:'. */
  prefix: string;
  /** Least time between two edits under one key. */
  intervalMs: number;
}

export class EditBudget {
  readonly #rules: readonly BudgetRule[];
  readonly #nextFree = new Map<string, number>();
  readonly #now: () => number;

  constructor(rules: readonly BudgetRule[], now: () => number = Date.now) {
    this.#rules = rules;
    this.#now = now;
  }

  /** Reserves the next slot free under every key; resolves how long to wait before using it. */
  reserve(keys: readonly string[], notBefore = 0): number {
    const now = this.#now();
    let at = Math.max(now, notBefore);
    for (const key of keys) at = Math.max(at, this.#nextFree.get(key) ?? 0);
    for (const key of keys) {
      const rule = this.#rules.find((r) => key.startsWith(r.prefix));
      if (rule) this.#nextFree.set(key, at + rule.intervalMs);
    }
    this.#prune(now);
    return at - now;
  }

  /** Keys idle for a while are forgotten, so the map stays as small as the set of busy places. */
  #prune(now: number): void {
    if (this.#nextFree.size < 1000) return;
    for (const [key, at] of this.#nextFree) if (at < now) this.#nextFree.delete(key);
  }
}
