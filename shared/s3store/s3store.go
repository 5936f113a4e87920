// Package s3store is the S3 adapter of the evidence bucket and of the
// upload bucket of large roster imports: it streams objects in (multipart,
// written as they are produced, with Object Lock retention and SSE-KMS),
// reads them back and presigns uploads. It is the only package that imports
// the S3 SDK; package s3presign presigns downloads without it.
//
// # Memory
//
// Create holds at most a few parts of each object in memory, whatever the
// object's size: the uploader reads one part (PartSize, 5 MiB by default)
// while uploading the one before (Concurrency 1), and reuses two part
// buffers; the first part is read separately, to decide between PutObject and
// a multipart upload. About three parts (some 15 MiB) per open object: a
// bundle that writes five files at once holds some 75 MiB in part buffers.
//
// The uploader is feature/s3/manager's, which the SDK marks deprecated in
// favour of feature/s3/transfermanager; that one is still a v0 module whose
// API may change, so this package stays on the stable one until it is v1.
package s3store

//lint:file-ignore SA1019 feature/s3/manager is deprecated for feature/s3/transfermanager, which is not v1 yet (see the package comment).

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"path"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/s3/manager"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/attest-oss/attest/shared/apperr"
	"github.com/attest-oss/attest/shared/export"
)

// API is the part of the S3 client the Store uses: the uploader's calls,
// GetObject and DeleteObject.
type API interface {
	manager.UploadAPIClient
	GetObject(ctx context.Context, in *s3.GetObjectInput, opts ...func(*s3.Options)) (*s3.GetObjectOutput, error)
	DeleteObject(ctx context.Context, in *s3.DeleteObjectInput, opts ...func(*s3.Options)) (*s3.DeleteObjectOutput, error)
}

// DefaultPartSize is the part size of a Store whose PartSize is zero: S3's
// minimum, so that an upload holds as little as it can in memory.
const DefaultPartSize = manager.MinUploadPartSize

// uploadConcurrency is how many parts of one object are uploaded at once;
// the next part is read meanwhile.
const uploadConcurrency = 1

// writeBuffer batches small writes (CSV rows) before they cross the pipe to
// the uploader.
const writeBuffer = 64 << 10

// Store keeps objects in one bucket.
type Store struct {
	Client API
	Bucket string
	// KMSKeyID, when set, encrypts each object with SSE-KMS under that key;
	// empty leaves it to the bucket's default encryption.
	KMSKeyID string
	// Retention, when positive, locks each object in COMPLIANCE mode until
	// Now()+Retention (the bucket must have Object Lock enabled); zero locks
	// nothing beyond the bucket's default retention.
	Retention time.Duration
	// PartSize is the size of each uploaded part, at least 5 MiB; zero is
	// DefaultPartSize. An object can have 10,000 parts: 5 MiB parts allow
	// objects of up to 48 GiB.
	PartSize int64
	// Now is the clock of retention dates.
	Now func() time.Time
}

// Create starts streaming the object key in: what is written to the returned
// writer is uploaded as it comes (a multipart upload once it exceeds one
// part), with a SHA-256 checksum per request. Close completes the upload and
// returns its error; until it returns nil nothing is visible under key. The
// writer also has CloseWithError(err), which abandons the upload (a started
// multipart upload is aborted) and returns err; so does cancelling ctx. A
// writer that is neither closed nor abandoned keeps a goroutine waiting.
func (s *Store) Create(ctx context.Context, key, contentType string) (io.WriteCloser, error) {
	if key == "" {
		return nil, errors.New("s3store: empty object key")
	}
	in := &s3.PutObjectInput{
		Bucket:            aws.String(s.Bucket),
		Key:               aws.String(key),
		ContentType:       aws.String(contentType),
		ChecksumAlgorithm: types.ChecksumAlgorithmSha256,
	}
	if s.KMSKeyID != "" {
		in.ServerSideEncryption = types.ServerSideEncryptionAwsKms
		in.SSEKMSKeyId = aws.String(s.KMSKeyID)
	}
	if s.Retention > 0 {
		in.ObjectLockMode = types.ObjectLockModeCompliance
		in.ObjectLockRetainUntilDate = aws.Time(s.Now().Add(s.Retention).UTC())
	}
	partSize := s.PartSize
	if partSize == 0 {
		partSize = DefaultPartSize
	}
	if partSize < manager.MinUploadPartSize {
		return nil, fmt.Errorf("s3store: part size %d is below S3's minimum %d", partSize, manager.MinUploadPartSize)
	}
	uploader := manager.NewUploader(s.Client, func(u *manager.Uploader) {
		u.PartSize = partSize
		u.Concurrency = uploadConcurrency
		u.LeavePartsOnError = false // abort the multipart upload on failure
	})
	pr, pw := io.Pipe()
	in.Body = pr
	w := &writer{pipe: pw, done: make(chan error, 1), key: key}
	w.buf = bufio.NewWriterSize(pw, writeBuffer)
	go func() {
		_, err := uploader.Upload(ctx, in)
		if err != nil {
			s.abortCancelled(ctx, key, err)
			err = fmt.Errorf("upload s3://%s/%s: %w", s.Bucket, key, err)
		}
		// Unblock a writer waiting on the pipe when the upload stops early.
		pr.CloseWithError(uploadStopped(err))
		w.done <- err
	}()
	return w, nil
}

