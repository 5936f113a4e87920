// Package table is the single source of truth for the tracker's DynamoDB
// single-table design: attribute names, indexes, the TTL attribute and every
// key format. The CDK stack, the local stand-in stack and the store adapter all
// read it, so a key or index exists in exactly one place.
//
// # Items
//
//	item                 type            PK                         SK                              GSI1 (PK / SK)                      GSI2 (PK / SK)             GSI3 "wake" (PK / SK)
//	person profile       person          PERSON#<employeeId>        PROFILE                         MGR#<managerId> / PERSON#<id>       ROSTER / PERSON#<id>       WAKE#<end date> / PERSON#<id> (future leavers only)
//	person revision      revision        PERSON#<employeeId>        REV#<000000rev>                 -                                   -                          -
//	email claim          email           EMAIL#<lower-case email>   EMAIL                           -                                   -                          -
//	assignment           assignment      PERSON#<employeeId>        ASSIGN#<moduleId>#<0000cycle>   -                                   -                          WAKE#<renewal date> / PERSON#<id>#<moduleId> (completed annual only)
//	waiver               waiver          PERSON#<employeeId>        WAIVER#<waiver id>              -                                   -                          WAKE#<day after expiry> / PERSON#<id>#WAIVER#<waiver id> (module waivers, until revoked)
//	waiver claim         waiver-claim    PERSON#<employeeId>        WAIVED#<item>                   -                                   -                          -
//	waiver listing       waiver-listing  WAIVERS                    <waiver id: wvr_ + 16 hex>      -                                   -                          -
//	quiz attempt         attempt         PERSON#<employeeId>        ATTEMPT#<moduleId>#<0000cycle>#<0000n>  -                           -                          -
//	notification         notification    NOTIFY#<recipient>         <YYYY-MM-DD>#<kind>             -                                   -                          -
//	policy ack           acknowledgment  PERSON#<employeeId>        ACK#<policyId>#<cycle>          -                                   -                          -
//	policy first view    policy-view     PERSON#<employeeId>        VIEW#<policyId>#<cycle>#<sha256>  -                                 -                          -   (TTL)
//	audit event          audit           AUDIT#<YYYY-MM-DD>         <RFC 3339 nano time>#<eventId>  -                                   -                          -
//	API key              apikey          APIKEY#<sha256 of key>     APIKEY                          -                                   -                          -
//	API key listing      apikey-listing  APIKEYS                    <key id: key_ + 16 hex>         -                                   -                          -
//	sign-in token        token           TOKEN#<sha256 of token>    TOKEN                           -                                   -                          -   (TTL)
//	session              session         SESSION#<sha256 of id>     SESSION                         -                                   -                          -   (TTL)
//	rate-limit counter   -               RATE#<scope>#<key>         <window start, RFC 3339>        -                                   -                          -   (TTL)
//	job state            job             JOB#<name>                 STATE                           -                                   -                          -
//	migration marker     job             JOB#migrations             <migration name>                -                                   -                          -
//	undeliverable email  suppression     SUPPRESS#<lower-case email> SUPPRESS                        -                                   -                          -
//	org settings         settings        SETTINGS                   ORG                             -                                   -                          -
//	vendor contacts      vendor          VENDORS                    <vendor key>                    -                                   -                          -
//	snapshot manifest    snapshot        SNAPSHOT#<YYYY-Qn>         MANIFEST                        -                                   -                          -
//	snapshot chunk       snapshot-chunk  SNAPSHOT#<YYYY-Qn>         ROWS#<run id>#<0000000n>        -                                   -                          -
//	customer agreement   agreement       AGREEMENTS                 <agreement key>                 -                                   -                          -
//	evidence export      export          EXPORTS                    <export id: exp_ + 16 hex>      -                                   -                          -
//	roster import        roster-import   IMPORTS                    <import id: imp_ + 16 hex>      -                                   -                          -
//	import write lock    job             JOB#roster-import          STATE                           -                                   -                          -
//	import journal       job             JOB#roster-journal         STATE                           -                                   -                          -
//	audit seal           audit-seal      SEALS                      <YYYY-MM-DD>                    -                                   -                          -
//
// The type column is the item's [TypeAttribute], one of the Type constants
// (a rate-limit counter has none). Open assignments also carry GSI4, the due
// index: DUE#<shard 0-9> / <due date>#<employeeId>#<moduleId>#<0000cycle>,
// or, until the first reminder (the notice) has named the assignment,
// !NOTICE#<due date>#<employeeId>#<moduleId>#<0000cycle>, which sorts before
// every due date; counting the first reminder moves it to its due date.
// Releases before the notice key keyed every open assignment by its due
// date: the first daily run after an upgrade re-keys those still awaiting
// their notice (migration due-notice-v1), each by an update conditional on
// it being still open, unreminded and at the key read, then writes the
// migration's marker (only if absent; bookkeeping, like JOB#assign, with
// no audit event), so a run stopped midway is finished by the next.
// Completion, cancellation and a waiver remove it, the waiver's end puts it
// back. A closed quarter's snapshot is written once: its chunks (each a
// binary attribute of gzip-compressed JSON lines, one person's rows a line,
// at most SnapshotChunkBytes) first, under the run's own id, then the
// manifest naming the run and its chunk count, only if absent and with its
// audit event; a run that failed before its manifest leaves chunks nothing
// names, and the next run writes its own. An evidence export is created
// pending only if absent (an automatic one's id is derived from its quarter
// and scope, so a rerun finds it), then moves pending → running → done or
// failed (failed → running again for a retry, a stale running one too) by
// puts conditional on its state and version, each with its audit event;
// its files lie in the evidence bucket under the prefix it records. A
// large roster import is created pending only if absent, then moves pending
// → validating → invalid, done (a dry run) or writing → done or failed by
// puts conditional on its state and version, each with its audit event;
// within writing, checkpoints (the next plan line, the lease) are versioned
// puts without an event. While one writes, it holds the import write lock
// (put only if absent with the move to writing, deleted with the move out
// of it), which PUT /api/roster reads to refuse a concurrent write. Its
// upload, frozen plan and problem list lie in the upload bucket under the
// keys of [UploadKey], [PlanKey] and [ProblemsKey]. An audit seal closes one UTC day of audit
// events (docs/AUDIT.md): its canonical JSON (count, chain root, prev =
// SHA-256 of the previous day's seal, checkpoints) and signature, written
// once (only if absent) an hour after the day ended, never updated; audit
// events carry their own hash, written in the same put as the event. A waiver claim holds the id and expiry of the person's waiver of one
// item that holds (or last held): a grant writes it only if it is absent,
// expired or revoked, so two waivers of one item never hold at once.
//
// # Access patterns
//
//	who asks                         operation                                          key or index                          items read
//	roster import (admin, hris)      list every person to diff an upload                Query GSI2 ROSTER                     one per person (paged)
//	roster import                    is this email taken, by whom                       GetItem EMAIL#<email>                 1
//	GET /api/people/{id}             person as stored                                   GetItem PERSON#<id> / PROFILE         1
//	/admin/people?q= (search)        an exact id, an exact address, else the roster     GetItem PERSON#<id>, EMAIL#<email>; else Query GSI2 ROSTER  1-2; else one per person (paged)
//	GET /api/people/{id}             history of roster changes                          Query PERSON#<id>, SK begins REV#     one per change
//	assignment engine                a person's assignments                             Query PERSON#<id>, SK begins ASSIGN#  one per assignment
//	daily assignment run             who needs re-evaluation on day D                   Query GSI3 WAKE#<D>                   one per leaver or renewal that day
//	reminder run (hourly)            open assignments awaiting their notice or due      Query GSI4 DUE#0 … DUE#9, SK < <D>    one per such assignment
//	                                 before day D (today + the largest days before due + 2)
//	reminder run, nudge              was this notification already recorded             conditional Put NOTIFY#<r> / <day>#<kind>  0 (1 write)
//	person view                      notification history                               Query NOTIFY#person#<id>              one per notification
//	module page, attempt, receipt    a person's attempts at a module                    Query PERSON#<id>, SK begins ATTEMPT#<m>#  one per attempt
//	team view, per person            assignments and acknowledgments in one read        Query PERSON#<id>, SK BETWEEN ACK# AND ASSIGN#\uffff  one per assignment or acknowledgment
//	GET /me, GET /api/me             a person's policy acknowledgments                  Query PERSON#<id>, SK begins ACK#     one per acknowledgment (a few a year)
//	policy page, acknowledgment      this cycle's acknowledgment of one policy          GetItem PERSON#<id> / ACK#<p>#<cycle>  1
//	policy page (GET)                record the first view if absent                    conditional PutItem VIEW#...          0 (1 write)
//	POST .../acknowledgments         first view (reading-time gate), then create        GetItem VIEW#..., TransactWrite       1 (+2 writes with the audit event)
//	team view, /me link              direct reports (level by level for a subtree)      Query GSI1 MGR#<managerId>            one per report (/me: Limit 1)
//	team view                        which of the people's addresses are undeliverable  BatchGetItem SUPPRESS#<email>, 100 a call  one per address marked
//	every request with a key         API key lookup                                     GetItem APIKEY#<hash>                 1
//	GET /api/keys, /admin/keys       every API key, without secrets                     Query APIKEYS                         one per key (a handful)
//	POST /api/keys, /admin/keys      create a key: lookup + listing (both if absent)    TransactWrite APIKEY#<hash>, APIKEYS / <id> + audit  0 (3 writes)
//	DELETE /api/keys/{id}            find the key, revoke lookup + listing (if not yet)  GetItem APIKEYS / <id>, TransactWrite + audit  1 (+3 writes)
//	GET /api/waivers?employeeId=     a person's waivers                                 Query PERSON#<id>, SK begins WAIVER#  one per waiver
//	GET /api/waivers                 every waiver                                       Query WAIVERS                         one per waiver
//	daily run, assignment engine     a person's waivers (which modules are waived)      Query PERSON#<id>, SK begins WAIVER#  one per waiver
//	POST /api/waivers                waiver + claim + listing, open cycle waived        TransactWrite PERSON#<id> / WAIVER#, WAIVED#<item> (if free), WAIVERS / <id>, ASSIGN# (if open) + audit  0 (4-5 writes)
//	DELETE /api/waivers/{id}         find it, revoke it, release the claim, reopen      GetItem WAIVERS / <id>, TransactWrite + audit  1 (+3-5 writes)
//	GET /api/people/{id}[/notifications] by another  record who read whose record      conditional PutItem AUDIT#<day>       0 (1 write)
//	GET /api/teams/{id}, /team       record who viewed whose team (team.read)           conditional PutItem AUDIT#<day>       0 (1 write)
//	POST /api/people/{id}/nudge      claim the nudge with its audit event               TransactWrite NOTIFY#<r> / <day>#nudge (if absent) + audit  0 (2 writes)
//	POST /auth/link                  find the person of an address                      GetItem EMAIL#<email>, PERSON#<id>    2
//	POST /auth/link                  count requests per source IP, and per address+IP   UpdateItem RATE#link-ip#<ip>, RATE#link-email-ip#<sha256 of address and IP> ADD count  0 (1 write each)
//	GET, POST /l/<token>             look up the token and its person, then consume it  GetItem TOKEN#, PERSON#<id> / PROFILE, conditional Update TOKEN#  2
//	every request with a cookie      session and its person (active, credentialsNotBefore)  BatchGetItem SESSION#<hash>, PERSON#<id> / PROFILE (one call)  2
//	module page, POST .../attempts   the person's assignments of the module, every cycle (a submission's alongside the session)  Query PERSON#<id>, SK begins ASSIGN#<m># (with the BatchGetItem)  one per cycle
//	daily assignment run             last run date, catalog fingerprint                 GetItem JOB#assign / STATE            1
//	daily assignment run             has the one-off migration run                      GetItem JOB#migrations / <name>       1
//	daily run, once after upgrading  open assignments keyed by due date, awaiting their notice: re-key, then mark done  Query GSI4 DUE#0 … DUE#9, SK >= 0 (filter: open, no reminder), conditional UpdateItem PERSON#<id> / ASSIGN#…, conditional PutItem JOB#migrations / due-notice-v1  one per open assignment keyed by due date (+1 write each re-keyed, +1)
//	roster import                    an unfinished import's start, set before writing, cleared after assigning  GetItem, conditional PutItem JOB#roster-journal / STATE  1 (+2 writes)
//	evidence export, tests           the audit events of one day, in order              Query AUDIT#<day>                     one per event
//	bounce Lambda (SES via SNS)      mark an address undeliverable, once                TransactWrite SUPPRESS#<email> (if absent) + audit  0 (2 writes)
//	GET /api/people/{id}             is the person's address undeliverable              GetItem SUPPRESS#<email> / SUPPRESS   1
//	reminder run                     which recipients are undeliverable                 BatchGetItem SUPPRESS#<email>, 100 a call  one per address asked
//	GET /admin (overview)            every person (the whole roster), then each active person's records as the team view reads them  Query GSI2 ROSTER, Query PERSON#<id> ASSIGN#, ACK#, BatchGetItem SUPPRESS#  one per person, assignment, acknowledgment
//	GET /admin/waivers               the listed waivers' people, for their names         BatchGetItem PERSON#<id> / PROFILE, 100 a call  one per person listed
//	GET, PUT /api/settings           organisation settings (sending paused), versioned  GetItem SETTINGS / ORG, TransactWrite + audit  1 (+2 writes)
//	GET, PUT /api/vendors/{vendor}   one vendor's contacts, versioned                   GetItem VENDORS / <vendor>, TransactWrite + audit  1 (+2 writes)
//	GET /api/vendors, reminder run   every vendor's contacts                            Query VENDORS                         one per vendor (a handful)
//	metrics as of a day, freezing    everyone ever on the roster, then each person's whole partition (rows recorded before E are kept)  Query GSI2 ROSTER, Query PERSON#<id> (8 at once)  one per person, + every item of their partition
//	metrics of a frozen quarter      the manifest, then its run's chunks                GetItem SNAPSHOT#<q> / MANIFEST, Query SNAPSHOT#<q>, SK begins ROWS#<run>#  1 + one per chunk (~300 KB)
//	freeze run (daily schedule)      is the previous quarter frozen; write chunks, then the manifest once  GetItem SNAPSHOT#<q> / MANIFEST, PutItem ROWS#, TransactWrite MANIFEST (if absent) + audit  1 (+ chunks + 2 writes)
//	metrics trend                    the manifests of the last quarters                 BatchGetItem SNAPSHOT#<q> / MANIFEST  one per frozen quarter
//	GET /api/agreements/{key}        one agreement                                      GetItem AGREEMENTS / <key>            1
//	PUT /api/agreements/{key}        the agreement, then write it versioned             GetItem AGREEMENTS / <key>, TransactWrite + audit  1 (+2 writes)
//	PUT /api/agreements/{key}        the people on its engagement, to assign its modules  Query GSI2 ROSTER (filtered in code), then each one's ASSIGN#, WAIVER#  one per person, then one per their assignment and waiver
//	assignment engine (every run)    the agreements, for the modules they require       Query AGREEMENTS                      one per agreement (a handful)
//	POST /api/exports, quarter close  create the export request once                    TransactWrite EXPORTS / <id> (if absent) + audit  0 (2 writes)
//	GET /api/exports/{id}[/files/..]  one export (a download adds its audit event)      GetItem EXPORTS / <id> (+ PutItem AUDIT#<day>)  1
//	GET /api/exports, /admin/exports  every export, newest first (sorted in code)       Query EXPORTS                         one per export (a few a quarter)
//	POST /api/roster/imports         create the import once                             TransactWrite IMPORTS / <id> (if absent) + audit  0 (2 writes)
//	GET /api/roster/imports/{id}     one import                                         GetItem IMPORTS / <id>                1
//	GET /api/roster/imports          every import, newest first (ids are time-ordered)  Query IMPORTS (descending)            one per import (a few a month)
//	PUT /api/roster (not a dry run)  is a large import writing                          GetItem JOB#roster-import / STATE     1
//	import run (function or in-process)  the import, then its moves and checkpoints     GetItem IMPORTS / <id>, TransactWrite Put (if at its state and version) + audit (+ lock), Put (checkpoint)  1 (+2-3 writes a move)
//	import run, resumed chunk        which of the chunk's events exist                  BatchGetItem AUDIT#<day of chunkAt> / <chunkAt>#<id>, 100 a call  one per event found
//	import run, resumed chunk        was the day of chunkAt sealed meanwhile            GetItem SEALS / <day>                 1
//	export run (function or in-process)  the export, then its state changes             GetItem EXPORTS / <id>, TransactWrite Put (if at its state and version) + audit  1 (+2 writes a change)
//	seal run (freeze, daily)         the last seal, then each unsealed day's events; seal it once  Query SEALS (descending, Limit 1), Query AUDIT#<day>, conditional PutItem SEALS / <day> (loser: GetItem)  1 + one per event of the days sealed
//	GET /api/audit/verify, export    the first seal, the seals of the range (and the day before), each day's events  Query SEALS (Limit 1), GetItem SEALS / <day>, Query SEALS BETWEEN, Query AUDIT#<day>  one per seal and event
//
// Nothing on a request path scans the table. Items that expire carry
// [TTLAttribute] and are filtered on read, because DynamoDB Local never
// deletes them.
package table

