// The model state's keyed tables (lib/model/core/table.ts): copies are independent, small tables become Maps
// past 8 entries without losing order, writes during an iteration do not disturb it.
import { expect } from 'chai';
import { EMPTY_TABLE, Table, tableOf } from '../../../lib/model/core/table';
import { EMPTY_STATE } from '../../../lib/model/core/state';
import { FULL, env, listening, seg } from './helpers';

const N = 20;
const keyOf = (i: number): string => `10.0.0.2:${20000 + i}>80`;

describe('model state tables', () => {
  for (const n of [0, 1, 8, 9, N]) {
    it(`${n} entries: get/has/size/keys/values/iteration agree, in insertion order`, () => {
      const t = new Table<string, number>();
      for (let i = 0; i < n; i++) t.set(keyOf(i), i);
      expect(t.size).to.equal(n);
      for (let i = 0; i < n; i++) {
        expect(t.get(keyOf(i))).to.equal(i);
        expect(t.has(keyOf(i))).to.equal(true);
      }
      expect(t.get(keyOf(n))).to.equal(undefined);
      expect(t.has(keyOf(n))).to.equal(false);
      const want = Array.from({ length: n }, (_, i) => i);
      expect(t.values()).to.deep.equal(want);
      expect(t.keys()).to.deep.equal(want.map(keyOf));
      expect([...t]).to.deep.equal(want.map((i) => [keyOf(i), i]));
      expect(JSON.parse(JSON.stringify(t))).to.deep.equal(Object.fromEntries(want.map((i) => [keyOf(i), i])));
    });
  }

  it('set on an existing key overwrites in place (small and Map mode)', () => {
    for (const n of [3, N]) {
      const t = tableOf(Array.from({ length: n }, (_, i) => [keyOf(i), i] as [string, number]));
      t.set(keyOf(1), 100);
      expect(t.size).to.equal(n);
      expect(t.get(keyOf(1))).to.equal(100);
      expect(t.keys()[1]).to.equal(keyOf(1));
    }
  });

  it('a copy is independent of its original, both ways, across the small → Map transition', () => {
    const a = tableOf([
      [keyOf(0), 0],
      [keyOf(1), 1],
    ] as Array<[string, number]>);
    const b = a.copy();
    for (let i = 2; i < N; i++) b.set(keyOf(i), i);
    b.delete(keyOf(0));
    b.set(keyOf(1), -1);
    expect(a.values()).to.deep.equal([0, 1]);
    expect(b.size).to.equal(N - 1);
    expect(b.get(keyOf(1))).to.equal(-1);
    const c = b.copy();
    c.delete(keyOf(5));
    expect(b.has(keyOf(5))).to.equal(true);
    expect(c.has(keyOf(5))).to.equal(false);
  });

  it('deleting the only entry, or a missing key, leaves a consistent table', () => {
    const t = tableOf([[80, 'l']] as Array<[number, string]>);
    t.delete(443);
    expect(t.size).to.equal(1);
    t.delete(80);
    expect(t.size).to.equal(0);
    expect(t.get(80)).to.equal(undefined);
    expect([...t]).to.deep.equal([]);
  });

  for (const n of [5, N]) {
    it(`${n} entries: deleting and adding while iterating visits exactly the entries present at the start`, () => {
      const t = tableOf(Array.from({ length: n }, (_, i) => [keyOf(i), i] as [string, number]));
      const seen: number[] = [];
      for (const [k, v] of t) {
        seen.push(v);
        t.delete(k);
        t.set(`new:${v}`, v);
      }
      expect(seen).to.deep.equal(Array.from({ length: n }, (_, i) => i));
      expect(t.keys()).to.deep.equal(seen.map((v) => `new:${v}`));
    });
  }

  it('the shared empty table is frozen and every empty state table is it', () => {
    expect(Object.isFrozen(EMPTY_TABLE)).to.equal(true);
    expect(EMPTY_STATE.reqs).to.equal(EMPTY_TABLE);
    expect(EMPTY_STATE.listeners).to.equal(EMPTY_TABLE);
  });

  it('the model never writes to the state it was given, also past 8 request sockets (Map mode)', () => {
    const e = env({ sysctls: { tcp_max_syn_backlog: 4096 } });
    let s = listening(e, {}, 64);
    const before: string[] = [];
    for (let i = 0; i < N; i++) {
      before.push(JSON.stringify(s));
      const r = seg(e, s, { flags: 'S', sport: 30000 + i, options: FULL }, 10 + i);
      expect(r.state.reqs.size).to.equal(i + 1);
      expect(r.state.reqs.get(`${e.peer}:${30000 + i}>80`)!.pport).to.equal(30000 + i);
      expect(JSON.stringify(s)).to.equal(before[i]);
      s = r.state;
    }
    expect(s.listeners.get(80)!.qlen).to.equal(N);
  });
});
