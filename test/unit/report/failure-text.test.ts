// Failure text as a kernel engineer reads it: values in the notation the case wrote (hex TOS), the
// model's prediction with the IP fields it compares, the v6 kernel functions for IPv6, and flow names
// with ports in a ladder of several flows.
import { expect } from 'chai';
import { blankResult } from '../../../harness/report/types';
import { ladderPackets } from '../../../harness/report/diff-text';
import { describePrediction } from '../../../lib/match/describe';
import { checkNum } from '../../../lib/match/pattern';
import { familyFn, reason, RULES } from '../../../lib/model/core/reasons';
import type { Prediction } from '../../../lib/model';
import { buildIp } from '../../../lib/wire/build';
import { emitEthernet, ETH_HEADER, ipEthertype } from '../../../lib/wire/ethernet';

const ctx = { lookup: () => undefined, packetAt: () => undefined };

describe('failure text: notation, predictions, families, flows', () => {
  it('TOS in hex with the digits the case wrote; other fields as written', () => {
    expect(checkNum({ kind: 'value', value: 2, text: '0x02' }, 0, 'tos', ctx)).to.deep.equal({ field: 'tos', expected: '0x02', observed: '0x00' });
    // Written in decimal, the TOS byte is still shown in hex, as the model's reasons write it.
    expect(checkNum({ kind: 'value', value: 16, text: '16' }, 0, 'tclass', ctx)).to.include({ expected: '0x10', observed: '0x00' });
    expect(checkNum({ kind: 'value', value: 0x1000, text: '0x1000' }, 0x2000, 'window', ctx)).to.include({ expected: '0x1000', observed: '0x2000' });
    expect(checkNum({ kind: 'value', value: 5, text: '5' }, 0, 'window', ctx)).to.include({ expected: '5', observed: '0' });
  });

  it('the prediction names its IP fields too (TOS in hex)', () => {
    const tcp = { sport: 8080, dport: 40000, seq: '*' as const, ack: 1001, flags: 'SA', window: 64240, urg: 0, options: [['mss', 1460]] };
    const v4 = { packet: { ip: { ttl: 64, tos: 2, df: true, id: 0 }, tcp } } as unknown as Prediction;
    const v6 = { packet: { ip: { hlim: 64, tclass: 16, flow: '*' }, tcp } } as unknown as Prediction;
    expect(describePrediction(v4)).to.equal('SA seq=* ack=1001 win=64240 [mss 1460] tos=0x02 ttl=64 df id=0');
    expect(describePrediction(v6)).to.equal('SA seq=* ack=1001 win=64240 [mss 1460] tclass=0x10 hlim=64 flow=*');
  });

  it('IPv6 reasons name the v6 kernel functions, from one table', () => {
    expect(familyFn('tcp_v4_send_synack', 6)).to.equal('tcp_v6_send_synack');
    expect(familyFn('tcp_v4_send_reset', 6)).to.equal('tcp_v6_send_reset');
    expect(familyFn('tcp_v4_send_reset', 4)).to.equal('tcp_v4_send_reset');
    expect(familyFn('tcp_conn_request', 6)).to.equal('tcp_conn_request');
    expect(reason('closed.rst', 'RST').explain(6)).to.equal('tcp_v6_send_reset: RST');
    // Every IPv4-only function a rule names has its twin.
    const v4only = [...new Set(RULES.map((r) => r.fn))].filter((f) => /_v4_|^ip_|cookie_v4/.test(f));
    expect(v4only.filter((f) => familyFn(f, 6) === f)).to.deep.equal([]);
  });

  it("a ladder of several flows names each packet's flow and ports", () => {
    const frame = (ip: Uint8Array, dir: 'sent' | 'received'): Uint8Array => {
      const f = new Uint8Array(ETH_HEADER + ip.length);
      emitEthernet(
        {
          dst: dir === 'sent' ? '02:00:00:00:00:01' : '02:00:00:00:00:02',
          src: dir === 'sent' ? '02:00:00:00:00:02' : '02:00:00:00:00:01',
          type: ipEthertype(4),
        },
        f,
      );
      f.set(ip, ETH_HEADER);
      return f;
    };
    const syn = (sport: number): Uint8Array =>
      frame(buildIp({ ip: 4, src: '198.18.0.2', dst: '198.18.0.1', sport, dport: 8080, flags: 'S', seq: 1000, window: 1000 }), 'sent');
    const r = blankResult({ file: 'x.yaml', name: 'x', spec: [] }, 4, 1, 'k', 'fail');
    r.packets = [
      { tsNs: 1n, dir: 'sent', bytes: syn(40001), comment: 'step 1', flow: 'a' },
      { tsNs: 2n, dir: 'sent', bytes: syn(40002), comment: 'step 2', flow: 'b' },
    ];
    expect(ladderPackets(r).map((p) => p.summary)).to.deep.equal(['a 40001>8080 S seq=1000 win=1000', 'b 40002>8080 S seq=1000 win=1000']);
    r.packets = r.packets.slice(0, 1);
    expect(ladderPackets(r)[0].summary).to.equal('S seq=1000 win=1000');
  });
});