import (
	"fmt"
	"strings"
)

// Attribute names shared by every item.
const (
	// PartitionKey is the table's partition key attribute (string).
	PartitionKey = "PK"
	// SortKey is the table's sort key attribute (string).
	SortKey = "SK"
	// TTLAttribute holds the epoch second after which an item is expired.
	TTLAttribute = "expiresAt"
	// VersionAttribute holds the optimistic-locking counter of mutable items.
	VersionAttribute = "version"
	// TypeAttribute names the kind of item (person, assignment, ...) for humans reading the table.
	TypeAttribute = "type"
)

// Item types: the value of [TypeAttribute] of each kind of item.
const (
	TypePerson         = "person"
	TypeRevision       = "revision"
	TypeEmail          = "email"
	TypeAssignment     = "assignment"
	TypeAttempt        = "attempt"
	TypeNotification   = "notification"
	TypeAcknowledgment = "acknowledgment"
	TypePolicyView     = "policy-view"
	TypeAudit          = "audit"
	TypeAPIKey         = "apikey"
	TypeAPIKeyListing  = "apikey-listing"
	TypeToken          = "token"
	TypeSession        = "session"
	TypeJob            = "job"
	TypeSuppression    = "suppression"
	TypeSettings       = "settings"
	TypeVendor         = "vendor"
	TypeAgreement      = "agreement"
	TypeWaiver         = "waiver"
	TypeWaiverClaim    = "waiver-claim"
	TypeWaiverListing  = "waiver-listing"
	TypeSnapshot       = "snapshot"
	TypeSnapshotChunk  = "snapshot-chunk"
	TypeExport         = "export"
	TypeRosterImport   = "roster-import"
	TypeAuditSeal      = "audit-seal"
)

