package devtest_test

import (
	"context"
	"regexp"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/attest-oss/attest/shared/devstack/devtest"
)

var tableName = regexp.MustCompile(`^[a-zA-Z0-9_.-]{3,255}$`)

func TestUniqueName(t *testing.T) {
	t.Parallel()
	for name, prefix := range map[string]string{"empty": "", "plain": "people", "invalid": "bad prefix/ü*", "long": strings.Repeat("x", 300)} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			a, b := devtest.UniqueName(t, prefix), devtest.UniqueName(t, prefix)
			for _, name := range []string{a, b} {
				if !tableName.MatchString(name) {
					t.Errorf("UniqueName(%q) = %q, not a valid DynamoDB table name", prefix, name)
				}
			}
			if a == b {
				t.Errorf("UniqueName(%q) returned %q twice", prefix, a)
			}
		})
	}
	if got := devtest.UniqueName(t, "people"); !strings.HasPrefix(got, "people-TestUniqueName-") {
		t.Errorf("UniqueName = %q, want it to start with the prefix and test name", got)
	}
}

// bucketNames records the CreateBucket calls of Bucket.
type bucketNames struct{ created []*s3.CreateBucketInput }

func (b *bucketNames) CreateBucket(_ context.Context, in *s3.CreateBucketInput, _ ...func(*s3.Options)) (*s3.CreateBucketOutput, error) {
	b.created = append(b.created, in)
	return &s3.CreateBucketOutput{}, nil
}

// bucketName is S3's rule for bucket names, less the rarer reservations.
var bucketName = regexp.MustCompile(`^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$`)

func TestBucket(t *testing.T) {
	t.Parallel()
	for name, prefix := range map[string]string{"empty": "", "plain": "exports", "invalid": "Bad Prefix/ü*_", "long": strings.Repeat("x", 300)} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			admin := &bucketNames{}
			a, b := devtest.Bucket(t, admin, prefix), devtest.Bucket(t, admin, prefix)
			for _, name := range []string{a, b} {
				if !bucketName.MatchString(name) {
					t.Errorf("Bucket(%q) = %q, not a valid S3 bucket name", prefix, name)
				}
			}
			if a == b {
				t.Errorf("Bucket(%q) returned %q twice", prefix, a)
			}
			if len(admin.created) != 2 || aws.ToString(admin.created[0].Bucket) != a || !aws.ToBool(admin.created[0].ObjectLockEnabledForBucket) {
				t.Errorf("Bucket(%q) made the calls %+v, want CreateBucket %s with Object Lock", prefix, admin.created, a)
			}
		})
	}
	if got := devtest.Bucket(t, &bucketNames{}, "Exports"); !strings.HasPrefix(got, "exports-testbucket-") {
		t.Errorf("Bucket = %q, want it to start with the prefix and test name, lower-cased", got)
	}
}
