// Compose networks (issue 13 item 4): declarations, service membership, links by name per
// network, cluster-only ports and their allocation.
import { expect } from 'chai';
import { InputError } from '../../src/errors.js';
import { parseApplicationConfig } from '../../src/config/index.js';
import { CLUSTER_PORT_RANGE, allocateClusterPort } from '../../src/config/compose-networks.js';

function refusal(text: string): string[] {
  try {
    parseApplicationConfig(text, 'c.yml');
  } catch (e) {
    expect(e).to.be.instanceOf(InputError);
    return (e as InputError).message.split('\n');
  }
  throw new Error('accepted');
}

const PROJECT = `services:
  web:
    image: nginx
    ports: ["8080:80"]
    networks: [front, back]
  db:
    image: postgres
    expose: ["5432"]
    networks:
      back:
        aliases: [database]
  proxy:
    image: nginx
    networks: [front]
networks:
  front:
  back:
    driver: bridge
    internal: true
`;

describe('config/compose networks', () => {
  it('services of a network reach each other by name and aliases; others get no link to them', () => {
    const apps = parseApplicationConfig(PROJECT, 'c.yml');
    const db = apps['db']?.ports.find((p) => p.internal === 5432);
    expect(db?.cluster_only).to.equal(true);
    const cp = db?.external as number;
    expect(cp).to.be.within(CLUSTER_PORT_RANGE.first, CLUSTER_PORT_RANGE.first + CLUSTER_PORT_RANGE.size - 1);
    expect(apps['web']?.links).to.deep.equal([
      { local_port: 5432, remote_port: cp, alias: 'database' },
      { local_port: 5432, remote_port: cp, alias: 'db' },
    ]);
    // db is on back only: it reaches web (published port), proxy does not exist for it
    expect(apps['db']?.links).to.deep.equal([{ local_port: 80, remote_port: 8080, alias: 'web' }]);
    // proxy shares front with web only: no name for db
    expect(apps['proxy']?.links).to.deep.equal([{ local_port: 80, remote_port: 8080, alias: 'web' }]);
    // web publishes its port: no cluster-only port added
    expect(apps['web']?.ports).to.deep.equal([{ internal: 80, external: 8080 }]);
  });

  it('the default network: every service without networks reaches every other; none without ports', () => {
    const apps = parseApplicationConfig(
      'services:\n  a:\n    image: x\n    expose: [7000]\n  b:\n    image: x\n  my-svc:\n    image: x\n    expose: [80, "81/tcp"]\n',
      'c.yml',
    );
    expect(apps['b']?.links.map((l) => `${l.alias}:${l.local_port}`)).to.deep.equal([
      'a:7000',
      'my-svc:80',
      'my-svc:81',
    ]);
    // b listens on no known port (an image's EXPOSE is unknown): no one gets a link to it
    expect(apps['a']?.links.map((l) => l.alias)).to.deep.equal(['my-svc', 'my-svc']);
    expect(apps['b']?.ports).to.deep.equal([]);
  });

  it('cluster ports are the same on every load, whatever the order of the services', () => {
    const a = parseApplicationConfig(PROJECT, 'c.yml');
    const [head, rest] = PROJECT.split('  db:\n') as [string, string];
    // db first, then web and proxy: the same ports and links
    const b = parseApplicationConfig(
      `services:\n  db:\n${rest.split('networks:\n  front')[0]}${head.slice('services:\n'.length)}networks:\n  front${rest.split('networks:\n  front')[1]}`,
      'c.yml',
    );
    expect(Object.keys(b)).to.deep.equal(['db', 'proxy', 'web']);
    expect(b).to.deep.equal(a);
    const used = new Set<number>();
    const first = allocateClusterPort('db', 5432, used);
    expect(allocateClusterPort('db', 5432, new Set())).to.equal(first);
    // taken: the next free port of the range, wrapping around
    expect(allocateClusterPort('db', 5432, used)).to.not.equal(first);
    const full = new Set(
      Array.from({ length: CLUSTER_PORT_RANGE.size }, (_, i) => CLUSTER_PORT_RANGE.first + i),
    );
    expect(allocateClusterPort('db', 5432, full)).to.equal(undefined);
  });

  it('refuses what cannot span nodes, with the reason, at the key or value', () => {
    const lines = refusal(`services:
  web:
    image: x
    networks:
      lan:
        ipv4_address: 10.0.0.5
      ghost: {}
  db:
    image: x
    networks: [lan, 3]
networks:
  lan:
    driver: macvlan
    driver_opts: {parent: eth0}
    ipam: {config: [{subnet: 10.0.0.0/24}]}
  ext:
    external: true
  odd: [1]
`);
    expect(lines).to.deep.equal([
      'c.yml:6:9: services.web.networks.lan.ipv4_address: unsupported service network key "ipv4_address": a fixed address belongs to one host; the service is reached by its name from every node',
      'c.yml:7:7: services.web.networks.ghost: expected a network declared under the top-level networks key ("default", "lan", "ext", "odd"), found the string "ghost"',
      'c.yml:10:21: services.db.networks[1]: expected a network declared under the top-level networks key ("default", "lan", "ext", "odd"), found the number 3',
      'c.yml:13:13: networks.lan.driver: expected "bridge" or "overlay", found the string "macvlan": that driver attaches containers to one host’s network; Flocker’s networks are names routed to wherever each application runs',
      'c.yml:14:5: networks.lan.driver_opts: unsupported network key "driver_opts": driver options configure one host’s network; Flocker’s networks are names routed across the nodes',
      'c.yml:15:5: networks.lan.ipam: unsupported network key "ipam": fixed subnets and addresses belong to one host; Flocker gives each name an address of its own in every container and routes it to wherever the application runs',
      'c.yml:17:5: networks.ext.external: unsupported network key "external": an external network joins containers that are not in this file; Flocker reaches only the applications it runs',
      'c.yml:18:8: networks.odd: expected an empty declaration or a mapping, found a list',
    ]);
  });

  it('refuses an alias no resolver takes', () => {
    const lines = refusal(
      'services:\n  a:\n    image: x\n    networks:\n      default:\n        aliases: [ok-name, "bad.name", -x]\n',
    );
    expect(lines).to.have.length(2);
    expect(lines[0]).to.match(
      /^c\.yml:6:28: services\.a\.networks\.default\.aliases\[1\]: expected a host name/,
    );
    expect(lines[1]).to.match(
      /^c\.yml:6:40: services\.a\.networks\.default\.aliases\[2\]: expected a host name/,
    );
  });

  it('an explicit link to a service with only expose goes to its cluster-only port', () => {
    const apps = parseApplicationConfig(
      'services:\n  web:\n    image: x\n    links: ["db:sql"]\n  db:\n    image: x\n    expose: [5432]\n',
      'c.yml',
    );
    const cp = apps['db']?.ports[0]?.external;
    expect(apps['db']?.ports).to.deep.equal([{ internal: 5432, external: cp, cluster_only: true }]);
    expect(apps['web']?.links).to.deep.equal([
      { local_port: 5432, remote_port: cp, alias: 'db' },
      { local_port: 5432, remote_port: cp, alias: 'sql' },
    ]);
  });

  it('the v1 (fig) layout has no networks: only its links', () => {
    const apps = parseApplicationConfig(
      'a:\n  image: x\n  expose: [80]\nb:\n  image: x\n  expose: [81]\n',
      'c.yml',
    );
    expect(apps['a']?.links).to.deep.equal([]);
    expect(apps['a']?.ports).to.deep.equal([]);
  });
});
