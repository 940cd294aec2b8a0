// Differential test: random SYNs into the real kernel, each reply — and each silence — judged against
// the model's prediction, field by field. ≥ 2,000 SYNs per sysctl profile and IP version per run.
// Seeded: SYNH_SEED=n replays a run; the seed is printed.
import { expect } from 'chai';
import { DIFFERENTIAL_PROFILES, formatDivergences, runDifferential } from '../../harness/engine/differential';
import { Lab } from '../../harness/topology/lab';

const PROBES = Number(process.env.SYNH_DIFF_PROBES ?? 2000);
const SEED = Number(process.env.SYNH_SEED ?? Date.now() % 2 ** 31);

describe(`differential: random SYNs vs the model (seed ${SEED}, ${PROBES} per profile and family)`, function () {
  this.timeout(300000);
  before(() => console.log(`      seed ${SEED} (replay with SYNH_SEED=${SEED})`));

  for (const [name, sysctls] of Object.entries(DIFFERENTIAL_PROFILES)) {
    for (const ip of [4, 6] as const) {
      it(`${name}, IPv${ip}: every reply and every silence agrees with the model`, async () => {
        const lab = await Lab.create({ sysctls, capture: 'dut' });
        try {
          const r = await runDifferential(lab, { ip, probes: PROBES, seed: SEED + ip });
          expect(r.probes).to.equal(PROBES);
          expect(r.engine.capture.drops, 'capture drops').to.equal(0);
          expect(r.divergent.length, `${r.divergent.length} of ${r.probes} probes diverged:\n${formatDivergences(r)}`).to.equal(0);
          expect(r.agreed).to.equal(PROBES);
        } finally {
          await lab.close();
        }
      });
    }
  }
});
