// The sync benchmark's client side (`cargo xtask bench sync`): device A puts N small matter
// documents on the server (not timed; then a pause for the upload to settle), then a fresh
// device B fetches all N on its first connection — timed. Prints "result N OK MS": the
// documents asked for, those that came, the milliseconds it took, and the milliseconds of
// those the client's own thread was busy (its event loop's active time: work any server
// leaves the client to do, which bounds how fast any server can be seen to be).
// Usage: node bench.mjs ref PORT N
//        node bench.mjs satchel HOST:PORT N CODE_A CODE_B   (enrols two devices first)
import crypto from "node:crypto";
import { Repo } from "@automerge/automerge-repo";
import { WebSocketClientAdapter } from "@automerge/automerge-repo-network-websocket";

const [mode, where, nText, codeA, codeB] = process.argv.slice(2);
const n = Number(nText);

async function post(path, body) {
  const reply = await fetch(`https://${where}${path}`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  const json = await reply.json();
  if (!reply.ok) throw new Error(json.error);
  return json;
}

// A device of the Satchel server: enrolled once with a fresh Ed25519 key; each connection
// answers a fresh challenge.
async function satchelDevice(code, name) {
  const { publicKey, privateKey } = crypto.generateKeyPairSync("ed25519");
  const raw = publicKey.export({ format: "der", type: "spki" }).subarray(-32);
  const { device_id } = await post("/api/enrol", { code, device_name: name, public_key: raw.toString("hex") });
  return {
    peerId: device_id,
    async url() {
      const { nonce } = await post("/api/challenge", { device_id });
      const signature = crypto
        .sign(null, Buffer.from(`satchel-sync-v1\n${device_id}\n${nonce}`), privateKey)
        .toString("hex");
      return `wss://${where}/sync?device=${device_id}&nonce=${nonce}&signature=${signature}`;
    },
  };
}

function refDevice(peerId) {
  return { peerId, async url() { return `ws://127.0.0.1:${where}`; } };
}

const [a, b] =
  mode === "satchel"
    ? [await satchelDevice(codeA, "bench A"), await satchelDevice(codeB, "bench B")]
    : [refDevice("bench-a"), refDevice("bench-b")];

// A repository connected to the server: returned once the server has answered the
// handshake (the adapter would otherwise call itself ready after a second, connected or not).
async function connect(device) {
  const adapter = new WebSocketClientAdapter(await device.url(), 600000);
  const repo = new Repo({ network: [adapter], peerId: device.peerId });
  await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error("no answer from the server in 30 s")), 30000);
    adapter.once("peer-candidate", () => {
      clearTimeout(timer);
      resolve();
    });
  });
  repo.adapter = adapter;
  return repo;
}

// Fetch every id on a fresh connection; the ids that came.
async function fetchAll(device, ids) {
  const repo = await connect(device);
  const got = await Promise.all(
    ids.map(async (id) => {
      try {
        const h = await repo.find(id, { signal: AbortSignal.timeout(120000) });
        return h.doc()?.kind === "matter" ? id : null;
      } catch {
        return null;
      }
    }),
  );
  // Close this connection (open by now, so closing it raises nothing).
  repo.adapter.disconnect();
  return got.filter(Boolean);
}

const repoA = await connect(a);
const ids = [];
for (let i = 0; i < n; i++) {
  ids.push(
    repoA.create({ kind: "matter", number: i + 1, client_name: `Client ${i + 1}`, description: "Purchase of 12 Acacia Avenue", notes: [] }).url,
  );
}
// Let the upload settle (not timed): each document is a few hundred bytes.
await new Promise((r) => setTimeout(r, Math.max(2000, n * 3)));
// Timed: a fresh connection of device B fetches all N.
const started = performance.now();
const busy = performance.eventLoopUtilization();
const ok = (await fetchAll(b, ids)).length;
const ms = performance.now() - started;
const active = performance.eventLoopUtilization(busy).active;
console.log(`result ${n} ${ok} ${Math.round(ms)} ${Math.round(active)}`);
process.exit(ok === n ? 0 : 1);
