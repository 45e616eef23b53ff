// The mobile path: binary frames carrying livedesk.v1.Frame in protobuf, encoded with protobufjs
// from the same livedesk.proto the server is built from. Frames in and out keep the JSON shape
// (camelCase, int64 as strings, enums by name), so code above the encoding never changes.

const TO_OBJECT = Object.freeze({ longs: String, enums: String, json: true });

/**
 * Builds the protobuf encoding.
 * - `protobuf`: the protobufjs library; defaults to `globalThis.protobuf` (the browser build from
 *   /vendor/protobuf.min.js) or `import('protobufjs')` in Node.
 * - `proto`: the text of livedesk.proto; otherwise it is fetched from `protoUrl`
 *   (by default livedesk.proto beside this module, as the server serves it at /sdk/).
 */
export async function protobufEncoding({ protobuf, proto, protoUrl } = {}) {
  const lib = protobuf ?? globalThis.protobuf ?? (await import('protobufjs')).default;
  const source = proto ?? (await fetchText(protoUrl ?? new URL('./livedesk.proto', import.meta.url)));
  const Frame = lib.parse(source, { keepCase: false }).root.lookupType('livedesk.v1.Frame');
  return Object.freeze({
    name: 'protobuf',
    subprotocol: 'livedesk.protobuf',
    encode(frame) {
      return Frame.encode(Frame.fromObject(frame)).finish();
    },
    decode(data) {
      if (typeof data === 'string') throw new TypeError('expected a binary frame on a protobuf connection');
      const bytes = data instanceof Uint8Array ? data : new Uint8Array(data);
      return Frame.toObject(Frame.decode(bytes), TO_OBJECT);
    },
  });
}

async function fetchText(url) {
  const response = await fetch(url);
  if (!response.ok) throw new Error(`could not load ${url}: HTTP ${response.status}`);
  return response.text();
}
