// The audit record flocker-deploy sends to each node: changes as the plan's Change data; records
// from an older flocker-deploy (changes as English text) and junk are read without failing.
import { expect } from 'chai';
import { auditLine, parseAuditRecord } from '../../src/changestate/audit.js';

const base = {
  user: 'u@h',
  started_at: '2024-01-01T00:00:00.000Z',
  config_hash: '0123456789abcdef',
  node: 'n1',
};

describe('audit record', () => {
  it('keeps the changes as Change objects, and writes them as such in one line', () => {
    const changes = [
      { kind: 'create-volume', name: 'web' },
      { kind: 'stop-application', name: 'api', reason: 'moved' },
    ];
    const r = parseAuditRecord(JSON.stringify({ ...base, result: 'ok', changes }));
    expect(r).to.deep.equal({ ...base, result: 'ok', changes });
    const line = auditLine(r, new Date('2024-01-01T00:01:00.000Z'));
    expect(line.endsWith('\n') && !line.slice(0, -1).includes('\n')).to.equal(true);
    expect(JSON.parse(line)).to.deep.equal({
      time: '2024-01-01T00:01:00.000Z',
      ...base,
      result: 'ok',
      changes,
    });
  });

  it('tolerates old records (text changes), drops what is neither, and fills missing fields', () => {
    const r = parseAuditRecord(
      JSON.stringify({ user: 'u', changes: ['start web (image busybox:latest)', 42, null, { name: 'x' }] }),
    );
    expect(r).to.deep.equal({
      user: 'u',
      started_at: '',
      config_hash: '',
      node: '',
      result: '',
      changes: ['start web (image busybox:latest)'],
    });
    expect(parseAuditRecord('{"changes": "not a list"}').changes).to.deep.equal([]);
  });
});
