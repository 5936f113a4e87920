package main

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/attest-oss/attest/shared/devstack"
	"github.com/attest-oss/attest/shared/kmssign"
	"github.com/attest-oss/attest/shared/s3presign"
	"github.com/attest-oss/attest/shared/s3store"
)

// The local evidence bucket and signing key, named as in the CDK stack.
const (
	evidenceBucket  = "attest-evidence"
	signingKeyAlias = "alias/attest-evidence"
)

// evidenceRetention is how long files are locked in the local bucket: the
// stack's default of 7 years (the S3 server stores it, without enforcing).
const evidenceRetention = 2557 * 24 * time.Hour

// localEvidence are the evidence bucket and signing key of make dev, on the
// S3 server and Local KMS: what app.Config takes as its Objects, Links and
// Signer.
type localEvidence struct {
	Objects *s3store.Store
	Links   *s3presign.Presigner
	Signer  *kmssign.Signer
}

// setUpEvidence creates the evidence bucket (with Object Lock) and the
// signing key on the stand-ins unless they exist, and returns them.
func setUpEvidence(ctx context.Context, stack *devstack.Stack) (localEvidence, error) {
	client := stack.S3Client()
	if err := ensureBucket(ctx, client, evidenceBucket); err != nil {
		return localEvidence{}, err
	}
	keys := stack.KMSClient()
	arn, err := kmssign.EnsureLocalKey(ctx, keys, signingKeyAlias)
	if err != nil {
		return localEvidence{}, err
	}
	return localEvidence{
		Objects: &s3store.Store{
			Client: client, Bucket: evidenceBucket, Retention: evidenceRetention, Now: time.Now,
		},
		Links:  stack.S3Presigner(evidenceBucket),
		Signer: kmssign.New(keys, arn),
	}, nil
}

// ensureBucket creates the bucket name with Object Lock enabled unless it
// exists.
func ensureBucket(ctx context.Context, client *s3.Client, name string) error {
	_, err := client.HeadBucket(ctx, &s3.HeadBucketInput{Bucket: aws.String(name)})
	var notFound *types.NotFound
	switch {
	case err == nil:
		return nil
	case !errors.As(err, &notFound):
		return fmt.Errorf("look up bucket %s: %w", name, err)
	}
	_, err = client.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String(name), ObjectLockEnabledForBucket: aws.Bool(true)})
	var owned *types.BucketAlreadyOwnedByYou
	if err != nil && !errors.As(err, &owned) {
		return fmt.Errorf("create bucket %s: %w", name, err)
	}
	return nil
}
