// Several volumes per compose service (issue 13 item 2): named, anonymous and long syntax, each
// a folder of the app's one dataset; problems at the item they concern.
import { expect } from 'chai';
import { InputError } from '../../src/errors.js';
import { parseApplicationConfig } from '../../src/config/index.js';
import { anonymousVolumeName } from '../../src/config/compose-keys.js';

function problems(text: string): string[] {
  try {
    parseApplicationConfig(text, 'c.yml');
  } catch (e) {
    expect(e).to.be.instanceOf(InputError);
    expect((e as InputError).code).to.equal('E_INPUT');
    return (e as InputError).message.split('\n');
  }
  return expect.fail('no error');
}

describe('config/compose: several volumes per service', () => {
  it('named, anonymous and long-syntax volumes become the mounts of one dataset (sorted by name)', () => {
    const apps = parseApplicationConfig(
      [
        'services:',
        '  db:',
        '    image: postgres',
        '    volumes:',
        '      - pgdata:/var/lib/postgresql/data',
        '      - /var/log/postgresql',
        '      - type: volume',
        '        source: conf',
        '        target: /etc/pg',
        'volumes:',
        '  pgdata:',
        '  conf: {driver: local}',
        '',
      ].join('\n'),
      'c.yml',
    );
    expect(apps['db']?.volume).to.deep.equal({
      mounts: [
        { name: 'conf', mountpoint: '/etc/pg' },
        { name: 'pgdata', mountpoint: '/var/lib/postgresql/data' },
        { name: 'var_log_postgresql', mountpoint: '/var/log/postgresql' },
      ],
    });
  });

  it('one volume stays the Flocker 0.1 form (the dataset itself, no name)', () => {
    const apps = parseApplicationConfig(
      'services:\n  web:\n    image: nginx\n    volumes: ["data:/srv"]\n',
      'c.yml',
    );
    expect(apps['web']?.volume).to.deep.equal({ mountpoint: '/srv' });
  });

  it('derives a stable folder name for anonymous volumes', () => {
    expect(anonymousVolumeName('/var/lib/mysql')).to.equal('var_lib_mysql');
    expect(anonymousVolumeName('/data/')).to.equal('data');
    expect(anonymousVolumeName('/.cache/x y')).to.equal('v.cache_x_y');
  });

  it('checks every item, each problem at its own line', () => {
    expect(
      problems(
        [
          'services:',
          '  db:',
          '    image: postgres',
          '    volumes:',
          '      - a:/x',
          '      - /srv/a/b',
          '      - a:/y',
          '      - /srv/a_b',
          '      - b:/x',
          '      - rel',
          '',
        ].join('\n'),
      ),
    ).to.deep.equal([
      'c.yml:7:9: services.db.volumes[2]: expected a volume not already mounted by this service, found "a" (also volumes[0])',
      'c.yml:8:9: services.db.volumes[3]: expected each volume in its own folder of the application\'s dataset, found "/srv/a_b", whose folder "srv_a_b" is also that of volumes[1]: name the volume ("NAME:/srv/a_b")',
      'c.yml:9:9: services.db.volumes[4]: expected a mountpoint not used by another volume of this application, found "/x" (also volumes[0])',
      'c.yml:10:9: services.db.volumes[5]: expected an absolute path (starting with "/"), found "rel"',
    ]);
  });

  it('after conversion, a problem of one mount points at its compose item', () => {
    expect(
      problems('services:\n  db:\n    image: postgres\n    volumes: ["a:/x", "b:/x/", "c:rel"]\n'),
    ).to.deep.equal([
      'c.yml:4:23: services.db.volumes[1]: expected a mountpoint not used by another volume of this application, found "/x/" (also volumes[0])',
      'c.yml:4:32: services.db.volumes[2]: expected an absolute path (starting with "/"), found "rel"',
    ]);
  });

  it('the Flocker format: mounts, or mountpoint, never both; two or more mounts', () => {
    const apps = parseApplicationConfig(
      'version: 1\napplications:\n  db:\n    image: busybox\n    volume:\n      mounts:\n        - {name: b, mountpoint: /b}\n        - {name: a, mountpoint: /a}\n',
      'a.yml',
    );
    expect(apps['db']?.volume?.mounts?.map((m) => m.name)).to.deep.equal(['a', 'b']);
    expect(
      problems(
        'version: 1\napplications:\n  db:\n    image: busybox\n    volume:\n      mountpoint: /x\n      mounts: [{name: a, mountpoint: /a}, {name: a, mountpoint: /b}]\n',
      ),
    ).to.have.length(2);
    expect(
      problems(
        'version: 1\napplications:\n  db:\n    image: busybox\n    volume:\n      mounts: [{name: a, mountpoint: /a}]\n',
      )[0],
    ).to.match(/volume\.mounts: .*two or more/);
  });
});
