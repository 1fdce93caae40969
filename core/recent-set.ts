/**
 * A bounded insertion-ordered set: remembers the newest `limit` keys. The bots keep ids they have
 * seen or finished in it, so a long-running process does not grow.
 */
export class RecentSet {
  readonly #keys = new Set<string>();
  readonly #limit: number;
  constructor(limit: number) {
    this.#limit = limit;
  }
  has(key: string): boolean {
    return this.#keys.has(key);
  }
  /** True when the key was new (and is now remembered). */
  add(key: string): boolean {
    if (this.#keys.has(key)) return false;
    this.#keys.add(key);
    if (this.#keys.size > this.#limit) this.#keys.delete(this.#keys.values().next().value!);
    return true;
  }
}

/** Sets `key` in an insertion-ordered map, dropping the oldest entry past `limit`. */
export function rememberBounded<V>(map: Map<string, V>, key: string, value: V, limit = 5000): void {
  map.set(key, value);
  if (map.size > limit) map.delete(map.keys().next().value!);
}