// Index names.
const (
	// IndexGSI1 lists a manager's direct reports.
	IndexGSI1 = "GSI1"
	// IndexGSI2 lists the whole roster in one partition, for roster diffs.
	IndexGSI2 = "GSI2"
	// IndexWake is sparse: items carry it only when something must happen to
	// them on a given day (a leaver's end date, an annual renewal date).
	IndexWake = "GSI3"
	// IndexDue is sparse: only open assignments carry it, keyed by due date
	// (those awaiting their notice first) and spread over DueShards
	// partitions, so the reminder run reads the open assignments it may act
	// on and nothing else.
	IndexDue = "GSI4"
)

// Index key attribute names.
const (
	GSI1PK = "GSI1PK" // partition key of IndexGSI1
	GSI1SK = "GSI1SK" // sort key of IndexGSI1
	GSI2PK = "GSI2PK" // partition key of IndexGSI2
	GSI2SK = "GSI2SK" // sort key of IndexGSI2
	GSI3PK = "GSI3PK" // partition key of IndexWake
	GSI3SK = "GSI3SK" // sort key of IndexWake
	GSI4PK = "GSI4PK" // partition key of IndexDue
	GSI4SK = "GSI4SK" // sort key of IndexDue
)

// Index describes one global secondary index. Every index projects all
// attributes.
type Index struct {
	Name         string
	PartitionKey string
	SortKey      string
}

