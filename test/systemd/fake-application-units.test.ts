import { expect } from 'chai';
import { FakeApplicationUnits } from '../../src/systemd/application-units.js';
import { toApplication } from '../../src/model/canonical.js';
import { applicationUnitsContract } from './application-units.contract.js';

applicationUnitsContract('FakeApplicationUnits', () =>
  Promise.resolve({
    units: new FakeApplicationUnits(),
    image: 'flocker-test/httpd:latest',
    volumePath: '/flocker/ctr-web',
    cleanup: () => Promise.resolve(),
  }),
);

describe('FakeApplicationUnits extras', function () {
  it('records env and volume path; a failing app is listed as not running', async function () {
    const f = new FakeApplicationUnits();
    f.failing.add('bad');
    await f.start(toApplication('ok', { image: 'x', environment: { A: '1' } }), {
      linkEnvironment: { L: '2' },
    });
    expect(f.apps.get('ok')?.env).to.deep.equal({ A: '1', L: '2' });
    let err: unknown;
    try {
      await f.start(toApplication('bad', { image: 'x' }), { linkEnvironment: {} });
    } catch (e) {
      err = e;
    }
    expect(String(err)).to.match(/did not start/);
    expect((await f.list()).map((a) => [a.application.name, a.running])).to.deep.equal([
      ['bad', false],
      ['ok', true],
    ]);
  });
});
