package table

import "strings"

// Action is a DynamoDB IAM action on items, without the "dynamodb:" prefix.
// IAM authorises each part of a TransactWriteItems call as the PutItem,
// UpdateItem, DeleteItem or ConditionCheckItem it holds, and a BatchGetItem
// call key by key.
type Action string

// The item actions the functions use.
const (
	GetItem            Action = "GetItem"
	BatchGetItem       Action = "BatchGetItem"
	Query              Action = "Query"
	PutItem            Action = "PutItem"
	UpdateItem         Action = "UpdateItem"
	DeleteItem         Action = "DeleteItem"
	ConditionCheckItem Action = "ConditionCheckItem"
)

// Grant allows Actions on the items whose partition key matches one of Keys,
// and on the index entries whose index partition key does (for a Query on an
// index, IAM's dynamodb:LeadingKeys is the index's partition key). A key is
// either exact ("ROSTER") or a prefix followed by "*" ("PERSON#*"), as IAM's
// StringLike matches it.
type Grant struct {
	Actions []Action
	Keys    []string
}

// Access is what one Lambda function may do to the table: the union of its
// grants. The CDK stack turns each grant into one IAM statement with a
// ForAllValues:StringLike dynamodb:LeadingKeys condition, and each function's
// wiring test checks that every call it makes falls within its Access.
type Access []Grant

// Allows reports whether a grant of a allows action on partition key pk.
func (a Access) Allows(action Action, pk string) bool {
	for _, g := range a {
		if contains(g.Actions, action) && MatchesAny(g.Keys, pk) {
			return true
		}
	}
	return false
}

// MatchesAny reports whether pk matches one of the key patterns (see Grant).
func MatchesAny(patterns []string, pk string) bool {
	for _, p := range patterns {
		if prefix, ok := strings.CutSuffix(p, "*"); ok && strings.HasPrefix(pk, prefix) || p == pk {
			return true
		}
	}
	return false
}

func contains(actions []Action, a Action) bool {
	for _, x := range actions {
		if x == a {
			return true
		}
	}
	return false
}

// AuditKeys matches the partitions of audit events, which no function may
// update or delete: the stack denies it explicitly, so the audit trail is
// append-only.
const AuditKeys = auditPrefix + "*"

// Key patterns (see Grant) of each kind of partition.
const (
	personKeys   = personPrefix + "*"
	emailKeys    = emailPrefix + "*"
	managerKeys  = managerPrefix + "*"
	wakeKeys     = wakePrefix + "*"
	dueKeys      = duePrefix + "*"
	notifyKeys   = notifyPrefix + "*"
	suppressKeys = suppressPrefix + "*"
	apiKeyKeys   = apiKeyPrefix + "*"
	tokenKeys    = tokenPrefix + "*"
	sessionKeys  = sessionPrefix + "*"
	rateKeys     = ratePrefix + "*"
	jobKeys      = jobPrefix + "*"
	snapshotKeys = snapshotPrefix + "*"
)

