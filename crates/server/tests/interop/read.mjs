// The official automerge-repo client (Node) asks the Satchel server for one document, as
// an enrolled device: it answers the challenge with its Ed25519 key and passes the answer
// in the WebSocket address (browsers' WebSockets cannot set headers). Prints one JSON line:
// {"doc": …} when the document came, {"unavailable": …} when the server would not share it.
// Usage: node read.mjs HOST:PORT DEVICE_ID SEED_HEX DOCUMENT_ID
import crypto from "node:crypto";
import { Repo } from "@automerge/automerge-repo";
import { WebSocketClientAdapter } from "@automerge/automerge-repo-network-websocket";

const [address, deviceId, seedHex, docId] = process.argv.slice(2);
// A refused WebSocket upgrade surfaces as an error the adapter throws: report it.
process.on("uncaughtException", (e) => {
  console.log(JSON.stringify({ refused: String(e?.message ?? e) }));
  process.exit(3);
});
const reply = await fetch(`https://${address}/api/challenge`, {
  method: "POST",
  headers: { "content-type": "application/json" },
  body: JSON.stringify({ device_id: deviceId }),
});
if (!reply.ok) {
  console.log(JSON.stringify({ refused: (await reply.json()).error }));
  process.exit(3);
}
const { nonce } = await reply.json();
// An Ed25519 private key from its 32-byte seed: the PKCS#8 prefix, then the seed.
const der = Buffer.concat([
  Buffer.from("302e020100300506032b657004220420", "hex"),
  Buffer.from(seedHex, "hex"),
]);
const key = crypto.createPrivateKey({ key: der, format: "der", type: "pkcs8" });
const signature = crypto
  .sign(null, Buffer.from(`satchel-sync-v1\n${deviceId}\n${nonce}`), key)
  .toString("hex");
const url = `wss://${address}/sync?device=${encodeURIComponent(deviceId)}&nonce=${nonce}&signature=${signature}`;
const repo = new Repo({ network: [new WebSocketClientAdapter(url, 60000)], peerId: deviceId });
let handle;
try {
  handle = await repo.find(`automerge:${docId}`, { signal: AbortSignal.timeout(15000) });
} catch (e) {
  console.log(JSON.stringify({ unavailable: String(e?.message ?? e) }));
  process.exit(2);
}
// Automerge's unsigned integers arrive as BigInt, which JSON cannot hold: as text.
const json = JSON.stringify({ doc: handle.doc() }, (_, v) => (typeof v === "bigint" ? v.toString() : v));
console.log(json);
process.exit(0);
