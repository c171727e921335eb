"""hello-python: a Lambda handler for the python3.x runtimes (handler app.lambda_handler)."""
import os

invocations = 0  # module state survives between warm invocations


def lambda_handler(event, context):
    global invocations
    invocations += 1
    print("hello from python, request", context.aws_request_id)
    if isinstance(event, dict) and event.get("fail"):
        raise RuntimeError("asked to fail: %s" % event["fail"])
    return {
        "ok": True,
        "event": event,
        "function": context.function_name,
        "version": os.environ.get("AWS_LAMBDA_FUNCTION_VERSION"),
        "invocations": invocations,
        "remainingMs": context.get_remaining_time_in_millis(),
    }
