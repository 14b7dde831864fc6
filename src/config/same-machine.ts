// Two node names of a deployment file that are the same address as written (see
// model/node-address.ts): refused as bad input, before any node is contacted. Names that turn
// out to be one machine only once connected are the deploy's to find (E_SAME_MACHINE, exit 1).
import type { InputProblem } from '../errors.js';
import { literalAddress } from '../model/node-address.js';
import type { ParsedDeployment } from './parse.js';
import { positioned } from './parse.js';
import { locate } from './yaml-source.js';

export function sameMachineProblems(dep: ParsedDeployment): InputProblem[] {
  const doc = dep.doc;
  if (doc === null) return [];
  const seen = new Map<string, string>();
  const out: InputProblem[] = [];
  // in file order (Object.keys puts integer-like names such as "3221225985" first)
  const named = Object.keys(dep.nodes).flatMap((node) => {
    const address = literalAddress(node);
    return address === undefined ? [] : [{ node, address, at: locate(doc, ['nodes', node], 'key') }];
  });
  named.sort((a, b) => a.at.line - b.at.line || a.at.column - b.at.column);
  for (const { node, address } of named) {
    const first = seen.get(address);
    if (first === undefined) {
      seen.set(address, node);
      continue;
    }
    const at = locate(doc, ['nodes', first], 'key');
    out.push(
      positioned(doc, {
        path: ['nodes', node],
        target: 'key',
        message: `expected each machine once, found address ${address} again (node "${first}" at line ${at.line} is the same address): name each node once`,
      }),
    );
  }
  return out;
}
