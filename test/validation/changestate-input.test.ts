import { expect } from 'chai';
import { toApplication } from '../../src/model/canonical.js';
import type { ChangestateInput } from '../../src/model/changestate-input.js';
import type { NodeState } from '../../src/model/state.js';
import { parseChangestateInput, parseTrustInput } from '../../src/validation/changestate-input.js';
import { thrown } from './helpers.js';

const state: NodeState = {
  protocol: 1,
  node: {
    hostname: 'h1',
    machine_id: '0123456789abcdef0123456789abcdef',
    peer_public_key: 'ssh-ed25519 AAAA',
  },
  applications: {
    web: { spec: { image: 'nginx:latest', restart_policy: { name: 'never' } }, running: true },
  },
  owned_volumes: [
    {
      name: 'web',
      snapshots: ['flocker-20261122T105324007Z-3'],
      role: 'owner',
      epoch: 2,
      owner: 'n1',
      lineage: '0123456789abcdef',
      newest_guid: '42',
    },
  ],
  volume_copies: [],
  routes: [{ port: 8080, target_address: '198.51.100.3', target_port: 8080 }],
};
const web = toApplication('web', {
  image: 'nginx',
  ports: [{ internal: 80, external: 8080 }],
  volume: { mountpoint: '/data' },
  restart_policy: { name: 'on-failure', maximum_retry_count: 2 },
});
const peer = { address: '198.51.100.2', port: 22, host_key: 'ssh-ed25519 AAAA' };

function valid(): ChangestateInput {
  return {
    protocol: 1,
    phase: 'start',
    self: 'n1',
    desired: { applications: { web }, nodes: { n1: ['web'], '10.0.0.2': [] } },
    cluster: {
      nodes: {
        n1: { address: '198.51.100.2', state },
        '10.0.0.2': {
          address: '10.0.0.2',
          state: { ...state, applications: {}, owned_volumes: [], routes: [] },
        },
      },
    },
    peers: { n1: peer, '10.0.0.2': { ...peer, address: '10.0.0.2', peer_public_key: 'ssh-ed25519 BBBB' } },
    audit: { user: 'alice', config_hash: 'abc', started_at: '2026-01-01T00:00:00.000Z' },
  };
}

type Mutable<T> = { -readonly [K in keyof T]: Mutable<T[K]> };
type Damageable = Mutable<ChangestateInput> & Record<string, unknown>;

/** the E_PROTOCOL message for the input after `damage` */
function refusal(damage: (i: Damageable) => void): string {
  const i = JSON.parse(JSON.stringify(valid())) as Damageable;
  damage(i);
  const e = thrown(() => parseChangestateInput(JSON.stringify(i)));
  expect(e.code).to.equal('E_PROTOCOL');
  return e.message;
}

