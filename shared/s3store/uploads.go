package s3store

import (
	"context"
	"errors"
	"fmt"
	"io"
	"path"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/attest-oss/attest/shared/apperr"
	"github.com/attest-oss/attest/shared/roster"
)

// Uploads is the upload bucket of large roster imports (package roster's
// Uploads port): a Store without retention, whose objects are transient
// (the bucket's lifecycle rule expires them). Package s3presign presigns
// its uploads and downloads.
type Uploads struct {
	*Store
}

var _ roster.Uploads = (*Uploads)(nil)

// OpenUpload returns the object key with its size and content type, as
// the GetObject response's headers give them, before any of the body is
// read: a caller refusing it by size closes the body unread. It returns an
// apperr.NotFound error if there is no such object.
func (u *Uploads) OpenUpload(ctx context.Context, key string) (io.ReadCloser, int64, string, error) {
	out, err := u.Client.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(u.Bucket), Key: aws.String(key)})
	var noSuchKey *types.NoSuchKey
	if errors.As(err, &noSuchKey) {
		return nil, 0, "", apperr.New(apperr.NotFound, "file %s not found", path.Base(key))
	}
	if err != nil {
		return nil, 0, "", fmt.Errorf("open s3://%s/%s: %w", u.Bucket, key, err)
	}
	return out.Body, aws.ToInt64(out.ContentLength), aws.ToString(out.ContentType), nil
}

// Delete removes the object key; removing an absent one succeeds.
func (u *Uploads) Delete(ctx context.Context, key string) error {
	if _, err := u.Client.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: aws.String(u.Bucket), Key: aws.String(key)}); err != nil {
		return fmt.Errorf("delete s3://%s/%s: %w", u.Bucket, key, err)
	}
	return nil
}
