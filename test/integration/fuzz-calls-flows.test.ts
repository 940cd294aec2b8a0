// Calls that add flows or answer the DUT, on the real kernel: other flows' requests and children
// filling a listener's queues around a request socket (other-syn, other-handshake; backlog 0 through
// net.core.somaxconn), and the peer's ACK of everything the DUT sent (peer-ack) after close() —
// agreeing with the true model, reaching the queue-limit and close rules.
import { expect } from 'chai';
import { fuzzCampaignText } from './fuzz-cli';
import { TmpDirs } from './tmp-dirs';

const QUEUES = `name: calls-flows-it
seed: 1601
budget: { probes: 200 }
target: request
ip: [4, 6]
rotate_every: 40
profiles:
  - name: backlog-0
    sysctls: { net.core.somaxconn: 0 }
  - name: backlog-0-no-cookies
    sysctls: { net.core.somaxconn: 0, net.ipv4.tcp_syncookies: 0 }
  - name: backlog-0-abort-on-overflow
    sysctls: { net.core.somaxconn: 0, net.ipv4.tcp_abort_on_overflow: 1 }
  - name: backlog-0-cookies-always
    sysctls: { net.core.somaxconn: 0, net.ipv4.tcp_syncookies: 2 }
  - name: max-syn-backlog-4
    sysctls: { net.ipv4.tcp_syncookies: 0, net.ipv4.tcp_max_syn_backlog: 4 }
listen: { port: 8080, backlog: 8 }
generator:
  kinds: { ack: 1 }
  ports: [10000, 29999]
  ack: { offsets: [0], edge: 1 }
  setup: { ts: 0.9, options: [mss=1460, sackOK, ts, nop, wscale=7] }
  calls: { p: 1, n: [2, 5], kinds: { other-syn: 3, other-handshake: 2 } }
`;

const CLOSE = `name: calls-close-it
seed: 3907
budget: { probes: 60 }
target: established
ip: [4, 6]
listen: { port: 8080, backlog: 128 }
generator:
  via: passive
  kinds: { fin: 1 }
  seq: { offsets: [0], edge: 1 }
  ack: { offsets: [0], edge: 1 }
  options: { ts: 0.9, extra: 0, malformed: 0 }
  setup: { ts: 0.9, options: [mss=1460, sackOK, ts, nop, wscale=7] }
  calls: { p: 1, n: [3, 3], ordered: true, kinds: { recv: 1, close: 1, peer-ack: 1 } }
`;

describe('fuzz calls on other flows and the peer’s ACK, on the real kernel', function () {
  this.timeout(180_000);
  const tmp = new TmpDirs();
  after(() => tmp.removeAll());

  it('200 request probes with other flows: no finding, the queue limits reached', () => {
    const s = fuzzCampaignText(tmp.make('fuzz-calls-flows'), 'calls-flows-it', QUEUES);
    expect(s.probes).to.equal(200);
    expect(s.findings).to.deep.equal([]);
    for (const rule of [
      'conn_request.synq-full-drop',
      'conn_request.cookie-full',
      'conn_request.acceptq-full',
      'conn_request.max-syn-backlog',
      'cookies.acceptq-full',
      'check_req.overflow-drop',
      'check_req.overflow-abort',
    ])
      expect(s.rules, rule).to.include(rule);
  });

  it('60 established probes: the peer’s FIN, close(), the peer’s ACK — LAST_ACK closed, no finding', () => {
    const s = fuzzCampaignText(tmp.make('fuzz-calls-close'), 'calls-close-it', CLOSE);
    expect(s.probes).to.equal(60);
    expect(s.findings).to.deep.equal([]);
    expect(s.rules).to.include('close.done');
  });
});
