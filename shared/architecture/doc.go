// Package architecture holds no code: its test (layering_test.go) keeps the
// tracker's layering true, and fails, naming the import, when a change
// breaks it. The rules, on each package's own (non-test) imports:
//
//   - Domain and service packages (every package under shared/ that the test
//     does not list otherwise, so a new package is one by default) import no
//     AWS package (SDK, CDK, Lambda) and none of the packages below.
//   - Adapters (dynamo, ses, sqs, kmssign, s3store, s3presign) may import the AWS SDK, and implement the
//     small interfaces ("ports") that domain and service packages declare
//     where they use them. An adapter imports no other adapter.
//   - The HTTP layer (httpapi) and the event handlers (handler) call services
//     and reach storage through ports, never through an adapter; handler may
//     import the Lambda event types. Domain and service packages import
//     neither.
//   - Wiring (app, app/inprocess, startup) and development tooling
//     (devstack, devtest, localgw) may import anything.
//   - Test helpers (devtest; contracttest, which holds test traffic to the
//     OpenAPI document; evidencetest) are imported by _test.go files only,
//     by no package of the module (functions, shared, infra).
//
// And on what a function links (all of its imports, as make build compiles
// it): the assign and bounce functions link no HTML templates (email), no
// SES and no SQS; remind links no SES and send no SQS; export links
// neither SES nor the HTTP API; the API links no S3 client (it presigns
// downloads with package s3presign) and no bundle writer (evidence, fpdf:
// it queues exports to the export function); no function links package
// content or the content parser (catalog/load, YAML: the shipped content is
// compiled into catalog.Default at build time), nor the SDK's config package and its credential chain (STS, SSO,
// IMDS: functions build their configuration from the Lambda environment,
// startup.AWSConfig). Each function's main.go wires only what it uses, and
// only the API function wires the whole application (app.New).
package architecture