// abortTimeout bounds the abort of an upload whose context was cancelled.
const abortTimeout = 30 * time.Second

// abortCancelled aborts the multipart upload that err (an upload's error)
// names when the upload's context is done: the uploader aborts a failed
// multipart upload itself, but with that context, which then fails too.
// Parts left anyway (the abort failed, the process died) are removed by the
// bucket's lifecycle rule for incomplete multipart uploads.
func (s *Store) abortCancelled(ctx context.Context, key string, err error) {
	var failed manager.MultiUploadFailure
	if ctx.Err() == nil || !errors.As(err, &failed) || failed.UploadID() == "" {
		return
	}
	abortCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), abortTimeout)
	defer cancel()
	_, _ = s.Client.AbortMultipartUpload(abortCtx, &s3.AbortMultipartUploadInput{
		Bucket: aws.String(s.Bucket), Key: aws.String(key), UploadId: aws.String(failed.UploadID()),
	})
}

// uploadStopped is what a write after the upload ended returns.
func uploadStopped(err error) error {
	if err == nil {
		return errors.New("s3store: upload already finished")
	}
	return err
}

// writer is the writing end of one upload.
type writer struct {
	key  string
	pipe *io.PipeWriter
	buf  *bufio.Writer
	done chan error // the upload's result, once

	once   sync.Once
	result error
}

// Write implements io.Writer.
func (w *writer) Write(p []byte) (int, error) {
	return w.buf.Write(p)
}

// Close flushes what is buffered, ends the object and waits for the upload;
// it returns the upload's error. Further calls return the same.
func (w *writer) Close() error {
	w.once.Do(func() {
		err := w.buf.Flush()
		if err != nil {
			w.pipe.CloseWithError(err)
		} else {
			w.pipe.Close()
		}
		w.result = <-w.done
		if w.result == nil && err != nil {
			w.result = err
		}
	})
	return w.result
}

// CloseWithError abandons the upload: nothing appears under the key (a
// multipart upload is aborted). It waits for the uploader to stop and
// returns cause (or the upload's own error, if it failed first). After
// Close, it returns Close's result.
func (w *writer) CloseWithError(cause error) error {
	if cause == nil {
		cause = errors.New("s3store: upload abandoned")
	}
	w.once.Do(func() {
		w.pipe.CloseWithError(cause)
		if err := <-w.done; err != nil && !errors.Is(err, cause) {
			w.result = err
		} else {
			w.result = cause
		}
	})
	return w.result
}

// Open returns the object key and its size in bytes; the caller closes the
// reader. It returns an apperr.NotFound error if there is no such object.
func (s *Store) Open(ctx context.Context, key string) (io.ReadCloser, int64, error) {
	out, err := s.Client.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(s.Bucket), Key: aws.String(key)})
	var noSuchKey *types.NoSuchKey
	if errors.As(err, &noSuchKey) {
		return nil, 0, apperr.New(apperr.NotFound, "file %s not found", path.Base(key))
	}
	if err != nil {
		return nil, 0, fmt.Errorf("open s3://%s/%s: %w", s.Bucket, key, err)
	}
	return out.Body, aws.ToInt64(out.ContentLength), nil
}

// Sink returns the sink of one evidence bundle: each file name is stored
// under prefix+name (package export's Objects).
func (s *Store) Sink(prefix string) export.Sink { return prefixed{s: s, prefix: prefix} }

// prefixed is a Store seen through a key prefix.
type prefixed struct {
	s      *Store
	prefix string
}

// Create implements export.Sink.
func (p prefixed) Create(ctx context.Context, name, contentType string) (io.WriteCloser, error) {
	return p.s.Create(ctx, p.prefix+name, contentType)
}
