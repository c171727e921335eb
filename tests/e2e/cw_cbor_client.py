"""Runs CloudWatch calls with botocore 1.43 forced to Smithy RPC v2 CBOR, for
test_cloudwatch_protocols.py (which runs it under that interpreter): a copy of the cloudwatch
model whose metadata lists only smithy-rpc-v2-cbor, found first through AWS_DATA_PATH.

stdin: {"endpoint", "access_key", "secret_key", "data_dir", "calls": [{"op", "params"}]}
stdout: one result per call — {"ok": reply} or {"error": Error, "status", "exception"} — each
with "sent" (the request's headers) and "headers" (the reply's)."""
import gzip
import json
import os
import sys

import botocore
import botocore.exceptions

args = json.load(sys.stdin)
model_dir = os.path.join(args["data_dir"], "cloudwatch", "2010-08-01")
os.makedirs(model_dir, exist_ok=True)
src = os.path.join(os.path.dirname(botocore.__file__), "data", "cloudwatch", "2010-08-01",
                   "service-2.json.gz")
with gzip.open(src, "rt", encoding="utf-8") as f:
    model = json.load(f)
model["metadata"]["protocols"] = ["smithy-rpc-v2-cbor"]
model["metadata"]["protocol"] = "smithy-rpc-v2-cbor"
with open(os.path.join(model_dir, "service-2.json"), "w", encoding="utf-8") as f:
    json.dump(model, f)
os.environ["AWS_DATA_PATH"] = args["data_dir"]

import boto3  # noqa: E402  (after AWS_DATA_PATH)
import botocore.config  # noqa: E402

client = boto3.client("cloudwatch", endpoint_url=args["endpoint"], region_name="us-east-1",
                      aws_access_key_id=args["access_key"],
                      aws_secret_access_key=args["secret_key"],
                      config=botocore.config.Config(retries={"max_attempts": 1}))
sent = []
client.meta.events.register(
    "before-send.cloudwatch",
    lambda request, **kw: sent.append({"url": request.url, "headers": {
        k: (v.decode() if isinstance(v, bytes) else v) for k, v in request.headers.items()}}))
out = []
for call in args["calls"]:
    sent.clear()
    try:
        reply = getattr(client, call["op"])(**call.get("params", {}))
        meta = reply.pop("ResponseMetadata")
        res = {"ok": reply, "status": meta["HTTPStatusCode"], "headers": meta["HTTPHeaders"]}
    except botocore.exceptions.ClientError as e:
        meta = e.response.get("ResponseMetadata", {})
        res = {"error": e.response.get("Error", {}), "status": meta.get("HTTPStatusCode"),
               "headers": meta.get("HTTPHeaders", {}), "exception": type(e).__name__}
    res["sent"] = sent[-1] if sent else None
    out.append(res)
print(json.dumps(out, default=str))
