import { UsageError } from '../errors.js';
// Pure: validation of flocker-lab options. Problems are returned as messages (usage errors).
import { DEFAULT_LAB, isValidLabName, parseNodeName } from './names.js';
import {
  DEFAULT_SUBNET,
  FORBIDDEN_SUBNETS,
  allocateAddresses,
  overlaps,
  parseCidr,
  type Cidr,
} from './net.js';

export const MAX_NODES = 5;
export const DEFAULT_NODES = 2;
export const DEFAULT_POOL_SIZE = '1G';

export interface UpOptions {
  readonly name: string;
  readonly nodes: number;
  readonly subnet: Cidr;
  /** sparse pool file size for `truncate -s` (e.g. 512M, 1G) */
  readonly poolSize: string;
  /** nodes boot a debootstrap'd Debian rootfs (Debian packages only), no project bind mount */
  readonly bare: boolean;
}

export interface RawUpOptions {
  name?: string | undefined;
  nodes?: string | number | undefined;
  subnet?: string | undefined;
  poolSize?: string | undefined;
  bare?: boolean | undefined;
}

const SIZE = /^([1-9][0-9]*)([KMGT]?)$/;
const UNIT: Record<string, number> = { '': 1, K: 2 ** 10, M: 2 ** 20, G: 2 ** 30, T: 2 ** 40 };

/** bytes of a size like "512M", or undefined */
export function parseSize(s: string): number | undefined {
  const m = SIZE.exec(s.toUpperCase());
  if (m?.[1] === undefined) return undefined;
  return Number(m[1]) * (UNIT[m[2] ?? ''] ?? 1);
}

export function validateLabName(name: string | undefined): string {
  const n = name ?? DEFAULT_LAB;
  if (!isValidLabName(n)) throw new OptionError(`--name: "${n}" must be 1 to 6 characters [a-z0-9]`);
  return n;
}

export function validateNodeName(node: string, count?: number): number {
  const i = parseNodeName(node);
  if (i === undefined || (count !== undefined && i > count))
    throw new OptionError(`no node "${node}"${count !== undefined ? ` (lab has n1..n${count})` : ''}`);
  return i;
}

/** bad option value: a usage error (exit 2) */
export class OptionError extends UsageError {}

export function validateUpOptions(raw: RawUpOptions): UpOptions {
  const name = validateLabName(raw.name);
  const nodesStr = String(raw.nodes ?? DEFAULT_NODES);
  if (!/^[0-9]+$/.test(nodesStr) || Number(nodesStr) < 1 || Number(nodesStr) > MAX_NODES)
    throw new OptionError(`--nodes: "${nodesStr}" must be an integer from 1 to ${MAX_NODES}`);
  const nodes = Number(nodesStr);
  const subnet = parseCidr(raw.subnet ?? DEFAULT_SUBNET);
  if (typeof subnet === 'string') throw new OptionError(`--subnet: ${subnet}`);
  for (const f of FORBIDDEN_SUBNETS) {
    const fc = parseCidr(f);
    if (typeof fc !== 'string' && overlaps(fc, subnet))
      throw new OptionError(`--subnet: ${raw.subnet} overlaps ${f}, the machine's own network`);
  }
  const alloc = allocateAddresses(subnet, nodes);
  if (typeof alloc === 'string') throw new OptionError(`--subnet: ${alloc}`);
  const poolSize = (raw.poolSize ?? DEFAULT_POOL_SIZE).toUpperCase();
  const bytes = parseSize(poolSize);
  if (bytes === undefined) throw new OptionError(`--pool-size: "${raw.poolSize}" must look like 512M or 2G`);
  if (bytes < 64 * 2 ** 20)
    throw new OptionError(`--pool-size: ${poolSize} is below the 64M a ZFS pool needs`);
  return { name, nodes, subnet, poolSize, bare: raw.bare === true };
}
