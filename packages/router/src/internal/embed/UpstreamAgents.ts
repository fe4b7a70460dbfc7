import http from 'node:http';
import type net from 'node:net';
import type { Upstream } from '../../forward/Upstream.ts';

export interface UpstreamAgentsOptions {
  /** Connections open at once to one upstream; requests beyond wait in the agent's queue. */
  readonly maxSockets: number;
  readonly maxIdle: number;
  readonly idleTimeout: number;
  /** Agents kept for upstreams not used lately; workers come and go, their ids with them. */
  readonly maxAgents: number;
}

/** One keep-alive `http.Agent` per upstream id, so no backend shares a socket pool with another. */
export class UpstreamAgents {
  readonly #options: UpstreamAgentsOptions;
  readonly #agents = new Map<string, http.Agent>();
  /** After `close`, a request still in flight that retries elsewhere gets an agent that pools nothing. */
  #closed = false;

  constructor(options: UpstreamAgentsOptions) {
    this.#options = options;
  }

  for(upstream: Upstream): http.Agent {
    let agent = this.#agents.get(upstream.id);
    if (agent !== undefined) {
      // Re-inserted so the map's order is least recently used first.
      this.#agents.delete(upstream.id);
      this.#agents.set(upstream.id, agent);
      return agent;
    }
    agent = new http.Agent({
      keepAlive: this.#options.maxIdle > 0 && !this.#closed,
      maxSockets: this.#options.maxSockets,
      maxFreeSockets: Math.max(this.#options.maxIdle, 1),
      timeout: this.#options.idleTimeout,
      scheduling: 'lifo',
    });
    agent.on('free', watchIdle);
    this.#agents.set(upstream.id, agent);
    this.#evict();
    return agent;
  }

  #evict(): void {
    if (this.#agents.size <= this.#options.maxAgents) return;
    for (const [id, agent] of this.#agents) {
      if (this.#agents.size <= this.#options.maxAgents) return;
      // Only an agent with nothing in flight goes; a busy one is still some request's.
      if (Object.keys(agent.sockets).length > 0 || Object.keys(agent.requests).length > 0) continue;
      agent.destroy();
      this.#agents.delete(id);
    }
  }

  /**
   * Closes every idle pooled connection; a connection still serving a request (or one queued in
   * its agent) ends with it instead of going back to the pool. (`agent.destroy()` would cut the
   * requests in flight too.)
   */
  close(): void {
    this.#closed = true;
    for (const agent of this.#agents.values()) {
      // A socket its request frees is closed rather than pooled once the pool may hold none.
      agent.maxFreeSockets = 0;
      for (const sockets of Object.values(agent.freeSockets)) for (const socket of sockets ?? []) socket.destroy();
    }
    this.#agents.clear();
  }
}

/**
 * A pooled socket that speaks while idle is closed, so it is never reused: its bytes would be
 * read as the next request's response (docs/proxy.md, Stray bytes from a backend). Node's agent
 * would otherwise drop them unseen, or, if they came in just as the socket was reused, hand them
 * to the next request.
 */
function watchIdle(socket: net.Socket): void {
  if (!socket.destroyed) socket.on('data', closeIdle);
}

function closeIdle(this: net.Socket): void {
  this.destroy();
}

/** Ends the watch of `watchIdle` when a request takes the socket from the pool. */
export function claimSocket(socket: net.Socket): void {
  socket.off('data', closeIdle);
}
