// compose `build:` (issue 13 item 1): accepted forms, paths relative to the compose file's
// folder, the image name of a service without `image:`, and what is refused.
import { expect } from 'chai';
import { InputError } from '../../src/errors.js';
import { parseApplicationConfig } from '../../src/config/index.js';
import type { ComposeInputs } from '../../src/config/index.js';
import { buildImageName } from '../../src/config/compose-build.js';
import { sameApplication } from '../../src/model/canonical.js';

const inputs: ComposeInputs = { env: {}, dir: '/home/u/My Shop', readFile: () => 'missing' };
const parse = (text: string) => parseApplicationConfig(text, 'compose.yml', inputs);

function problemsOf(text: string): string[] {
  try {
    parse(text);
  } catch (e) {
    if (e instanceof InputError) return e.problems.map((p) => `${p.line}: ${p.path}: ${p.message}`);
    throw e;
  }
  return [];
}

describe('compose build:', () => {
  it('a context string: built from the folder beside the compose file, named by us', () => {
    const apps = parse('services:\n  web:\n    build: ./web\n    ports: ["80:80"]\n');
    expect(apps['web']!.build).to.deep.equal({ context: '/home/u/My Shop/web' });
    expect(apps['web']!.image).to.equal('flocker-build/my-shop-web:latest');
  });

  it('a mapping with dockerfile, args (mapping or list) and target; image: names the build', () => {
    const apps = parse(
      [
        'services:',
        '  api:',
        '    image: shop/api:2',
        '    build:',
        '      context: ../api',
        '      dockerfile: docker/Dockerfile.prod',
        '      args: { VERSION: 2, DEBUG: false }',
        '      target: runtime',
        '  worker:',
        '    build:',
        '      args: ["A=1", "B=x=y"]',
      ].join('\n'),
    );
    expect(apps['api']!.image).to.equal('shop/api:2');
    expect(apps['api']!.build).to.deep.equal({
      context: '/home/u/api',
      dockerfile: 'docker/Dockerfile.prod',
      args: { DEBUG: 'false', VERSION: '2' },
      target: 'runtime',
    });
    expect(apps['worker']!.build).to.deep.equal({ context: '/home/u/My Shop', args: { A: '1', B: 'x=y' } });
  });

  it('the build itself is not part of restart equality; the built image ID is', () => {
    const apps = parse('services:\n  web:\n    build: ./web\n');
    const web = apps['web']!;
    const moved = { ...web, build: { context: '/elsewhere' } };
    expect(sameApplication(web, moved)).to.equal(true);
    const id = (c: string) => `sha256:${c.repeat(64)}`;
    expect(sameApplication({ ...web, image_id: id('a') }, { ...web, image_id: id('a') })).to.equal(true);
    expect(sameApplication({ ...web, image_id: id('a') }, { ...web, image_id: id('b') })).to.equal(false);
  });

  it('refuses remote contexts, unknown keys and bad args, each at its place', () => {
    const p = problemsOf(
      [
        'services:',
        '  a:',
        '    build: https://github.com/x/y.git',
        '  b:',
        '    build:',
        '      context: .',
        '      ssh: [default]',
        '      args: [NOVALUE]',
        '  c:',
        '    build: 3',
      ].join('\n'),
    );
    expect(p).to.have.length(4);
    expect(p[0]).to.match(/^3: .*remote build contexts are not supported/);
    expect(p[1]).to.match(
      /^7: .*unsupported build key "ssh".*supported keys are: context, dockerfile, args, target/,
    );
    expect(p[2]).to.match(/^8: .*expected NAME=value/);
    expect(p[3]).to.match(/^10: .*expected a build context folder/);
  });

  it('image names of ours are valid references', () => {
    expect(buildImageName('/x/__Weird  Dir__', 'Svc_1')).to.equal('flocker-build/weird-dir-svc-1:latest');
    expect(buildImageName('/', 'web')).to.equal('flocker-build/web:latest');
  });
});
