export { MemoryNodeFiles as MemoryNodeFilesForTest } from '../../src/systemd/node-files.js';
export {
  parseRoutesFile,
  renderRoutesFile,
  renderRoutesUnit,
  restoreRoutes,
} from '../../src/routing/route-table.js';
