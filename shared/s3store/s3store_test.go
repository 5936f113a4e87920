package s3store_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"io"
	"math/rand/v2"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsmiddleware "github.com/aws/aws-sdk-go-v2/aws/middleware"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/smithy-go/middleware"

	"github.com/attest-oss/attest/shared/apperr"
	"github.com/attest-oss/attest/shared/devstack/devtest"
	"github.com/attest-oss/attest/shared/s3store"
)

func TestMain(m *testing.M) { devtest.Main(m) }

// now is the clock of retention dates.
var now = time.Date(2026, 10, 1, 3, 30, 0, 0, time.UTC)

const (
	mib       = 1 << 20
	retention = 7 * 365 * 24 * time.Hour
	keyID     = "arn:aws:kms:us-east-1:111122223333:key/bucket-key"
)

// calls records the S3 operations a client makes, with their inputs, and
// whether each succeeded.
type calls struct {
	mu  sync.Mutex
	ops []call
}

type call struct {
	op    string
	input any
	err   error
}

// option records the client's calls in c.
func (c *calls) option(o *s3.Options) {
	o.APIOptions = append(o.APIOptions, func(stack *middleware.Stack) error {
		return stack.Initialize.Add(middleware.InitializeMiddlewareFunc("s3store_test.calls",
			func(ctx context.Context, in middleware.InitializeInput, next middleware.InitializeHandler) (middleware.InitializeOutput, middleware.Metadata, error) {
				out, md, err := next.HandleInitialize(ctx, in)
				c.mu.Lock()
				c.ops = append(c.ops, call{op: awsmiddleware.GetOperationName(ctx), input: in.Parameters, err: err})
				c.mu.Unlock()
				return out, md, err
			}), middleware.After)
	})
}

// count is how many op calls there were, and how many of them failed.
func (c *calls) count(op string) (n, failed int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, x := range c.ops {
		if x.op == op {
			n++
			if x.err != nil {
				failed++
			}
		}
	}
	return n, failed
}

// first is the input of the first op call.
func (c *calls) first(op string) any {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, x := range c.ops {
		if x.op == op {
			return x.input
		}
	}
	return nil
}

// newStore is a store on a fresh bucket with Object Lock enabled, whose
// client records its calls, with 5 MiB parts.
func newStore(t testing.TB) (*s3store.Store, *calls, *s3.Client) {
	t.Helper()
	stack := devtest.Shared(t)
	plain := stack.S3Client()
	bucket := devtest.Bucket(t, plain, "s3store")
	rec := &calls{}
	client := stack.S3Client(rec.option)
	return &s3store.Store{
		Client: client, Bucket: bucket, KMSKeyID: keyID, Retention: retention,
		PartSize: 5 * mib, Now: func() time.Time { return now },
	}, rec, plain
}

// payload is n pseudo-random bytes.
func payload(n int) []byte {
	b := make([]byte, n)
	r := rand.New(rand.NewPCG(uint64(n), 1))
	for i := range b {
		b[i] = byte(r.Uint32())
	}
	return b
}

// writeRows writes b to w in row-sized pieces, as the bundle's CSVs are.
func writeRows(t *testing.T, w io.Writer, b []byte) {
	t.Helper()
	for len(b) > 0 {
		n := min(len(b), 1000)
		if _, err := w.Write(b[:n]); err != nil {
			t.Fatalf("write: %v", err)
		}
		b = b[n:]
	}
}

// exists reports whether the bucket holds key.
func exists(t *testing.T, client *s3.Client, bucket, key string) bool {
	t.Helper()
	_, err := client.HeadObject(t.Context(), &s3.HeadObjectInput{Bucket: aws.String(bucket), Key: aws.String(key)})
	var notFound *types.NotFound
	if errors.As(err, &notFound) {
		return false
	}
	if err != nil {
		t.Fatalf("HeadObject %s: %v", key, err)
	}
	return true
}

