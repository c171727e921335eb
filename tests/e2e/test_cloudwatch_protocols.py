"""CloudWatch's three fronts (reference/cloudwatch.md §1.1-§1.6): the query protocol (Debian's
boto3 1.26 speaks it), Smithy RPC v2 CBOR (botocore 1.43 forced to it through AWS_DATA_PATH)
and gzip-compressed request bodies.  Each front only decodes into and encodes from the JSON
object of the handlers, so what one protocol answers, the others answer in their own shape."""
import botocore.exceptions
import pytest


def test_query_not_implemented_is_a_clean_error(server):
    cw = server.client("cloudwatch")
    with pytest.raises(botocore.exceptions.ClientError) as ei:
        cw.list_dashboards()
    err = ei.value.response
    assert err["Error"]["Code"] == "NotImplementedException"
    assert "ListDashboards" in err["Error"]["Message"]
    assert err["ResponseMetadata"]["HTTPStatusCode"] == 501
    assert err["ResponseMetadata"]["RequestId"]
