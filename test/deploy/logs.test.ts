// flocker logs: --since is checked before any node is contacted; journalctl's argv.
import { expect } from 'chai';
import { journalArgv, parseSince } from '../../src/deploy/logs.js';
import { parseUnitStates } from '../../src/systemd/application-units.js';

describe('flocker logs', () => {
  it('--since: times, today/yesterday and ages as journalctl takes them; anything else is refused', () => {
    expect(parseSince('2026-12-01')).to.equal('2026-12-01');
    expect(parseSince('2026-12-01 10:00')).to.equal('2026-12-01 10:00');
    expect(parseSince('2026-12-01T10:00:05')).to.equal('2026-12-01 10:00:05');
    expect(parseSince('yesterday')).to.equal('yesterday');
    expect(parseSince('10m')).to.equal('-10min');
    expect(parseSince('2h')).to.equal('-2h');
    for (const bad of ['', 'soon', '2026-13-45', '10 minutes', '-5m', '5m; rm -rf /'])
      expect(() => parseSince(bad), bad).to.throw(/expected a time/);
  });

  it('journalctl: the unit, 100 lines by default, follow', () => {
    expect(journalArgv({ app: 'web', follow: true })).to.deep.equal([
      'journalctl',
      '--no-pager',
      '--quiet',
      '-o',
      'short-iso',
      '-u',
      'flocker--web.service',
      '-n',
      '100',
      '-f',
    ]);
    expect(journalArgv({ app: 'web', follow: false, since: 'today' })).to.not.include('-n');
  });

  it("systemctl show: each unit's state and since", () => {
    const out =
      'Id=flocker--web.service\nActiveState=active\nStateChangeTimestamp=@1764583200\n\n' +
      'Id=flocker--job.service\nActiveState=failed\nStateChangeTimestamp=\n';
    expect(parseUnitStates(out)).to.deep.equal([
      ['web', { state: 'active', since: '2025-12-01T10:00:00.000Z' }],
      ['job', { state: 'failed' }],
    ]);
  });
});
