// Build step (after tsc and gen-validators): bundle the node-side programs (bin/flocker-agent)
// into ONE self-contained file, dist/agent/flocker-agent.mjs, for the Node.js that Debian stable
// ships (18.x): no node_modules on the node. flocker-deploy ships it to every node over ssh.
import { build } from 'esbuild';
import console from 'node:console';
import process from 'node:process';
import { readFileSync } from 'node:fs';
import { URL, fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
/** the first lines of dist/src/validation/validators.generated.js (scripts/gen-validators.mjs) */
const VALIDATORS_PRELUDE =
  "import { createRequire } from 'node:module';\nconst require = createRequire(import.meta.url);\n";
const pkg = JSON.parse(readFileSync(`${root}/package.json`, 'utf8'));
const result = await build({
  absWorkingDir: root,
  entryPoints: ['dist/bin/flocker-agent.js'],
  outfile: 'dist/agent/flocker-agent.mjs',
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node18',
  charset: 'ascii', // the deploy streams it as text; sha256 over the same bytes either side
  legalComments: 'none',
  sourcemap: false,
  minify: true, // parsed on every node command: about half the start-up of the unminified file
  metafile: true,
  logLevel: 'warning',
  define: { FLOCKER_VERSION: JSON.stringify(pkg.version) },
  // bundled CommonJS (ajv's runtime) require()s node built-ins: give the ESM bundle a require
  // the generated validators give themselves a require() of ajv's runtime helpers for when they
  // run unbundled; bundled, that require must be esbuild's, so the helpers are inside the file (a
  // node has no node_modules: the require failed there and every command compiled the schemas)
  plugins: [
    {
      name: 'validators-runtime-inside',
      setup(b) {
        b.onLoad({ filter: /validators\.generated\.js$/ }, (args) => {
          const text = readFileSync(args.path, 'utf8');
          if (!text.startsWith(VALIDATORS_PRELUDE))
            throw new Error(`${args.path} does not start with the prelude gen-validators.mjs writes`);
          return { contents: text.slice(VALIDATORS_PRELUDE.length), loader: 'js' };
        });
      },
    },
  ],
  banner: {
    js: "import { createRequire as __flockerRequire } from 'node:module';\nconst require = __flockerRequire(import.meta.url);",
  },
});
const inputs = Object.keys(result.metafile.inputs);
// the node side must never pull in the deploy side (ssh2, listr2, chalk, commander)
const bad = inputs.filter((f) => /node_modules\/(ssh2|listr2|chalk|commander|cpu-features)\//.test(f));
// the schema validators must be the generated code: compiling them at each start cost every
// node command about 1.3 s of CPU
if (!inputs.some((f) => f.endsWith('dist/src/validation/validators.generated.js'))) {
  console.error('build-agent: the node agent must bundle dist/src/validation/validators.generated.js');
  process.exit(1);
}
if (bad.length) {
  console.error(`build-agent: the node agent must not include ${bad.join(', ')}`);
  process.exit(1);
}