// Schema describes the table: its keys, indexes and TTL attribute. All key
// attributes are strings.
type Schema struct {
	PartitionKey string
	SortKey      string
	Indexes      []Index
	TTLAttribute string
}

// Definition returns the table schema that both the CDK stack and the local
// stand-in create.
func Definition() Schema {
	return Schema{
		PartitionKey: PartitionKey,
		SortKey:      SortKey,
		Indexes: []Index{
			{Name: IndexGSI1, PartitionKey: GSI1PK, SortKey: GSI1SK},
			{Name: IndexGSI2, PartitionKey: GSI2PK, SortKey: GSI2SK},
			{Name: IndexWake, PartitionKey: GSI3PK, SortKey: GSI3SK},
			{Name: IndexDue, PartitionKey: GSI4PK, SortKey: GSI4SK},
		},
		TTLAttribute: TTLAttribute,
	}
}

// Sort key constants of singleton items.
const (
	ProfileSK = "PROFILE"
	EmailSK   = "EMAIL"
	APIKeySK  = "APIKEY"
	TokenSK   = "TOKEN"
	SessionSK = "SESSION"
	StateSK   = "STATE"
	// SuppressSK is the sort key of an undeliverable address's item.
	SuppressSK = "SUPPRESS"
	// SettingsPK and SettingsSK address the organisation's settings.
	SettingsPK = "SETTINGS"
	SettingsSK = "ORG"
	// VendorsPK is the partition holding every vendor's contacts, one item
	// per vendor with the vendor key as sort key.
	VendorsPK = "VENDORS"
	// AgreementsPK is the partition holding every customer agreement, one
	// item per agreement with its key as sort key (see [AgreementSK]).
	AgreementsPK = "AGREEMENTS"
	// APIKeysPK is the partition listing every API key, one item per key
	// with the key's id as sort key (see [APIKeyListSK]).
	APIKeysPK = "APIKEYS"
	// WaiversPK is the partition listing every waiver, one item per waiver
	// with the waiver's id as sort key (see [WaiverListSK]).
	WaiversPK = "WAIVERS"
	// ExportsPK is the partition holding every evidence export, one item
	// per export with its id as sort key (see [ExportSK]).
	ExportsPK = "EXPORTS"
	// ImportsPK is the partition holding every large roster import, one
	// item per import with its id as sort key (see [ImportSK]).
	ImportsPK = "IMPORTS"
	// RosterPK is the GSI2 partition holding every person.
	RosterPK = "ROSTER"
	// SealsPK is the partition of the audit log's daily seals, one item
	// per UTC day with the day as sort key, written once.
	SealsPK = "SEALS"
)

