// Typed transaction origins (STYLE habit 5): observers branch on who wrote.
export const ORIGIN_LOCAL = 'local' as const; // the person at this device
export const ORIGIN_SEED = 'seed' as const; // deterministic demo data
export const ORIGIN_INDEXER = 'indexer' as const; // the local query index (never writes the doc)
export const ORIGIN_RELAY_LOAD = 'relay-load' as const; // the relay restoring a room from the store
export const ORIGIN_RELAY_REMOTE = 'relay-remote' as const; // the relay applying what another node committed (never stored again)

export type Origin = typeof ORIGIN_LOCAL | typeof ORIGIN_SEED | typeof ORIGIN_INDEXER | typeof ORIGIN_RELAY_LOAD | typeof ORIGIN_RELAY_REMOTE;
