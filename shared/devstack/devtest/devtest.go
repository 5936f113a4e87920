// Package devtest shares one devstack.Stack among the tests of a package.
//
// Use it from a package's tests like this:
//
//	func TestMain(m *testing.M) { devtest.Main(m) }
//
//	func TestSomething(t *testing.T) {
//		t.Parallel()
//		stack := devtest.Shared(t)
//		table := devtest.UniqueName(t, "people")
//		... stack.DynamoClient() ...
//	}
//
// The stack is started on the first call to Shared and stopped by Main after
// all tests ran. Tests share it, so each test keeps to its own tables (see
// UniqueName and Table), buckets (Bucket), KMS keys and mail recipients. The
// stack's S3Client and KMSClient reach the S3 server and Local KMS.
package devtest

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/attest-oss/attest/shared/devstack"
	"github.com/attest-oss/attest/shared/dynamo"
)

var (
	mu       sync.Mutex
	stack    *devstack.Stack // the shared stack, once started
	startErr error           // why it did not start; sticky
)

// Shared returns the package's shared stack, starting it on first use with
// in-memory DynamoDB and S3 on free ports. If the stack can not start (java,
// node_modules or `make deps`'s build/tools missing, ...) or has died, the test fails: integration tests
// must never be skipped silently. Nothing is registered to stop the stack
// when the test ends; Main does that.
func Shared(tb testing.TB) *devstack.Stack {
	tb.Helper()
	mu.Lock()
	defer mu.Unlock()
	if stack == nil && startErr == nil {
		stack, startErr = devstack.Start(context.Background(), devstack.Options{})
	}
	if startErr != nil {
		tb.Fatalf("devtest: start local AWS stand-ins: %v", startErr)
	}
	if err := stack.Err(); err != nil {
		tb.Fatalf("devtest: local AWS stand-ins died: %v", err)
	}
	return stack
}

// Main runs the tests, stops the shared stack if a test started it, and exits
// with the tests' status. Call it from TestMain. It fails the run if the
// stack died during the tests or could not be stopped. Without Main the
// children are still killed when the test binary exits (on Linux), just not
// gracefully.
func Main(m *testing.M) {
	code := m.Run()
	mu.Lock()
	defer mu.Unlock()
	if stack != nil {
		err := stack.Err()
		if err == nil {
			err = stack.Stop()
		} else {
			_ = stack.Stop() // the failure that matters is that it died
		}
		if err != nil {
			fmt.Fprintf(os.Stderr, "devtest: local AWS stand-ins: %v\n", err)
			code = max(code, 1)
		}
	}
	os.Exit(code)
}

// UniqueName returns a DynamoDB table name for this test alone: prefix, the
// test's name and a random suffix, e.g. "people-TestPut.sub_case-1a2b3c4d".
// Characters DynamoDB does not allow become '_', and the result is cut to
// fit 255 characters, so tests can run in parallel against one stack.
func UniqueName(tb testing.TB, prefix string) string {
	tb.Helper()
	suffix := fmt.Sprintf("-%08x", rand.Uint32())
	name := strings.ReplaceAll(tb.Name(), "/", ".")
	if prefix != "" {
		name = prefix + "-" + name
	}
	name = sanitize(name)
	const maxLen = 255
	if len(name) > maxLen-len(suffix) {
		name = name[:maxLen-len(suffix)]
	}
	return name + suffix
}

// sanitize replaces every character outside [a-zA-Z0-9_.-].
func sanitize(s string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case 'a' <= r && r <= 'z', 'A' <= r && r <= 'Z', '0' <= r && r <= '9', r == '_', r == '.', r == '-':
			return r
		default:
			return '_'
		}
	}, s)
}

// Table creates a table of the tracker's schema (package table) with a
// UniqueName on the DynamoDB Local behind client, and returns its name; it
// fails the test when the table cannot be created.
func Table(tb testing.TB, client dynamo.TableAdmin, prefix string) string {
	tb.Helper()
	name := UniqueName(tb, prefix)
	if err := dynamo.CreateTable(context.Background(), client, name); err != nil {
		tb.Fatalf("devtest: create table %s: %v", name, err)
	}
	return name
}

// BucketAdmin is the S3 call Bucket makes; *s3.Client implements it.
type BucketAdmin interface {
	CreateBucket(ctx context.Context, in *s3.CreateBucketInput, optFns ...func(*s3.Options)) (*s3.CreateBucketOutput, error)
}

// Bucket creates a bucket for this test alone on the S3 server behind client,
// with Object Lock enabled as in production, and returns its name: prefix,
// the test's name and a random suffix, lower-cased, every character S3 does
// not allow replaced by '-' and cut to fit 63 characters
// ("exports-testput-sub-case-1a2b3c4d"). It fails the test when the bucket
// cannot be created.
func Bucket(tb testing.TB, client BucketAdmin, prefix string) string {
	tb.Helper()
	suffix := fmt.Sprintf("-%08x", rand.Uint32())
	name := tb.Name()
	if prefix != "" {
		name = prefix + "-" + name
	}
	name = strings.Map(func(r rune) rune {
		switch {
		case 'a' <= r && r <= 'z', '0' <= r && r <= '9':
			return r
		case 'A' <= r && r <= 'Z':
			return r - 'A' + 'a'
		default:
			return '-'
		}
	}, name)
	const maxLen = 63
	name = strings.Trim(name[:min(len(name), maxLen-len(suffix))], "-")
	if name == "" {
		name = "test"
	}
	name += suffix
	_, err := client.CreateBucket(context.Background(), &s3.CreateBucketInput{
		Bucket:                     aws.String(name),
		ObjectLockEnabledForBucket: aws.Bool(true),
	})
	if err != nil {
		tb.Fatalf("devtest: create bucket %s: %v", name, err)
	}
	return name
}

// Fixture reads the JSON file at path (a real captured event, say) into a
// value of type E; it fails the test when the file cannot be read or
// decoded.
func Fixture[E any](tb testing.TB, path string) E {
	tb.Helper()
	var e E
	raw, err := os.ReadFile(path)
	if err == nil {
		err = json.Unmarshal(raw, &e)
	}
	if err != nil {
		tb.Fatalf("devtest: fixture %s: %v", path, err)
	}
	return e
}
