import type { Connection } from './connection.js';

const INITIAL_TTLS = new Set([32, 64, 128, 255]);
/** How much faster one side must answer in the handshake for timing to tell the vantage point. */
const TIMING_RATIO = 4;

export type Vantage = 'client' | 'server' | 'between' | 'unknown';

/**
 * Which end the capture is nearest to. TTLs first: a host's own packets
 * leave with an initial TTL (64, 128, 255...), the peer's arrive with it
 * decremented by each router on the way. When TTLs do not tell (no router,
 * or a capture between routers), the handshake's timing does: the side
 * near the capture point answers at once, the far side a round trip later.
 */
export function vantageOf(c: Connection): { vantage: Vantage; source: 'ttl' | 'timing' | 'none' } {
  let client = 0;
  let server = 0;
  let between = 0;
  for (const s of c.subflows) {
    const cd = s.flow.dirs[s.aIsClient ? 0 : 1];
    const sd = s.flow.dirs[s.aIsClient ? 1 : 0];
    if (cd.ttlMax < 0 || sd.ttlMax < 0) continue;
    const cInit = INITIAL_TTLS.has(cd.ttlMax);
    const sInit = INITIAL_TTLS.has(sd.ttlMax);
    if (cInit && !sInit) client++;
    else if (sInit && !cInit) server++;
    else if (!cInit && !sInit) between++;
  }
  if (client > server && client >= between) return { vantage: 'client', source: 'ttl' };
  if (server > client && server >= between) return { vantage: 'server', source: 'ttl' };
  // Timing: SYN → SYN/ACK is the server's answer, SYN/ACK → ACK the client's.
  for (const s of c.subflows) {
    const f = s.flow;
    const serverAnswer = f.synAckTime - f.synTime;
    const clientAnswer = f.ackTime - f.synAckTime;
    if (!(serverAnswer >= 0 && clientAnswer >= 0)) continue;
    const nearSyn = s.aIsClient ? 'client' : 'server';
    const nearOther = s.aIsClient ? 'server' : 'client';
    if (clientAnswer * TIMING_RATIO < serverAnswer) return { vantage: nearSyn, source: 'timing' };
    if (serverAnswer * TIMING_RATIO < clientAnswer) return { vantage: nearOther, source: 'timing' };
  }
  if (between > 0) return { vantage: 'between', source: 'ttl' };
  return { vantage: 'unknown', source: 'none' };
}
