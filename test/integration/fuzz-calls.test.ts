// Socket calls and repeats around a sequential probe's packet, on the real kernel: a request campaign
// whose every probe carries calls (the packet again, accept, close, the listener closed and reopened,
// a second socket on its port, TCP_DEFER_ACCEPT) agrees with the true model and reaches the call rules.
import { expect } from 'chai';
import { fuzzCampaignText } from './fuzz-cli';
import { TmpDirs } from './tmp-dirs';

const CAMPAIGN = `name: calls-it
seed: 16
budget: { probes: 150 }
target: request
ip: [4, 6]
listen: { port: 8080, backlog: 128 }
generator:
  kinds: { ack: 6, dup_syn: 2, rst: 2, data: 2 }
  setup: { ts: 0.9, options: [mss=1460, sackOK, ts, nop, wscale=7] }
  calls: { p: 1, kinds: { again: 3, accept: 1, close: 2, close-listener: 1, listen-in-use: 1, defer-accept: 1 } }
`;

describe('fuzz calls on the real kernel', function () {
  this.timeout(180_000);
  const tmp = new TmpDirs();
  after(() => tmp.removeAll());

  it('150 request probes with calls: no finding, the call rules reached', () => {
    const s = fuzzCampaignText(tmp.make('fuzz-calls'), 'calls-it', CAMPAIGN);
    expect(s.probes).to.equal(150);
    expect(s.findings).to.deep.equal([]);
    for (const rule of ['event.accept', 'event.close-listener', 'event.listen', 'event.listen-in-use', 'event.setsockopt'])
      expect(s.rules, rule).to.include(rule);
  });
});