// FunctionAccess is each Lambda function's access to the table, by function
// name (its directory under functions/). Every function only appends to the
// audit partitions (PutItem, conditional on absence); the API (verifying
// the log) and the freeze function (sealing it) also read them.
func FunctionAccess() map[string]Access {
	return map[string]Access{
		// The API serves every route: people and the roster, training and
		// acknowledgments, sign-in and sessions, API keys, settings, vendors,
		// customer agreements, the audit export, manual reminders and
		// waivers.
		"api": {
			{Actions: []Action{GetItem, BatchGetItem, Query, PutItem, UpdateItem, ConditionCheckItem}, Keys: []string{
				personKeys, emailKeys, notifyKeys, suppressKeys, apiKeyKeys, APIKeysPK,
				tokenKeys, sessionKeys, rateKeys, jobKeys, SettingsPK, VendorsPK, AgreementsPK,
			}},
			// The waiver listing: list, look up by id, grant, revoke.
			{Actions: []Action{GetItem, Query, PutItem, UpdateItem}, Keys: []string{WaiversPK}},
			// The index partitions: the roster, a manager's reports, the
			// people to re-evaluate on a day, the open assignments.
			{Actions: []Action{Query}, Keys: []string{RosterPK, managerKeys, wakeKeys, dueKeys}},
			// A roster email change releases the old address's claim;
			// signing out deletes the session.
			{Actions: []Action{DeleteItem}, Keys: []string{emailKeys, sessionKeys}},
			{Actions: []Action{Query, PutItem}, Keys: []string{AuditKeys}},
			// Metrics and agreement reports read the frozen snapshots.
			{Actions: []Action{GetItem, BatchGetItem, Query}, Keys: []string{snapshotKeys}},
			// Evidence exports: request, list, read, and (without a queue,
			// locally) run them in-process.
			{Actions: []Action{GetItem, Query, PutItem}, Keys: []string{ExportsPK}},
			// GET /api/audit/verify reads the seals.
			{Actions: []Action{GetItem, Query}, Keys: []string{SealsPK}},
			// Large roster imports: request, list, read them.
			{Actions: []Action{GetItem, Query, PutItem}, Keys: []string{ImportsPK}},
		},
		// The daily run reads the roster, the agreements and the people to
		// re-evaluate that day (with their waivers), writes their
		// assignments with audit events, and keeps its state. Once after
		// an upgrade it re-keys open assignments it finds on the due index
		// (one-off migrations, marked done in JOB#migrations).
		"assign": {
			{Actions: []Action{GetItem, Query, PutItem, UpdateItem}, Keys: []string{personKeys}},
			{Actions: []Action{Query}, Keys: []string{RosterPK, wakeKeys, dueKeys, AgreementsPK}},
			{Actions: []Action{GetItem, PutItem}, Keys: []string{jobKeys}},
			{Actions: []Action{PutItem}, Keys: []string{AuditKeys}},
		},
		// The hourly run only reads: the settings, the open assignments
		// through the due index, their people and managers, the vendors and
		// the undeliverable addresses. It queues; the send function writes.
		"remind": {
			{Actions: []Action{GetItem, BatchGetItem, Query}, Keys: []string{personKeys, dueKeys, suppressKeys, SettingsPK, VendorsPK}},
		},
		// The sender claims each notification, records its outcome and the
		// assignments reminded, and stores the sign-in link the email
		// carries with its audit event.
		"send": {
			{Actions: []Action{GetItem, PutItem, UpdateItem}, Keys: []string{notifyKeys}},
			{Actions: []Action{UpdateItem}, Keys: []string{personKeys}},
			{Actions: []Action{PutItem}, Keys: []string{tokenKeys, AuditKeys}},
		},
		// The freeze run reads every person's history through the roster
		// index and the agreements, reads and writes the snapshot of the quarter that closed
		// (chunks, then the manifest with its audit event).
		"freeze": {
			{Actions: []Action{Query}, Keys: []string{personKeys, RosterPK, AgreementsPK}},
			{Actions: []Action{GetItem, Query, PutItem}, Keys: []string{snapshotKeys}},
			{Actions: []Action{Query, PutItem}, Keys: []string{AuditKeys}},
			// It also seals the audit days that ended: the last seal, each
			// day's events (above), the seal written once.
			{Actions: []Action{GetItem, Query, PutItem}, Keys: []string{SealsPK}},
		},
		// The export run builds a bundle: it reads the people, the roster,
		// the agreements and the frozen snapshot of the quarter, the audit
		// events with their daily seals, moves the export through its
		// states (conditional puts) with their audit events, and requests
		// the automatic exports when a quarter has closed.
		"export": {
			{Actions: []Action{GetItem, BatchGetItem, Query}, Keys: []string{personKeys, RosterPK, AgreementsPK, snapshotKeys}},
			{Actions: []Action{Query, PutItem}, Keys: []string{AuditKeys}},
			{Actions: []Action{GetItem, Query}, Keys: []string{SealsPK}},
			{Actions: []Action{GetItem, Query, PutItem}, Keys: []string{ExportsPK}},
		},
		// The import run validates a large roster import against the
		// roster (and the agreements, for assignments), moves it through
		// its states with their audit events and the import write lock,
		// checkpoints it, and writes its people (profiles, revisions, email
		// claims, assignments) with their audit events; a resumed chunk
		// reads which of its events exist.
		"import": {
			{Actions: []Action{GetItem, BatchGetItem, Query, PutItem, UpdateItem, ConditionCheckItem}, Keys: []string{personKeys, emailKeys, ImportsPK}},
			{Actions: []Action{DeleteItem}, Keys: []string{emailKeys}},
			{Actions: []Action{GetItem, PutItem, DeleteItem}, Keys: []string{JobPK(ImportLockJob)}},
			{Actions: []Action{Query}, Keys: []string{RosterPK, AgreementsPK}},
			{Actions: []Action{PutItem, BatchGetItem}, Keys: []string{AuditKeys}},
			// A resumed chunk checks whether its day was sealed meanwhile.
			{Actions: []Action{GetItem}, Keys: []string{SealsPK}},
		},
		// The bounce handler marks addresses undeliverable, once, with an
		// audit event.
		"bounce": {
			{Actions: []Action{GetItem, PutItem}, Keys: []string{suppressKeys}},
			{Actions: []Action{PutItem}, Keys: []string{AuditKeys}},
		},
	}
}
