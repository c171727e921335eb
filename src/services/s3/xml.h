/* s3/xml: a small, strict XML reader for the request bodies S3 receives (part lists, bucket
 * configuration, delete lists) and the parsers of those documents. */
#ifndef SW_S3_XML_H
#define SW_S3_XML_H

#include "checksum.h"
#include "base/err.h"
#include "services/s3/errors.h"

#include <stddef.h>

#define S3_XML_DEPTH_MAX 32
#define S3_XML_NODES_MAX 200000
#define S3_PARTS_MAX	 10000

struct s3_xml;
struct s3_xml_node;

/*
 * Parses a whole document into a tree of elements.  Supported: the XML declaration, comments,
 * processing instructions, CDATA, the five predefined entities and character references;
 * attributes are checked and skipped, namespace prefixes dropped from names.  Rejected with
 * MalformedXML: DOCTYPE (no entity expansion), unbalanced or mismatched tags, stray text outside
 * the root, more than S3_XML_DEPTH_MAX levels or S3_XML_NODES_MAX elements.  *out is the
 * caller's to free with s3_xml_free.
 */
int s3_xml_parse(const char *s, size_t n, struct s3_xml **out, struct err *e);
void s3_xml_free(struct s3_xml *x);

const struct s3_xml_node *s3_xml_root(const struct s3_xml *x);
/* The first child (after: the next sibling) named name, or of any name when name is NULL. */
const struct s3_xml_node *s3_xml_child(const struct s3_xml *x, const struct s3_xml_node *parent,
				       const char *name);
const struct s3_xml_node *s3_xml_next(const struct s3_xml *x, const struct s3_xml_node *after,
				      const char *name);
const char *s3_xml_name(const struct s3_xml_node *n);
/* The text of the first child named name, or NULL when there is no such child. */
const char *s3_xml_child_text(const struct s3_xml *x, const struct s3_xml_node *parent,
			      const char *name);

/* One <Part> of a CompleteMultipartUpload body. */
struct s3_complete_part {
	int number;
	char etag[72];	       /* lower-case, without quotes */
	enum s3_ck_alg ck_alg; /* the part checksum given, if any */
	char checksum[S3_CK_B64_MAX];
};

struct s3_part_list {
	struct s3_complete_part *parts;
	size_t n;
};

/*
 * Parses `<CompleteMultipartUpload><Part><PartNumber>1</PartNumber><ETag>"…"</ETag>
 * [<ChecksumCRC32>…</ChecksumCRC32>]</Part>…</CompleteMultipartUpload>`.  Errors:
 * MalformedXML (not that document, no parts, a part without number or ETag, more than 10000
 * parts), InvalidArgument (a part number outside 1..10000), InvalidPartOrder (numbers not
 * strictly ascending).  out->parts is the caller's to release.
 */
int s3_xml_parse_parts(const char *s, size_t n, struct s3_part_list *out, struct err *e);
void s3_part_list_release(struct s3_part_list *l);

#endif