// Key prefixes.
const (
	personPrefix     = "PERSON#"
	revisionPrefix   = "REV#"
	emailPrefix      = "EMAIL#"
	assignmentPrefix = "ASSIGN#"
	attemptPrefix    = "ATTEMPT#"
	ackPrefix        = "ACK#"
	viewPrefix       = "VIEW#"
	auditPrefix      = "AUDIT#"
	managerPrefix    = "MGR#"
	wakePrefix       = "WAKE#"
	apiKeyPrefix     = "APIKEY#"
	tokenPrefix      = "TOKEN#"
	sessionPrefix    = "SESSION#"
	ratePrefix       = "RATE#"
	duePrefix        = "DUE#"
	dueNoticePrefix  = "!NOTICE#"
	notifyPrefix     = "NOTIFY#"
	jobPrefix        = "JOB#"
	suppressPrefix   = "SUPPRESS#"
	waiverPrefix     = "WAIVER#"
	waivedPrefix     = "WAIVED#"
	snapshotPrefix   = "SNAPSHOT#"
	rowsPrefix       = "ROWS#"
)

// PersonPK is the partition of everything that belongs to one person.
func PersonPK(employeeID string) string { return personPrefix + employeeID }

// PersonGSISK is the sort key under which a person is listed in GSI1 and GSI2.
func PersonGSISK(employeeID string) string { return personPrefix + employeeID }