// checkLocked checks that input (a PutObject or CreateMultipartUpload input)
// asked for compliance-mode retention until now+retention, SSE-KMS with
// keyID and SHA-256 checksums.
func checkLocked(t *testing.T, input any) {
	t.Helper()
	var (
		mode  types.ObjectLockMode
		until *time.Time
		sse   types.ServerSideEncryption
		kms   *string
		sum   types.ChecksumAlgorithm
	)
	switch in := input.(type) {
	case *s3.PutObjectInput:
		mode, until, sse, kms, sum = in.ObjectLockMode, in.ObjectLockRetainUntilDate, in.ServerSideEncryption, in.SSEKMSKeyId, in.ChecksumAlgorithm
	case *s3.CreateMultipartUploadInput:
		mode, until, sse, kms, sum = in.ObjectLockMode, in.ObjectLockRetainUntilDate, in.ServerSideEncryption, in.SSEKMSKeyId, in.ChecksumAlgorithm
	default:
		t.Fatalf("input %T, want PutObject or CreateMultipartUpload", input)
	}
	if mode != types.ObjectLockModeCompliance || !aws.ToTime(until).Equal(now.Add(retention)) {
		t.Errorf("object lock %q until %v, want COMPLIANCE until %v", mode, aws.ToTime(until), now.Add(retention))
	}
	if sse != types.ServerSideEncryptionAwsKms || aws.ToString(kms) != keyID {
		t.Errorf("encryption %q with %q, want aws:kms with %s", sse, aws.ToString(kms), keyID)
	}
	if sum != types.ChecksumAlgorithmSha256 {
		t.Errorf("checksum %q, want SHA256", sum)
	}
}

// TestStreamedMultipartRoundTrip streams 12 MiB in row-sized writes through
// 5 MiB parts (a multipart upload of three parts), reads them back, and
// checks the lock, encryption and checksum the upload asked for, as the
// server stored them.
func TestStreamedMultipartRoundTrip(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	store, rec, plain := newStore(t)
	const key = "exports/2026-Q3/org/exp_1/people.csv"
	body := payload(12 * mib)

	w, err := store.Create(ctx, key, "text/csv; charset=utf-8")
	if err != nil {
		t.Fatal(err)
	}
	writeRows(t, w, body)
	if exists(t, plain, store.Bucket, key) {
		t.Error("the object is visible before Close")
	}
	if err := w.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	if err := w.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
	if n, _ := rec.count("CreateMultipartUpload"); n != 1 {
		t.Errorf("%d CreateMultipartUpload calls, want 1", n)
	}
	if n, failed := rec.count("UploadPart"); n != 3 || failed != 0 {
		t.Errorf("%d UploadPart calls (%d failed), want 3 parts of 5, 5 and 2 MiB", n, failed)
	}
	if n, _ := rec.count("PutObject"); n != 0 {
		t.Errorf("%d PutObject calls, want none", n)
	}
	checkLocked(t, rec.first("CreateMultipartUpload"))
	if in, ok := rec.first("UploadPart").(*s3.UploadPartInput); !ok || in.ChecksumAlgorithm != types.ChecksumAlgorithmSha256 {
		t.Errorf("UploadPart input %+v, want a SHA256 checksum", in)
	}

	r, size, err := store.Open(ctx, key)
	if err != nil {
		t.Fatal(err)
	}
	got, err := io.ReadAll(r)
	r.Close()
	if err != nil || size != int64(len(body)) || sha256.Sum256(got) != sha256.Sum256(body) {
		t.Fatalf("Open: %d bytes (size %d), %v; want the %d bytes written", len(got), size, err, len(body))
	}

	// The server (which does not enforce them) keeps and echoes the request's
	// headers.
	head, err := plain.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String(store.Bucket), Key: aws.String(key)})
	if err != nil {
		t.Fatal(err)
	}
	if head.ObjectLockMode != types.ObjectLockModeCompliance || !aws.ToTime(head.ObjectLockRetainUntilDate).Equal(now.Add(retention)) ||
		head.ServerSideEncryption != types.ServerSideEncryptionAwsKms || aws.ToString(head.SSEKMSKeyId) != keyID ||
		aws.ToString(head.ContentType) != "text/csv; charset=utf-8" {
		t.Errorf("stored lock %q until %v, encryption %q with %q, type %q; want COMPLIANCE until %v, aws:kms with %s, text/csv",
			head.ObjectLockMode, aws.ToTime(head.ObjectLockRetainUntilDate), head.ServerSideEncryption, aws.ToString(head.SSEKMSKeyId),
			aws.ToString(head.ContentType), now.Add(retention), keyID)
	}
}

