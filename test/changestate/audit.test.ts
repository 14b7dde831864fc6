// The audit record flocker-deploy sends to each node: changes as the plan's Change data; records
// from an older flocker-deploy (changes as English text) and junk are read without failing.
// Every line written matches the audit line schema (what `flocker audit` reads).
import { expect } from 'chai';
import { applyLine, auditLine, parseAuditRecord } from '../../src/changestate/audit.js';
import { parseAuditLine } from '../../src/validation/audit-line.js';
import { toApplication } from '../../src/model/canonical.js';

const base = {
  user: 'alice',
  started_at: '2024-01-01T00:00:00.000Z',
  config_hash: '0123456789abcdef',
  node: 'n1',
};

describe('audit record', () => {
  it('keeps the changes as Change objects and as short text, in one schema-valid line', () => {
    const changes = [
      { kind: 'create-volume', name: 'web' },
      { kind: 'stop-application', name: 'api', reason: 'moved' },
    ];
    const r = parseAuditRecord(JSON.stringify({ ...base, host: 'laptop', result: 'ok', changes }));
    expect(r).to.deep.equal({ ...base, host: 'laptop', result: 'ok', changes });
    const line = auditLine(r, new Date('2024-01-01T00:01:00.000Z'));
    expect(line.endsWith('\n') && !line.slice(0, -1).includes('\n')).to.equal(true);
    expect(parseAuditLine(line, 'line')).to.deep.equal({
      time: '2024-01-01T00:01:00.000Z',
      event: 'deploy',
      ...base,
      host: 'laptop',
      result: 'ok',
      summary: ['create volume web', 'stop api (moved)'],
      changes,
    });
  });

  it('keeps environment names, never their values (deploy records and apply ends alike)', () => {
    const application = toApplication('api', { image: 'busybox', environment: { DB_PASSWORD: 'sekrit-9' } });
    const start = { kind: 'start-application', application, link_environment: {} } as const;
    const r = parseAuditRecord(JSON.stringify({ ...base, result: 'ok', changes: [start] }));
    const lines = [
      auditLine(r, new Date(0)),
      applyLine({ phase: 'start', self: 'n1', audit: base }, new Date(0), { result: 'ok', changes: [start] }),
    ];
    for (const line of lines) {
      expect(line).to.not.include('sekrit-9');
      expect(parseAuditLine(line, 'line').changes).to.deep.equal([
        { ...start, application: { ...application, environment: ['DB_PASSWORD'] } },
      ]);
    }
  });

  it('a failure keeps its code and message', () => {
    const r = parseAuditRecord(
      JSON.stringify({
        ...base,
        result: 'failed',
        code: 'E_PHASE',
        message: 'phase start: n1: boom',
        changes: [],
      }),
    );
    expect(parseAuditLine(auditLine(r, new Date(0)), 'line')).to.deep.include({
      result: 'failed',
      code: 'E_PHASE',
      message: 'phase start: n1: boom',
    });
  });

  it('an apply writes a start line and an end line (result, code, what it did)', () => {
    const input = {
      phase: 'start' as const,
      self: 'n2',
      audit: { deploy_id: 'deploy-0001', user: 'bob', host: 'ci-7', config_hash: 'h', started_at: 't' },
    };
    const start = parseAuditLine(applyLine(input, new Date(0)), 'start');
    expect(start).to.deep.include({ event: 'apply-start', node: 'n2', phase: 'start', result: 'started' });
    expect(start).to.deep.include({ deploy_id: 'deploy-0001', user: 'bob', host: 'ci-7' });
    const end = parseAuditLine(
      applyLine(input, new Date(0), {
        result: 'failed',
        code: 'E_APP_START',
        changes: [{ kind: 'create-volume', name: 'db' }],
      }),
      'end',
    );
    expect(end).to.deep.include({ event: 'apply-end', result: 'failed', code: 'E_APP_START' });
    expect(end.summary).to.deep.equal(['create volume db']);
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

  it('an old line (no event, free-text result) still reads', () => {
    const old =
      '{"time":"t","user":"root@unknown","started_at":"s","config_hash":"c","node":"n1","result":"failed: x","changes":["start web"]}';
    expect(parseAuditLine(old, 'old')).to.deep.include({ result: 'failed: x', user: 'root@unknown' });
  });
});
