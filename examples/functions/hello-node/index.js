// hello-node: a Lambda handler for the nodejs*.x runtimes (handler index.handler).
let invocations = 0; // module state survives between warm invocations

exports.handler = async (event, context) => {
  invocations += 1;
  console.log('hello from node, request', context.awsRequestId);
  if (event && event.fail) throw new Error('asked to fail: ' + event.fail);
  return {
    ok: true,
    event,
    function: context.functionName,
    version: process.env.AWS_LAMBDA_FUNCTION_VERSION,
    invocations,
    remainingMs: context.getRemainingTimeInMillis(),
  };
};