// TestSmallObjectIsOnePut: an object smaller than a part is one PutObject,
// with the same lock, encryption and checksum; an empty one too.
func TestSmallObjectIsOnePut(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	store, rec, _ := newStore(t)
	for key, body := range map[string][]byte{"exports/manifest.json": []byte(`{"formatVersion":1}`), "exports/empty.csv": nil} {
		w, err := store.Create(ctx, key, "application/json")
		if err != nil {
			t.Fatal(err)
		}
		writeRows(t, w, body)
		if err := w.Close(); err != nil {
			t.Fatalf("Close %s: %v", key, err)
		}
		r, size, err := store.Open(ctx, key)
		if err != nil {
			t.Fatal(err)
		}
		got, err := io.ReadAll(r)
		r.Close()
		if err != nil || size != int64(len(body)) || !bytes.Equal(got, body) {
			t.Errorf("Open %s = %q (size %d), %v; want %q", key, got, size, err, body)
		}
	}
	if n, failed := rec.count("PutObject"); n != 2 || failed != 0 {
		t.Errorf("%d PutObject calls (%d failed), want 2", n, failed)
	}
	if n, _ := rec.count("CreateMultipartUpload"); n != 0 {
		t.Errorf("%d CreateMultipartUpload calls, want none", n)
	}
	checkLocked(t, rec.first("PutObject"))
}

// TestNoRetentionOrKeyAsksForNeither: a store without Retention or KMSKeyID
// leaves both to the bucket's defaults.
func TestNoRetentionOrKeyAsksForNeither(t *testing.T) {
	t.Parallel()
	store, rec, _ := newStore(t)
	store.Retention, store.KMSKeyID = 0, ""
	w, err := store.Create(t.Context(), "exports/SHA256SUMS", "text/plain")
	if err != nil {
		t.Fatal(err)
	}
	writeRows(t, w, []byte("abc  people.csv\n"))
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	in, _ := rec.first("PutObject").(*s3.PutObjectInput)
	if in == nil || in.ObjectLockMode != "" || in.ObjectLockRetainUntilDate != nil || in.ServerSideEncryption != "" || in.SSEKMSKeyId != nil {
		t.Errorf("PutObject input %+v, want no lock and no encryption settings", in)
	}
}

// TestAbandonedUploadLeavesNothing abandons uploads half way, by
// CloseWithError and by cancelling the context, before and after the
// multipart upload started: no object appears, and a started multipart
// upload is aborted.
func TestAbandonedUploadLeavesNothing(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name    string
		written int
		cancel  bool
	}{
		{"CloseWithErrorInFirstPart", 1 * mib, false},
		{"CloseWithErrorAfterParts", 11 * mib, false},
		{"CancelAfterParts", 11 * mib, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			ctx, cancel := context.WithCancel(t.Context())
			defer cancel()
			store, rec, plain := newStore(t)
			const key = "exports/2026-Q3/org/exp_2/assignments.csv"
			w, err := store.Create(ctx, key, "text/csv")
			if err != nil {
				t.Fatal(err)
			}
			writeRows(t, w, payload(tc.written))
			cause := errors.New("roster read failed")
			if tc.cancel {
				cancel()
				err = w.Close()
				if !errors.Is(err, context.Canceled) {
					t.Errorf("Close after cancel = %v, want context.Canceled", err)
				}
			} else if err := w.(interface{ CloseWithError(error) error }).CloseWithError(cause); !errors.Is(err, cause) {
				t.Errorf("CloseWithError = %v, want %v", err, cause)
			}
			if exists(t, plain, store.Bucket, key) {
				t.Error("the abandoned object exists")
			}
			if n, _ := rec.count("PutObject"); n != 0 {
				t.Errorf("%d PutObject calls, want none", n)
			}
			if n, _ := rec.count("CompleteMultipartUpload"); n != 0 {
				t.Errorf("%d CompleteMultipartUpload calls, want none", n)
			}
			if started, _ := rec.count("CreateMultipartUpload"); started > 0 {
				// The uploader's own abort fails with the cancelled context;
				// the store's succeeds.
				if n, failed := rec.count("AbortMultipartUpload"); n-failed != 1 {
					t.Errorf("%d AbortMultipartUpload calls (%d failed), want 1 to succeed", n, failed)
				}
				uploads, err := plain.ListMultipartUploads(t.Context(), &s3.ListMultipartUploadsInput{Bucket: aws.String(store.Bucket)})
				if err != nil {
					t.Fatal(err)
				}
				if len(uploads.Uploads) != 0 {
					t.Errorf("multipart uploads left: %+v", uploads.Uploads)
				}
			}
			if _, err := w.Write([]byte("more")); err == nil {
				// The buffered writer may take a few bytes; a full buffer must fail.
				if _, err := w.Write(make([]byte, 128<<10)); err == nil {
					t.Error("writes after abandoning succeed")
				}
			}
		})
	}
}