// EmployeeIDFromPersonKey returns the employee id of a PERSON#<id> key.
func EmployeeIDFromPersonKey(key string) (string, error) {
	id, ok := strings.CutPrefix(key, personPrefix)
	if !ok || id == "" {
		return "", fmt.Errorf("key %q is not a person key", key)
	}
	return id, nil
}

// RevisionSK is the sort key of the person's roster revision rev (1-based).
func RevisionSK(rev int) string { return fmt.Sprintf("%s%09d", revisionPrefix, rev) }

// RevisionPrefix is the sort-key prefix of all person revisions.
const RevisionPrefix = revisionPrefix

// EmailPK is the partition of the item that claims an email address for one
// person; addresses compare case-insensitively.
func EmailPK(email string) string { return emailPrefix + strings.ToLower(email) }

// AssignmentSK is the sort key of a person's assignment of module in cycle
// (1-based; cycle n+1 is the renewal of cycle n).
func AssignmentSK(moduleID string, cycle int) string {
	return fmt.Sprintf("%s%s#%04d", assignmentPrefix, moduleID, cycle)
}

// AssignmentPrefix is the sort-key prefix of all of a person's assignments.
const AssignmentPrefix = assignmentPrefix

// ModuleAssignmentPrefix is the sort-key prefix of a person's assignments of
// one module, every cycle.
func ModuleAssignmentPrefix(moduleID string) string { return assignmentPrefix + moduleID + "#" }

// AttemptSK is the sort key of attempt n (1-based) at a module's cycle.
func AttemptSK(moduleID string, cycle, n int) string {
	return fmt.Sprintf("%s%s#%04d#%04d", attemptPrefix, moduleID, cycle, n)
}

// AttemptsPrefix is the sort-key prefix of all of a person's attempts.
const AttemptsPrefix = attemptPrefix

// AttemptPrefix is the sort-key prefix of all of a person's attempts at a module.
func AttemptPrefix(moduleID string) string { return attemptPrefix + moduleID + "#" }

// AcknowledgmentSK is the sort key of a person's acknowledgment of a policy
// in a cycle (see package ack): one per person, policy and cycle, so a
// repeated acknowledgment cannot be stored twice.
func AcknowledgmentSK(policyID, cycle string) string { return ackPrefix + policyID + "#" + cycle }

// AcknowledgmentPrefix is the sort-key prefix of all of a person's policy
// acknowledgments.
const AcknowledgmentPrefix = ackPrefix

// TrainingRange is the sort-key range of a person's partition that holds
// exactly their policy acknowledgments and assignments: ACK# and ASSIGN#
// are adjacent in sort order (no other prefix falls between them), so one
// Query with SK BETWEEN from AND to reads both and nothing else.
func TrainingRange() (from, to string) { return ackPrefix, assignmentPrefix + "\uffff" }

// PolicyViewSK is the sort key of the record of a person's first view of one
// version (by content hash) of a policy in a cycle.
func PolicyViewSK(policyID, cycle, sha256 string) string {
	return viewPrefix + policyID + "#" + cycle + "#" + sha256
}

// AuditPK is the partition of the audit events of one UTC day (YYYY-MM-DD).
func AuditPK(day string) string { return auditPrefix + day }

