/** Valid application and node names that a plain object inherits from Object.prototype. */
export const PROTO_NAMES = ['constructor', 'toString', 'valueOf', 'hasOwnProperty', 'isPrototypeOf'];