// TestFailedUploadFailsClose: an upload S3 refuses (no such bucket) fails
// the writes once the pipe is read, and Close returns the error.
func TestFailedUploadFailsClose(t *testing.T) {
	t.Parallel()
	store, _, _ := newStore(t)
	store.Bucket = "no-such-bucket-for-s3store"
	w, err := store.Create(t.Context(), "exports/x.csv", "text/csv")
	if err != nil {
		t.Fatal(err)
	}
	var writeErr error
	for i := 0; i < 20 && writeErr == nil; i++ { // 20 MiB: past the first part
		_, writeErr = w.Write(make([]byte, mib))
	}
	closeErr := w.Close()
	var noBucket *types.NoSuchBucket
	if closeErr == nil || !errors.As(closeErr, &noBucket) && !bytes.Contains([]byte(closeErr.Error()), []byte("NoSuchBucket")) {
		t.Errorf("Close = %v, want NoSuchBucket", closeErr)
	}
	if writeErr == nil {
		t.Error("20 MiB of writes to a failed upload all succeeded")
	}
}

// TestPresignedDownload fetches a URL that package s3presign presigned for
// an object the store wrote (with SSE-KMS and retention) with net/http, as a
// browser following the API's redirect does: the bytes come back as an
// attachment with the file's name.
func TestPresignedDownload(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	store, _, _ := newStore(t)
	const key = "exports/2026-Q3/org/exp_3/summary.html"
	body := []byte("<!doctype html><title>Q3</title>")
	w, err := store.Create(ctx, key, "text/html; charset=utf-8")
	if err != nil {
		t.Fatal(err)
	}
	writeRows(t, w, body)
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	url, err := devtest.Shared(t).S3Presigner(store.Bucket).PresignGet(ctx, key, 5*time.Minute, "summary.html")
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	got, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil || resp.StatusCode != http.StatusOK || !bytes.Equal(got, body) {
		t.Fatalf("GET presigned URL = %d %q, %v; want 200 %q", resp.StatusCode, got, err, body)
	}
	if cd := resp.Header.Get("Content-Disposition"); cd != "attachment; filename=summary.html" {
		t.Errorf("Content-Disposition %q, want attachment; filename=summary.html", cd)
	}
	if !bytes.Contains([]byte(url), []byte("X-Amz-Expires=300")) {
		t.Errorf("presigned URL %s, want X-Amz-Expires=300", url)
	}
}

// TestOpenMissingIsNotFound: a missing file is apperr.NotFound, named by its
// base name only.
func TestOpenMissingIsNotFound(t *testing.T) {
	t.Parallel()
	store, _, _ := newStore(t)
	_, _, err := store.Open(t.Context(), "exports/2026-Q3/org/exp_4/people.csv")
	if apperr.CodeOf(err) != apperr.NotFound || err.Error() != "file people.csv not found" {
		t.Errorf("Open missing = %v (%s), want NotFound naming people.csv", err, apperr.CodeOf(err))
	}
}
