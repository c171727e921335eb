/* test_xml: the XML reader and the CompleteMultipartUpload part-list parser — what botocore and
 * the aws CLI send, and what S3 rejects (order, numbers, shape, DTDs). */
#include "base/err.h"
#include "services/s3/xml.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

static int parse(const char *s, struct s3_part_list *l, struct err *e)
{
	return s3_xml_parse_parts(s, strlen(s), l, e);
}

static void test_botocore_body(void **state)
{
	/* as botocore serialises it: declaration, namespace, quoted ETags */
	static const char body[] =
	    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
	    "<CompleteMultipartUpload xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">"
	    "<Part><ETag>\"7AC66C0F148DE9519B8BD264312C4D64\"</ETag>"
	    "<ChecksumCRC32>DUoRhQ==</ChecksumCRC32><PartNumber>1</PartNumber></Part>"
	    "<Part><ETag>&quot;b54357faf0632cce46e942fa68356b38&quot;</ETag>"
	    "<PartNumber>2</PartNumber></Part>"
	    "</CompleteMultipartUpload>";
	struct s3_part_list l;
	struct err e = { 0 };

	(void)state;
	assert_int_equal(parse(body, &l, &e), 0);
	assert_int_equal(l.n, 2);
	assert_int_equal(l.parts[0].number, 1);
	assert_string_equal(l.parts[0].etag, "7ac66c0f148de9519b8bd264312c4d64");
	assert_int_equal(l.parts[0].ck_alg, S3_CK_CRC32);
	assert_string_equal(l.parts[0].checksum, "DUoRhQ==");
	assert_int_equal(l.parts[1].number, 2);
	assert_string_equal(l.parts[1].etag, "b54357faf0632cce46e942fa68356b38");
	assert_int_equal(l.parts[1].ck_alg, S3_CK_NONE);
	s3_part_list_release(&l);
}

static void test_layout_variants(void **state)
{
	/* whitespace, comments, prefixes, CDATA, character references, gaps in numbering */
	static const char body[] =
	    "\xEF\xBB\xBF<?xml version='1.0'?>\n<!-- by hand -->\n"
	    "<s3:CompleteMultipartUpload xmlns:s3='http://s3.amazonaws.com/doc/2006-03-01/'>\n"
	    "  <s3:Part>\n    <s3:PartNumber> 3 </s3:PartNumber>\n"
	    "    <s3:ETag><![CDATA[\"abc\"]]></s3:ETag>\n  </s3:Part>\n"
	    "  <Part><PartNumber>10000</PartNumber><ETag>&#x22;d&#101;f&#34;</ETag></Part>\n"
	    "  <Unknown>ignored</Unknown>\n"
	    "</s3:CompleteMultipartUpload>\n";
	struct s3_part_list l;
	struct err e = { 0 };

	(void)state;
	assert_int_equal(parse(body, &l, &e), 0);
	assert_int_equal(l.n, 2);
	assert_int_equal(l.parts[0].number, 3);
	assert_string_equal(l.parts[0].etag, "abc");
	assert_int_equal(l.parts[1].number, 10000);
	assert_string_equal(l.parts[1].etag, "def");
	s3_part_list_release(&l);
}

static void test_order_and_numbers(void **state)
{
	static const struct {
		const char *parts;
		int code;
	} cases[] = {
		{ "<Part><PartNumber>2</PartNumber><ETag>a</ETag></Part>"
		  "<Part><PartNumber>1</PartNumber><ETag>b</ETag></Part>",
		  SW_E_InvalidPartOrder },
		{ "<Part><PartNumber>1</PartNumber><ETag>a</ETag></Part>"
		  "<Part><PartNumber>1</PartNumber><ETag>b</ETag></Part>",
		  SW_E_InvalidPartOrder },
		{ "<Part><PartNumber>0</PartNumber><ETag>a</ETag></Part>", SW_E_InvalidArgument },
		{ "<Part><PartNumber>10001</PartNumber><ETag>a</ETag></Part>",
		  SW_E_InvalidArgument },
		{ "<Part><PartNumber>-1</PartNumber><ETag>a</ETag></Part>", SW_E_InvalidArgument },
		{ "<Part><PartNumber>x</PartNumber><ETag>a</ETag></Part>", SW_E_MalformedXML },
		{ "<Part><PartNumber>1</PartNumber></Part>", SW_E_MalformedXML },
		{ "<Part><ETag>a</ETag></Part>", SW_E_MalformedXML },
		{ "<Part><PartNumber>1</PartNumber><ETag>\"\"</ETag></Part>", SW_E_InvalidPart },
		{ "", SW_E_MalformedXML },
		{ "<Part><PartNumber>1</PartNumber><ETag>a</ETag><ChecksumCRC32>x</ChecksumCRC32>"
		  "<ChecksumSHA1>y</ChecksumSHA1></Part>",
		  SW_E_InvalidRequest },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char body[1024];
		struct s3_part_list l;
		struct err e = { 0 };
		int r;

		snprintf(body, sizeof(body),
			 "<CompleteMultipartUpload>%s</CompleteMultipartUpload>", cases[i].parts);
		r = parse(body, &l, &e);
		if (r != -cases[i].code)
			fail_msg("case %zu: got %d (%s), want %d", i, r, err_message(&e),
				 -cases[i].code);
		assert_null(l.parts);
	}
}

