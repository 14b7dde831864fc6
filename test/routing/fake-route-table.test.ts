import { FakeRouteTable } from '../../src/routing/route-table.js';
import { routeTableContract } from './route-table.contract.js';

routeTableContract('FakeRouteTable', () =>
  Promise.resolve({
    table: new FakeRouteTable(),
    targets: ['198.51.100.2', '198.51.100.3'],
    cleanup: () => Promise.resolve(),
  }),
);
