import { FakeRouteTable } from '../../src/routing/route-table.js';
import { routeTableContract } from './route-table.contract.js';

routeTableContract('FakeRouteTable', () => {
  const table = new FakeRouteTable();
  return Promise.resolve({
    table,
    targets: ['198.51.100.2', '198.51.100.3'],
    listen: (port: number, protocol?: 'udp') => {
      const l = [
        { address: '0.0.0.0', port, ...(protocol ? { protocol } : {}) },
        { address: '::', port, ...(protocol ? { protocol } : {}) },
      ];
      table.listeners.push(...l);
      return Promise.resolve(async () => {
        table.listeners = table.listeners.filter((x) => !l.includes(x));
      });
    },
    cleanup: () => Promise.resolve(),
  });
});