static void test_malformed_documents(void **state)
{
	static const char *const cases[] = {
		"",
		"   ",
		"<CompleteMultipartUpload>",
		"<CompleteMultipartUpload></Complete>",
		"<CompleteMultipartUpload><Part></CompleteMultipartUpload>",
		"<Other><Part><PartNumber>1</PartNumber><ETag>a</ETag></Part></Other>",
		"<CompleteMultipartUpload/><CompleteMultipartUpload/>",
		"text<CompleteMultipartUpload/>",
		"<!DOCTYPE x [<!ENTITY a \"b\">]><CompleteMultipartUpload/>",
		"<CompleteMultipartUpload a=1/>",
		"<CompleteMultipartUpload a=\"1\"b=\"2\"/>",
		"<CompleteMultipartUpload>&unknown;</CompleteMultipartUpload>",
		"<CompleteMultipartUpload>&#0;</CompleteMultipartUpload>",
		"<CompleteMultipartUpload>&#xD800;</CompleteMultipartUpload>",
		"<CompleteMultipartUpload><!-- open </CompleteMultipartUpload>",
		"<CompleteMultipartUpload><![CDATA[x</CompleteMultipartUpload>",
		"<1abc/>",
		"&amp;<CompleteMultipartUpload/>",
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct s3_part_list l;
		struct err e = { 0 };
		int r = parse(cases[i], &l, &e);

		if (r != -SW_E_MalformedXML)
			fail_msg("case %zu (%s): got %d (%s)", i, cases[i], r, err_message(&e));
	}
}

static void test_depth_limit(void **state)
{
	char body[8 * (S3_XML_DEPTH_MAX + 2) * 2];
	struct s3_xml *x = NULL;
	struct err e = { 0 };
	size_t n = 0;

	(void)state;
	for (int i = 0; i <= S3_XML_DEPTH_MAX; i++)
		n += (size_t)snprintf(body + n, sizeof(body) - n, "<a>");
	for (int i = 0; i <= S3_XML_DEPTH_MAX; i++)
		n += (size_t)snprintf(body + n, sizeof(body) - n, "</a>");
	assert_int_equal(s3_xml_parse(body, n, &x, &e), -SW_E_MalformedXML);
	assert_null(x);
	/* one level less is fine */
	assert_int_equal(s3_xml_parse(body + 3, n - 7, &x, &e), 0);
	s3_xml_free(x);
}

static void test_tree_access(void **state)
{
	static const char doc[] = "<Delete><Quiet>true</Quiet><Object><Key>a &amp; b</Key></Object>"
				  "<Object><Key>c</Key></Object><Object/></Delete>";
	const struct s3_xml_node *root, *o;
	struct s3_xml *x;
	struct err e = { 0 };
	int n = 0;

	(void)state;
	assert_int_equal(s3_xml_parse(doc, sizeof(doc) - 1, &x, &e), 0);
	root = s3_xml_root(x);
	assert_string_equal(s3_xml_name(root), "Delete");
	assert_string_equal(s3_xml_child_text(x, root, "Quiet"), "true");
	assert_null(s3_xml_child_text(x, root, "Missing"));
	o = s3_xml_child(x, root, "Object");
	assert_string_equal(s3_xml_child_text(x, o, "Key"), "a & b");
	for (; o; o = s3_xml_next(x, o, "Object"))
		n++;
	assert_int_equal(n, 3);
	s3_xml_free(x);
}

static void test_many_parts(void **state)
{
	size_t cap = 80 * (S3_PARTS_MAX + 2) + 128, n = 0;
	char *body = malloc(cap);
	struct s3_part_list l;
	struct err e = { 0 };

	(void)state;
	assert_non_null(body);
	n += (size_t)snprintf(body + n, cap - n, "<CompleteMultipartUpload>");
	for (int i = 1; i <= S3_PARTS_MAX; i++)
		n += (size_t)snprintf(
		    body + n, cap - n,
		    "<Part><PartNumber>%d</PartNumber><ETag>\"e%d\"</ETag></Part>", i, i);
	snprintf(body + n, cap - n, "</CompleteMultipartUpload>");
	assert_int_equal(parse(body, &l, &e), 0);
	assert_int_equal(l.n, S3_PARTS_MAX);
	assert_string_equal(l.parts[S3_PARTS_MAX - 1].etag, "e10000");
	s3_part_list_release(&l);
	/* one more is over S3's limit */
	snprintf(body + n, cap - n,
		 "<Part><PartNumber>1</PartNumber><ETag>x</ETag></Part></CompleteMultipartUpload>");
	assert_int_equal(parse(body, &l, &e), -SW_E_MalformedXML);
	free(body);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_botocore_body),
		cmocka_unit_test(test_layout_variants),
		cmocka_unit_test(test_order_and_numbers),
		cmocka_unit_test(test_malformed_documents),
		cmocka_unit_test(test_depth_limit),
		cmocka_unit_test(test_tree_access),
		cmocka_unit_test(test_many_parts),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
