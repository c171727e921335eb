/* codedeploy/instances: the instance limits and the handlers' names for tag-filter validation
 * and matching (thin wrappers of model/instances.h, which the engine calls itself). */
#ifndef SW_CODEDEPLOY_INSTANCES_H
#define SW_CODEDEPLOY_INSTANCES_H

#include "store/store.h"
#include "base/err.h"
#include "services/codedeploy/errors.h"

#include <jansson.h>

#define CD_INSTANCE_NAME_MAX  100
#define CD_INSTANCE_TAGS_MAX  50 /* tags on one instance */
#define CD_INSTANCES_PER_CALL 25 /* names per Add/RemoveTags and BatchGet call */

/*
 * Validates a list of TagFilter objects {Key, Value, Type}.  Type is KEY_ONLY (needs Key),
 * VALUE_ONLY (needs Value) or KEY_AND_VALUE (needs Key and Value); when Type is absent it is
 * inferred from which of Key and Value are present.  NULL or JSON null is an empty list.
 * Anything else fails with invalid_code (InvalidTagFilter for ListOnPremisesInstances,
 * InvalidTag for deployment groups), or Serialization for wrong JSON types.
 */
int cd_tag_filters_validate(const json_t *filters, int invalid_code, struct err *e);

/*
 * The names of the *registered* on-premises instances a deployment group targets, sorted by
 * name, as a new JSON array of strings in *names_out.
 *
 * tag_filters: a list of TagFilter (onPremisesInstanceTagFilters) — an instance matches when
 * any filter matches one of its tags (OR).  tag_set: an OnPremisesTagSet object
 * {onPremisesTagSetList: [[TagFilter…]…]} or that list of lists itself — an instance matches
 * when, for every non-empty inner list, at least one of its filters matches (OR within a list,
 * AND across lists).  Either may be NULL; when neither has a filter no instance matches (a
 * group without on-premises filters has no on-premises instances).  Giving filters in both
 * fails with InvalidOnPremisesTagCombination, as CreateDeploymentGroup does.  Filters are
 * validated as by cd_tag_filters_validate (code InvalidTagFilter).  Runs inside the caller's
 * transaction on c; *names_out is untouched on failure.
 */
int cd_instances_matching(struct store_conn *c, const json_t *tag_filters, const json_t *tag_set,
			  json_t **names_out, struct err *e);

#endif
