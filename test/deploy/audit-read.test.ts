// Merging the nodes' audit logs: one entry per deploy, ordered by time; a deploy with apply
// lines but no deploy record is interrupted once it holds no lock (in progress while it does).
import { expect } from 'chai';
import { applyLine, auditLine, pruneLine } from '../../src/changestate/audit.js';
import { mergeAudit, parseAuditLog } from '../../src/deploy/audit-read.js';
import type { NodeAuditLog } from '../../src/deploy/audit-read.js';
import { auditJson, auditText } from '../../src/deploy/render-audit.js';

const who = { user: 'alice', host: 'laptop', config_hash: 'abc', started_at: '2026-12-01T10:00:00.000Z' };
const input = (deploy_id: string, self: string, started_at = who.started_at) => ({
  phase: 'start' as const,
  self,
  audit: { ...who, started_at, deploy_id },
});
const log = (node: string, text: string, lockHolder?: string): NodeAuditLog => ({
  node,
  ...parseAuditLog(node, text),
  ...(lockHolder ? { lockHolder } : {}),
});

describe('audit history (merged)', () => {
  const A = 'deploy-aaaa-0001';
  const B = 'deploy-bbbb-0002';
  const at = (s: number) => new Date(Date.parse(who.started_at) + s * 1000);
  const n1 =
    applyLine(input(A, 'n1'), at(1)) +
    applyLine(input(A, 'n1'), at(2), { result: 'ok', changes: [{ kind: 'create-volume', name: 'web' }] }) +
    auditLine(
      { ...who, deploy_id: A, node: 'n1', result: 'ok', changes: [{ kind: 'create-volume', name: 'web' }] },
      at(3),
    ) +
    // B: killed -9 after its apply started on n1: no end, no deploy record
    applyLine(input(B, 'n1', '2026-12-01T11:00:00.000Z'), at(3600)) +
    'not json at all\n';
  const n2 = auditLine({ ...who, deploy_id: A, node: 'n2', result: 'ok', changes: [] }, at(3));

  it('one entry per deploy (both nodes), what changed per node; B is interrupted; junk counted', () => {
    const logs = [log('n1', n1), log('n2', n2)];
    expect(logs[0]!.unreadable).to.equal(1);
    const h = mergeAudit(logs);
    expect(h.map((e) => [e.deploy_id, e.result, e.nodes])).to.deep.equal([
      [A, 'ok', ['n1', 'n2']],
      [B, 'interrupted', ['n1']],
    ]);
    expect(h[0]).to.deep.include({ user: 'alice', host: 'laptop', time: who.started_at });
    expect(h[0]!.changes).to.deep.equal({ n1: ['create volume web'] });
    const text = auditText(h, logs);
    expect(text).to.match(/2026-12-01T10:00:00.000Z\s+deploy\s+alice@laptop\s+ok\s+n1: create volume web/);
    expect(text).to.match(/interrupted/);
    expect(text).to.include('n1: 1 line(s) of its audit log are unreadable');
    expect(JSON.parse(auditJson(h, logs))).to.deep.include({ format: 'flocker-audit', version: 1 });
  });

  it('while the deploy still holds a lock it is in progress, not interrupted', () => {
    expect(mergeAudit([log('n1', n1, B)]).at(-1)!.result).to.equal('in progress');
  });

  it('the worst result of the nodes wins, with its code; old lines (no deploy id) stay one each', () => {
    const failed = auditLine(
      {
        ...who,
        deploy_id: A,
        node: 'n2',
        result: 'failed',
        code: 'E_PHASE',
        message: 'phase start: boom',
        changes: [],
      },
      at(3),
    );
    const old =
      '{"time":"2020-01-01T00:00:00.000Z","user":"root@unknown","started_at":"2020-01-01T00:00:00.000Z","config_hash":"c","node":"n1","result":"ok","changes":["start web (image busybox)"]}\n';
    const h = mergeAudit([log('n1', old + n1), log('n2', failed)]);
    expect(h[0]).to.deep.include({ user: 'root@unknown', result: 'ok' });
    expect(h[0]!.changes).to.deep.equal({ n1: ['start web (image busybox)'] });
    expect(h[1]).to.deep.include({ result: 'failed', code: 'E_PHASE', message: 'phase start: boom' });
  });

  it('a prune is its own entry', () => {
    const p = pruneLine({ deploy_id: B, user: 'bob', host: 'ci', started_at: who.started_at }, 'n1', at(9), [
      'destroy volume old',
    ]);
    const h = mergeAudit([log('n1', p)]);
    expect(h).to.have.length(1);
    expect(h[0]).to.deep.include({ kind: 'prune', result: 'ok', user: 'bob' });
    expect(h[0]!.changes).to.deep.equal({ n1: ['destroy volume old'] });
  });
});