describe('changestate input', function () {
  it('passes a valid input through unchanged', function () {
    expect(parseChangestateInput(JSON.stringify(valid()))).to.deep.equal(valid());
  });

  it('refuses what is not JSON or of another protocol, saying how to fix it', function () {
    const notJson = thrown(() => parseChangestateInput('{'));
    expect(notJson.code).to.equal('E_PROTOCOL');
    expect(notJson.message).to.match(/^changestate input is not JSON/);
    expect(refusal((i) => (i.protocol = 99))).to.match(/protocol 99 .* install the same flocker version/);
    expect(thrown(() => parseChangestateInput('[]')).message).to.match(/protocol undefined/);
  });

  it('names the JSON path of each schema problem', function () {
    expect(refusal((i) => (i.phase = 'later' as never))).to.equal(
      'changestate input: phase: expected one of "check", "push", "stop", "start", "routes", found "later"',
    );
    expect(refusal((i) => delete (i as Partial<Damageable>).audit)).to.equal(
      'changestate input: (document): missing key audit',
    );
    expect(refusal((i) => (i.extra = 1))).to.equal('changestate input: (document): unexpected key extra');
    expect(refusal((i) => (i.desired.applications.web!.ports = [{ internal: 0, external: 1 }]))).to.equal(
      'changestate input: desired.applications.web.ports[0].internal: expected an integer from 1 to 65535, found 0',
    );
    expect(refusal((i) => (i.cluster.nodes['10.0.0.2']!.state.protocol = 2))).to.match(
      /^changestate input: cluster\.nodes\["10\.0\.0\.2"\]\.state\.protocol: expected 1, found 2$/,
    );
    expect(refusal((i) => (i.peers.n1!.port = 70000))).to.match(/peers\.n1\.port: expected an integer/);
  });

  it('refuses names that break the name rules, __proto__ included', function () {
    expect(refusal((i) => (i.desired.nodes.n1 = ['a..b']))).to.match(
      /desired\.nodes\.n1\[0\]: expected an application name/,
    );
    const proto = JSON.stringify(valid()).replace('"applications":{"web"', '"applications":{"__proto__"');
    const e = thrown(() => parseChangestateInput(proto));
    expect(e.message).to.match(/desired\.applications\.__proto__: invalid key: expected an application name/);
    expect(refusal((i) => (i.self = '-oProxyCommand=x'))).to.match(
      /^changestate input: self: expected a node name/,
    );
  });

  it('checks what the schema cannot: every name refers to something present', function () {
    // "constructor" is a valid node name, and an inherited property of every object
    expect(refusal((i) => (i.self = 'constructor'))).to.equal(
      'changestate input: self: "constructor" is not a node of cluster.nodes',
    );
    expect(refusal((i) => (i.desired.nodes['10.0.0.2'] = ['db', 'web']))).to.equal(
      'changestate input: desired.nodes["10.0.0.2"][0]: "db" is not in desired.applications; ' +
        'desired.nodes["10.0.0.2"][1]: "web" is also placed on n1',
    );
    expect(refusal((i) => (i.desired.nodes.n3 = []))).to.equal(
      'changestate input: desired.nodes.n3: no state of this node in cluster.nodes',
    );
    expect(refusal((i) => (i.desired.applications.web!.name = 'other'))).to.equal(
      'changestate input: desired.applications.web.name: expected "web"',
    );
    expect(
      refusal(
        (i) =>
          (i.desired.applications.web!.restart_policy = {
            name: 'always',
            maximum_retry_count: 1,
          }),
      ),
    ).to.equal(
      'changestate input: desired.applications.web.restart_policy.maximum_retry_count: only with name on-failure, found it with name always',
    );
  });

  it('shows the first five problems of a badly broken input', function () {
    const m = refusal((i) => {
      i.desired.nodes = Object.fromEntries(Array.from({ length: 8 }, (_, k) => [`-n${k}`, []]));
    });
    expect(m.split('; ')).to.have.length(6);
    expect(m).to.match(/; and 3 more$/);
  });
});

describe('trust input', function () {
  const trust = { protocol: 1, peers: valid().peers, senders: ['n1'] };

  it('passes a valid input through unchanged', function () {
    expect(parseTrustInput(JSON.stringify(trust))).to.deep.equal(trust);
    expect(parseTrustInput(JSON.stringify({ protocol: 1, peers: {} }))).to.deep.equal({
      protocol: 1,
      peers: {},
    });
  });

  it('refuses bad input with E_PROTOCOL and the JSON path', function () {
    const refused = (t: unknown): string => {
      const e = thrown(() => parseTrustInput(JSON.stringify(t)));
      expect(e.code).to.equal('E_PROTOCOL');
      return e.message;
    };
    expect(thrown(() => parseTrustInput('nope')).message).to.match(/^trust input is not JSON/);
    expect(refused({ ...trust, protocol: 2 })).to.equal('trust input of protocol 2, this node speaks 1');
    expect(refused({ protocol: 1 })).to.equal('trust input: (document): missing key peers');
    expect(refused({ ...trust, peers: { n1: { ...peer, host_key: 7 } } })).to.match(
      /^trust input: peers\.n1\.host_key: must be string, found 7/,
    );
    expect(refused({ ...trust, peers: { 'a b': peer } })).to.match(
      /^trust input: peers\["a b"\]: invalid key: expected a node name/,
    );
    expect(refused({ ...trust, senders: ['n9'] })).to.equal('trust input: senders[0]: "n9" is not in peers');
  });
});
