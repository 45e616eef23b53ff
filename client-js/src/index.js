// Livedesk JavaScript SDK: ES modules for browsers and Node 20.
export { LivedeskClient, bodyType, SDK_VERSION } from './client.js';
export { ErrorCode, CloseCode, ClientErrorCode, LivedeskError, closeAction, errorName, isRetryable } from './codes.js';
export { jsonEncoding } from './json.js';
export { protobufEncoding } from './protobuf.js';
export { backoffDelay, DEFAULT_BACKOFF } from './backoff.js';
export { Sequencer } from './sequencer.js';