// AuditSK orders audit events within a day: RFC 3339 time with nanoseconds
// (fixed width, UTC) then the event id.
func AuditSK(rfc3339Nano, eventID string) string { return rfc3339Nano + "#" + eventID }

// ManagerPK is the GSI1 partition listing a manager's direct reports.
func ManagerPK(managerID string) string { return managerPrefix + managerID }

// WakePK is the sparse GSI3 partition of the items to re-evaluate on day
// (YYYY-MM-DD).
func WakePK(day string) string { return wakePrefix + day }

// WakeSKPerson is the GSI3 sort key of a person woken up for a leaving date.
func WakeSKPerson(employeeID string) string { return personPrefix + employeeID }

// WakeSKAssignment is the GSI3 sort key of an assignment woken up for renewal.
func WakeSKAssignment(employeeID, moduleID string) string {
	return personPrefix + employeeID + "#" + moduleID
}

// WakeSKWaiver is the GSI3 sort key of a module waiver woken up the day
// after it expires.
func WakeSKWaiver(employeeID, waiverID string) string {
	return personPrefix + employeeID + "#" + waiverPrefix + waiverID
}

// WaiverSK is the sort key of a waiver in its person's partition.
func WaiverSK(waiverID string) string { return waiverPrefix + waiverID }

// WaiverPrefix is the sort-key prefix of all of a person's waivers.
const WaiverPrefix = waiverPrefix

// WaiverClaimSK is the sort key of the claim a person's holding waiver has
// on an item ("module:<id>" or "policy:<id>").
func WaiverClaimSK(item string) string { return waivedPrefix + item }

// WaiverListSK is the sort key of a waiver's listing item in [WaiversPK]:
// its id ("wvr_" + 16 hex digits).
func WaiverListSK(waiverID string) string { return waiverID }

// APIKeyPK is the partition of an API key, addressed by the hex SHA-256 of
// the key; the key itself is never stored.
func APIKeyPK(keyHash string) string { return apiKeyPrefix + keyHash }

// APIKeyListSK is the sort key of an API key's listing item in [APIKeysPK]:
// its id ("key_" + 16 hex digits), which is public; the listing item holds
// the key's hash so that revoking by id finds the lookup item.
func APIKeyListSK(id string) string { return id }

// JobPK is the partition of a scheduled job's state.
func JobPK(name string) string { return jobPrefix + name }

// MigrationsPK is the partition of the markers of one-off migrations of
// stored data, one item per migration done.
const MigrationsPK = jobPrefix + "migrations"

// MigrationSK is the sort key of the marker that the named migration
// ("due-notice-v1") is done.
func MigrationSK(name string) string { return name }

// TokenPK is the partition of a sign-in token, addressed by its hex SHA-256.
func TokenPK(tokenHash string) string { return tokenPrefix + tokenHash }

// SessionPK is the partition of a session, addressed by the hex SHA-256 of
// the session id.
func SessionPK(idHash string) string { return sessionPrefix + idHash }

// RatePK is the partition of a rate-limit counter: scope names the limit
// (such as "link-ip"), key what is counted (an IP, or the hash of an
// address and an IP).
func RatePK(scope, key string) string { return ratePrefix + scope + "#" + key }

// DueShards is how many partitions the due index is spread over: at 100,000
// people with 10 % of their assignments open, one shard holds some 5,000
// items, and the writes of a large import spread evenly.
const DueShards = 10

// DuePK is the due-index partition of an open assignment of the person.
func DuePK(employeeID string) string {
	return fmt.Sprintf("%s%d", duePrefix, DueShard(employeeID))
}

// DueShardPK is the due-index partition with the given shard number.
func DueShardPK(shard int) string { return fmt.Sprintf("%s%d", duePrefix, shard) }

// DueShard spreads people over the due index's partitions (FNV-1a of the id).
func DueShard(employeeID string) int {
	h := uint32(2166136261)
	for i := 0; i < len(employeeID); i++ {
		h ^= uint32(employeeID[i])
		h *= 16777619
	}
	return int(h % DueShards)
}

// DueSK orders open assignments by due date within a due-index partition.
// An assignment no reminder has named yet (remindersSent 0) is keyed by
// DueNoticeSK instead.
func DueSK(dueOn, employeeID, moduleID string, cycle int) string {
	return fmt.Sprintf("%s#%s#%s#%04d", dueOn, employeeID, moduleID, cycle)
}

// DueNoticeSK is the due-index sort key of an open assignment awaiting its
// first reminder (the notice, which goes out whatever the due date): it
// sorts before every DueSK, so a range below DueBeforeSK reads it.
func DueNoticeSK(dueOn, employeeID, moduleID string, cycle int) string {
	return dueNoticePrefix + DueSK(dueOn, employeeID, moduleID, cycle)
}

