// Runs S3 calls with the AWS SDK for JavaScript v3 (@aws-sdk/client-s3) for the end-to-end
// tests, in its default virtual-hosted style unless told otherwise.
//
// Reads one JSON document on stdin:
//   {"endpoint": "http://localhost:PORT", "accessKeyId": "...", "secretAccessKey": "...",
//    "forcePathStyle": false, "ops": [{"op": "PutObject", "input": {...}}, ...]}
// and prints one JSON array: per op {"ok": true, "output": {...}, "host": "...", "path": "..."}
// or {"ok": false, "name": "NoSuchKey", "status": 404, "message": "...", "host", "path"}.
// "host" and "path" are what the SDK sent, so a test can see the addressing style.
//
// Every host name resolves to 127.0.0.1 through the HTTP agent's own lookup (as a wildcard DNS
// record for the S3 domain would): `<bucket>.localhost` needs no resolver, and nothing leaves
// the machine.  Each call is bounded by the handler's timeouts, the whole run by a timer.
import http from "node:http";
import * as s3 from "@aws-sdk/client-s3";
import { NodeHttpHandler } from "@smithy/node-http-handler";

const RUN_TIMEOUT_MS = 120000;

setTimeout(() => {
  process.stderr.write("s3.mjs: timed out\n");
  process.exit(3);
}, RUN_TIMEOUT_MS).unref();

function lookup(hostname, options, callback) {
  if (typeof options === "function") {
    callback = options;
    options = {};
  }
  if (options && options.all) callback(null, [{ address: "127.0.0.1", family: 4 }]);
  else callback(null, "127.0.0.1", 4);
}

async function readStdin() {
  const chunks = [];
  for await (const chunk of process.stdin) chunks.push(chunk);
  return JSON.parse(Buffer.concat(chunks).toString("utf8"));
}

// Outputs as JSON: bodies read as text, dates as ISO strings, SDK metadata left out.
async function plain(output) {
  const out = {};
  for (const [k, v] of Object.entries(output)) {
    if (k === "$metadata") continue;
    if (v && typeof v.transformToString === "function") out[k] = await v.transformToString();
    else out[k] = v;
  }
  return JSON.parse(JSON.stringify(out));
}

const req = await readStdin();
const seen = {};
const client = new s3.S3Client({
  endpoint: req.endpoint,
  region: req.region || "us-east-1",
  forcePathStyle: Boolean(req.forcePathStyle),
  credentials: { accessKeyId: req.accessKeyId, secretAccessKey: req.secretAccessKey },
  maxAttempts: 1,
  requestHandler: new NodeHttpHandler({
    httpAgent: new http.Agent({ keepAlive: false, lookup }),
    connectionTimeout: 5000,
    requestTimeout: 20000,
  }),
});
client.middlewareStack.add(
  (next) => async (args) => {
    seen.host = args.request.headers.host || args.request.hostname;
    if (args.request.port && !String(seen.host).includes(":"))
      seen.host = `${seen.host}:${args.request.port}`;
    seen.path = args.request.path;
    return next(args);
  },
  { step: "finalizeRequest", name: "slipwayRecordHost", priority: "low" },
);

const results = [];
for (const { op, input } of req.ops) {
  const Command = s3[`${op}Command`];
  seen.host = seen.path = undefined;
  if (!Command) {
    results.push({ ok: false, name: "UnknownCommand", message: op });
    continue;
  }
  try {
    const output = await client.send(new Command(input || {}));
    results.push({ ok: true, output: await plain(output), host: seen.host, path: seen.path });
  } catch (err) {
    results.push({
      ok: false,
      name: err.name,
      status: err.$metadata ? err.$metadata.httpStatusCode : undefined,
      message: err.message,
      host: seen.host,
      path: seen.path,
    });
  }
}
process.stdout.write(JSON.stringify(results) + "\n");
