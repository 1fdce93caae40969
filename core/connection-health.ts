/**
 * The state of each outside connection a process holds (Discord gateway, Slack socket or Web
 * API), for /healthz. Frontends report; the health endpoint reads. A `fatal` state means no
 * retry will fix it (a revoked token, disallowed intents): health turns red until an operator
 * acts, and the frontend has logged one plain line saying what to do.
 */
export type ConnectionState = 'connecting' | 'ready' | 'reconnecting' | 'down' | 'fatal';

export interface ConnectionStatus {
  state: ConnectionState;
  /** When the state last changed (ISO). */
  since: string;
  /** Plain words for an operator: what happened, what to do. */
  detail?: string;
  /** The last time the connection was seen working (ISO): a ready event or a successful call. */
  lastOkAt?: string;
}

export class ConnectionHealth {
  readonly #status = new Map<string, ConnectionStatus>();
  readonly #now: () => Date;

  constructor(now: () => Date = () => new Date()) {
    this.#now = now;
  }

  set(name: string, state: ConnectionState, detail?: string): void {
    const prev = this.#status.get(name);
    // A fatal state stays until the process restarts: nothing in-process can undo a revoke.
    if (prev?.state === 'fatal') return;
    const now = this.#now().toISOString();
    this.#status.set(name, {
      state,
      since: prev?.state === state ? prev.since : now,
      ...(detail ? { detail } : {}),
      lastOkAt: state === 'ready' ? now : prev?.lastOkAt,
    });
  }

  /** A call through the connection succeeded (e.g. a Slack Web API call in HTTP mode). */
  ok(name: string): void {
    const prev = this.#status.get(name);
    if (prev?.state === 'fatal') return;
    const now = this.#now().toISOString();
    this.#status.set(name, { state: 'ready', since: prev?.state === 'ready' ? prev.since : now, lastOkAt: now });
  }

  snapshot(): Record<string, ConnectionStatus> {
    return Object.fromEntries(this.#status);
  }

  /** False when any connection is in a state no retry will fix. */
  get healthy(): boolean {
    return ![...this.#status.values()].some((s) => s.state === 'fatal');
  }
}
