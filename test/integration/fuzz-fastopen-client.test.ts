// Client Fast Open set-ups on the real kernel: a synsent campaign with setup.fastopen (sendto
// MSG_FASTOPEN, TCP_FASTOPEN_CONNECT and its deferred first write, a first connection that caches the
// cookie, the metrics flushed before each probe) under the client bit, the no-cookie mode and the client
// bit off agrees with the true model and reaches every client Fast Open rule.
import { expect } from 'chai';
import { fuzzCampaignText } from './fuzz-cli';
import { TmpDirs } from './tmp-dirs';

const CAMPAIGN = `name: tfo-client-it
seed: 87
budget: { probes: 240 }
target: synsent
ip: [4, 6]
rotate_every: 40
profiles:
  - name: client
    sysctls: { net.ipv4.tcp_fastopen: 1 }
  - name: client-no-cookie
    sysctls: { net.ipv4.tcp_fastopen: 5 }
  - name: server-only
    sysctls: { net.ipv4.tcp_fastopen: 2 }
connect: { port: 9000 }
generator:
  kinds: { synack_tfo: 10, synack: 2 }
  setup: { ts: 0.8, options: [mss=1460, sackOK, ts, nop, wscale=7], fastopen: 100 }
`;

const CLIENT_RULES = [
  'fastopen.client-off',
  'fastopen.client-defer',
  'fastopen.client-request',
  'fastopen.client-cookie',
  'fastopen.client-no-cookie',
  'fastopen.client-cache',
  'fastopen.client-no-cookie-reply',
  'fastopen.client-unsolicited',
  'fastopen.client-data-acked',
  'fastopen.client-data-resend',
  'fastopen.client-synack-data',
];

describe('fuzz client Fast Open on the real kernel', function () {
  this.timeout(180_000);
  const tmp = new TmpDirs();
  after(() => tmp.removeAll());

  it('240 probes over three tcp_fastopen profiles: no finding, every client Fast Open rule reached', () => {
    const s = fuzzCampaignText(tmp.make('fuzz-tfo-client'), 'tfo-client-it', CAMPAIGN);
    expect(s.probes).to.equal(240);
    expect(s.findings).to.deep.equal([]);
    for (const rule of CLIENT_RULES) expect(s.rules, rule).to.include(rule);
  });
});
