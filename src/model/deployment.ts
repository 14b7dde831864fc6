import type { Application } from './application.js';

/** The desired configuration: both user files, parsed, validated and cross-checked. */
export interface DesiredConfig {
  /** app name -> canonical application */
  readonly applications: Readonly<Record<string, Application>>;
  /** node name (as the user wrote it: ssh alias, hostname or address) -> app names, sorted */
  readonly nodes: Readonly<Record<string, readonly string[]>>;
}