// DueDatedFromSK bounds a due-index range from below: the sort keys at or
// above it are the DueSK ones (a due date begins with a digit), those
// below it the DueNoticeSK ones.
const DueDatedFromSK = "0"

// DueBeforeSK bounds a due-index range: the sort keys below it are those of
// the assignments awaiting their notice and of those due before day
// (YYYY-MM-DD).
func DueBeforeSK(day string) string { return day }

// NotifyPK is the partition of the notifications sent to one recipient:
// "person#<employeeId>" or "vendor#<vendor key>".
func NotifyPK(recipient string) string { return notifyPrefix + recipient }

// NotifySK identifies one notification: its day and kind. The key is
// deterministic, so a notification is recorded (and sent) at most once per
// recipient, kind and day.
func NotifySK(day, kind string) string { return day + "#" + kind }

// SuppressPK is the partition of the record that an address is undeliverable
// (a permanent bounce or a complaint); addresses compare case-insensitively.
func SuppressPK(email string) string { return suppressPrefix + strings.ToLower(email) }

// VendorSK is the sort key of a vendor's contacts in [VendorsPK]: the vendor
// key itself, the vendor's name as the roster writes it.
func VendorSK(vendorKey string) string { return vendorKey }

// SnapshotPK is the partition of a closed quarter's frozen snapshot
// ("2026-Q3"): its manifest and the chunks of rows of every run.
func SnapshotPK(quarter string) string { return snapshotPrefix + quarter }

// SnapshotManifestSK is the sort key of a snapshot's manifest, written once.
const SnapshotManifestSK = "MANIFEST"

// SnapshotChunkSK is the sort key of chunk n (1-based) of the rows a
// freezing run (runID) wrote.
func SnapshotChunkSK(runID string, n int) string {
	return fmt.Sprintf("%s%s#%07d", rowsPrefix, runID, n)
}

// SnapshotChunkPrefix is the sort-key prefix of the chunks of one run.
func SnapshotChunkPrefix(runID string) string { return rowsPrefix + runID + "#" }

// SnapshotChunkBytes bounds a snapshot chunk's compressed rows, well under
// DynamoDB's 400 KB item limit.
const SnapshotChunkBytes = 300_000

// AgreementSK is the sort key of a customer agreement in [AgreementsPK]: the
// agreement's key.
func AgreementSK(key string) string { return key }

// ExportSK is the sort key of an evidence export in [ExportsPK]: its id
// ("exp_" + 16 hex digits). Ids do not sort by time: a listing reads the
// partition (a few exports a quarter) and orders them by request time.
func ExportSK(id string) string { return id }

// ImportSK is the sort key of a large roster import in [ImportsPK]: its id
// ("imp_" + 16 hex digits, the first 12 the milliseconds of its request),
// so imports sort by time.
func ImportSK(id string) string { return id }

// ImportLockJob is the job name (see [JobPK]) of the import write lock,
// held (item JOB#roster-import / STATE) while a large import writes.
const ImportLockJob = "roster-import"

// RosterJournalJob is the job name (see [JobPK]) of the synchronous roster
// import's journal (item JOB#roster-journal / STATE): the start of an
// import that wrote people and has not yet assigned their training.
const RosterJournalJob = "roster-journal"

// Object keys of a large import in the upload bucket: the uploaded file,
// the frozen plan (gzip-compressed JSON lines) and the full problem list
// of an invalid upload.
func UploadKey(id string) string { return ImportsObjectPrefix + id + "/upload" }

// PlanKey is the key of an import's frozen plan (see [UploadKey]).
func PlanKey(id string) string { return ImportsObjectPrefix + id + "/plan.jsonl.gz" }

// ProblemsKey is the key of an import's problem list (see [UploadKey]).
func ProblemsKey(id string) string { return ImportsObjectPrefix + id + "/problems.json" }

// ImportsObjectPrefix starts every object key of a large import; the
// bucket's notification and lifecycle rule select it.
const ImportsObjectPrefix = "imports/"

// UploadSuffix ends the key of every uploaded file (see [UploadKey]).
const UploadSuffix = "/upload"

// ImportOfUploadKey returns the import id of an uploaded file's key, or
// false for any other key.
func ImportOfUploadKey(key string) (string, bool) {
	rest, ok := strings.CutPrefix(key, ImportsObjectPrefix)
	if !ok {
		return "", false
	}
	id, ok := strings.CutSuffix(rest, UploadSuffix)
	if !ok || id == "" || strings.Contains(id, "/") {
		return "", false
	}
	return id, true
}

// SealSK is the sort key of the seal of one UTC day (YYYY-MM-DD) in
// [SealsPK]; seals sort by day.
func SealSK(day string) string { return day }
