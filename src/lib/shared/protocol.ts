// Relay protocol constants shared by the relay and its clients (DESIGN §7).
export const CLOSE_SESSION_ENDED = 4401;
export const CLOSE_ACCESS_ENDED = 4403;
export const CLOSE_TOO_LARGE = 4413;
export const CLOSE_PROTOCOL_ERROR = 4400;
export const CLOSE_RATE_LIMITED = 4429;
export const CLOSE_TOO_MANY_CONNECTIONS = 4430;

export const SYNC_PATH_PREFIX = '/sync/';

/** y-websocket message types. */
export const MESSAGE_SYNC = 0;
export const MESSAGE_AWARENESS = 1;
export const MESSAGE_AUTH = 2;
export const MESSAGE_QUERY_AWARENESS = 3;
