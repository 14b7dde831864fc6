// JSON schema of the routes file (/var/lib/flocker/routes.json, re-applied at boot). Data only.
import { routeGuardSchema, routeSchema } from '../model/node-state-schema.js';

export const ROUTES_FORMAT = 'flocker-routes/1';

export const routesFileSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['format', 'routes'],
  properties: {
    format: { const: ROUTES_FORMAT },
    routes: { type: 'array', items: routeSchema },
    // networks (issue 13 item 4): absent = no cluster-only ports
    guard: routeGuardSchema,
  },
} as const;
