// The default encoding: text frames carrying the proto3 JSON mapping of livedesk.v1.Frame
// (camelCase fields, int64 as strings, enums by name).

export const jsonEncoding = Object.freeze({
  name: 'json',
  subprotocol: 'livedesk.json',
  encode(frame) {
    return JSON.stringify(frame);
  },
  decode(data) {
    if (typeof data !== 'string') throw new TypeError('expected a text frame on a JSON connection');
    return JSON.parse(data);
  },
});
