import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AuthEvent, AuthOutcome, AuthRequest, AuthSuccess, AuthFailure } from '../src/index.ts';

/** A request with sensible defaults. */
export function request(headers: [string, string][] = [], extra: Partial<AuthRequest> = {}): AuthRequest {
  return { method: 'GET', target: '/app/page?x=1', headers, remoteAddress: '127.0.0.1', ...extra };
}

export function basic(user: string, password: string): [string, string] {
  return ['authorization', `Basic ${Buffer.from(`${user}:${password}`, 'utf8').toString('base64')}`];
}

export function bearer(token: string): [string, string] {
  return ['authorization', `Bearer ${token}`];
}

export function expectSuccess(outcome: AuthOutcome): AuthSuccess {
  if (!outcome.ok) throw new Error(`expected success, got ${outcome.status}: ${outcome.reason}`);
  return outcome;
}

export function expectFailure(outcome: AuthOutcome): AuthFailure {
  if (outcome.ok) throw new Error(`expected failure, got user ${outcome.identity.user}`);
  return outcome;
}

export function header(outcome: AuthFailure, name: string): string[] {
  return outcome.headers.filter(([n]) => n === name).map(([, v]) => v);
}

/** Collects events and lets a test wait for the next one of a name. */
export class EventLog {
  readonly events: AuthEvent[] = [];
  readonly #waiters: { name: string; resolve: (event: AuthEvent) => void }[] = [];

  readonly onEvent = (event: AuthEvent): void => {
    this.events.push(event);
    for (const waiter of [...this.#waiters]) {
      if (waiter.name !== event.name) continue;
      this.#waiters.splice(this.#waiters.indexOf(waiter), 1);
      waiter.resolve(event);
    }
  };

  next(name: string): Promise<AuthEvent> {
    return new Promise((resolve) => this.#waiters.push({ name, resolve }));
  }

  named(name: string): AuthEvent[] {
    return this.events.filter((event) => event.name === name);
  }
}

/** A fresh temporary directory per suite, removed afterwards. */
export function useTempDir(): { path: string } {
  const dir = { path: '' };
  before(async () => {
    dir.path = await mkdtemp(join(tmpdir(), 'portico-auth-'));
  });
  after(async () => {
    await rm(dir.path, { recursive: true, force: true });
  });
  return dir;
}
