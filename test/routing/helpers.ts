export { MemoryNodeFiles as MemoryNodeFilesForTest } from '../../src/exec/node-files.js';
export {
  parseRoutesFile,
  renderRoutesFile,
  renderRoutesUnit,
  restoreRoutes,
} from '../../src/routing/route-table.js';
