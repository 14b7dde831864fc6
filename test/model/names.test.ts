import { expect } from 'chai';
import { authorizedKeyLine } from '../../src/changestate/trust.js';
import { parsePeerRequest } from '../../src/changestate/peer.js';
import { appNameOfUnit, checkAppName } from '../../src/docker/names.js';
import { isAppName, isNodeName, isSnapshotName, isVolumeName } from '../../src/model/names.js';
import {
  validateApplicationConfigSchema,
  validateDeploymentConfigSchema,
} from '../../src/validation/validators.js';
import { datasetName, isValidVolumeName, volumeOfDataset } from '../../src/zfs/names.js';

const APP_OK = [
  'web',
  'db-1',
  'a_b',
  'X9',
  '0',
  'constructor',
  'hasOwnProperty',
  'x'.repeat(63),
  // issue 13: dots, as Flocker took them (its docs' example app)
  'a.b',
  'site-clusterhq.com',
  'web.service',
];
const APP_BAD = [
  '',
  '.',
  '..',
  'a..b',
  'a.',
  '.a',
  '-x',
  '_x',
  '__proto__',
  'x'.repeat(64),
  'a/b',
  '../x',
  'a b',
  'a@b',
  'web\n',
  'é',
];
const NODE_OK = [
  'n1',
  '10.0.0.1',
  'fe80::1',
  'node-2.example.com',
  'lab_alias',
  'constructor',
  'x'.repeat(253),
];
const NODE_BAD = [
  '',
  '-oProxyCommand=x',
  '.x',
  '__proto__',
  'a b',
  'root@n1',
  '[::1]',
  'x'.repeat(254),
  'n1\n',
];
const KEY = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIBvd3qGCFFtLGlmXx1WvSpDvkrbLn7Y3uZF6cHqwVlQc';

const throws = (fn: () => unknown): boolean => {
  try {
    fn();
    return false;
  } catch {
    return true;
  }
};

describe('name rules', function () {
  it('application (= volume) names: 1 to 63 letters, digits, _, - or . (no .., no final .), starting with a letter or digit', function () {
    for (const n of APP_OK) expect(isAppName(n), n).to.equal(true);
    for (const n of APP_BAD) expect(isAppName(n), JSON.stringify(n)).to.equal(false);
    expect(isVolumeName).to.equal(isAppName);
  });

  it('node names: up to 253 letters, digits, . _ : -, starting with a letter or digit', function () {
    for (const n of NODE_OK) expect(isNodeName(n), n).to.equal(true);
    for (const n of NODE_BAD) expect(isNodeName(n), JSON.stringify(n)).to.equal(false);
  });

  it('snapshot names: only the ones flocker makes', function () {
    expect(isSnapshotName('flocker-20261122T105324007Z-3')).to.equal(true);
    for (const n of [
      '',
      'flocker-x',
      'snap1',
      'flocker-20261122T105324007Z-3\n',
      'flocker-20261122T105324007Z-',
    ])
      expect(isSnapshotName(n), n).to.equal(false);
  });

  it('every layer accepts exactly the application names the config file accepts', function () {
    for (const n of [...APP_OK, ...APP_BAD]) {
      const ok = isAppName(n);
      const config = { version: 1, applications: Object.fromEntries([[n, { image: 'nginx' }]]) };
      expect(validateApplicationConfigSchema(config), `config ${JSON.stringify(n)}`).to.equal(ok);
      const placed = { version: 1, nodes: { n1: [n] } };
      expect(validateDeploymentConfigSchema(placed), `deployment ${JSON.stringify(n)}`).to.equal(ok);
      expect(!throws(() => checkAppName(n)), `docker ${JSON.stringify(n)}`).to.equal(ok);
      expect(appNameOfUnit(`flocker--${n}.service`) === n, `unit ${JSON.stringify(n)}`).to.equal(ok);
      expect(isValidVolumeName(n), `zfs ${JSON.stringify(n)}`).to.equal(ok);
      expect(!throws(() => datasetName('flocker/volumes', n)), `dataset ${JSON.stringify(n)}`).to.equal(ok);
      expect(volumeOfDataset('flocker/volumes', `flocker/volumes/${n}`) === n, `of dataset ${n}`).to.equal(
        ok,
      );
      expect(!throws(() => parsePeerRequest(`status ${n}`)), `peer ${JSON.stringify(n)}`).to.equal(ok);
    }
  });

  it('every layer accepts exactly the node names the config file accepts', function () {
    for (const n of [...NODE_OK, ...NODE_BAD]) {
      const ok = isNodeName(n);
      const config = { version: 1, nodes: Object.fromEntries([[n, []]]) };
      expect(validateDeploymentConfigSchema(config), `config ${JSON.stringify(n)}`).to.equal(ok);
      expect(!throws(() => authorizedKeyLine(n, KEY)), `trust ${JSON.stringify(n)}`).to.equal(ok);
    }
  });

  it('the peer endpoint accepts only flocker snapshots as the base of a stream', function () {
    expect(parsePeerRequest('recv web 0123456789abcdef 1 n1 flocker-20261122T105324007Z-3')).to.deep.equal({
      kind: 'recv',
      name: 'web',
      lineage: '0123456789abcdef',
      epoch: 1,
      owner: 'n1',
      from: 'flocker-20261122T105324007Z-3',
    });
    expect(() => parsePeerRequest('recv web 0123456789abcdef 1 n1 snap1')).to.throw(/invalid snapshot name/);
  });
});
