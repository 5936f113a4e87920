package main

import (
	"bytes"
	"context"
	"encoding/json"
	"log"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/attest-oss/attest/shared/table"
)

// notifyTimeout bounds one notification's POST.
const notifyTimeout = 10 * time.Second

// notifier wraps the S3 server: after each successful PUT of a large
// import's file (imports/<id>/upload, not a part of a multipart upload),
// it posts the S3 event notification, in the shape AWS sends through SQS,
// to url, as the upload bucket notifies the import queue in AWS.
type notifier struct {
	next http.Handler
	url  string
	// post sends one notification; posting in a goroutine of its own, so
	// that the uploader's PUT returns at once.
	post func(body []byte)
}

// newNotifier returns the S3 server next, notifying url.
func newNotifier(next http.Handler, target string) *notifier {
	n := &notifier{next: next, url: target}
	n.post = func(body []byte) { go n.send(body) }
	return n
}

func (n *notifier) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	bucket, key, ok := objectOf(r)
	if r.Method != http.MethodPut || !ok || r.URL.Query().Has("partNumber") || r.Header.Get("X-Amz-Copy-Source") != "" {
		n.next.ServeHTTP(w, r)
		return
	}
	if _, isUpload := table.ImportOfUploadKey(key); !isUpload {
		n.next.ServeHTTP(w, r)
		return
	}
	rec := &statusRecorder{ResponseWriter: w, status: http.StatusOK}
	n.next.ServeHTTP(rec, r)
	if rec.status != http.StatusOK {
		return
	}
	n.post(s3Event(bucket, key, r.ContentLength))
}

// objectOf returns the bucket and key of a path-style object request.
func objectOf(r *http.Request) (bucket, key string, ok bool) {
	bucket, key, ok = strings.Cut(strings.TrimPrefix(r.URL.Path, "/"), "/")
	return bucket, key, ok && bucket != "" && key != ""
}

// s3Event is the S3 event notification of an ObjectCreated:Put of key.
func s3Event(bucket, key string, size int64) []byte {
	type object struct {
		Key  string `json:"key"`
		Size int64  `json:"size"`
	}
	type record struct {
		EventVersion string    `json:"eventVersion"`
		EventSource  string    `json:"eventSource"`
		AWSRegion    string    `json:"awsRegion"`
		EventTime    time.Time `json:"eventTime"`
		EventName    string    `json:"eventName"`
		S3           struct {
			Bucket struct {
				Name string `json:"name"`
				ARN  string `json:"arn"`
			} `json:"bucket"`
			Object object `json:"object"`
		} `json:"s3"`
	}
	rec := record{EventVersion: "2.1", EventSource: "aws:s3", AWSRegion: "us-east-1", EventTime: time.Now().UTC(), EventName: "ObjectCreated:Put"}
	rec.S3.Bucket.Name, rec.S3.Bucket.ARN = bucket, "arn:aws:s3:::"+bucket
	// Keys are URL-encoded in notifications, spaces as '+'.
	rec.S3.Object = object{Key: url.QueryEscape(key), Size: size}
	body, _ := json.Marshal(map[string][]record{"Records": {rec}}) // plain data: cannot fail
	return body
}

// send posts one notification to n.url, logging a failure.
func (n *notifier) send(body []byte) {
	ctx, cancel := context.WithTimeout(context.Background(), notifyTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, n.url, bytes.NewReader(body))
	if err != nil {
		log.Printf("notify %s: %v", n.url, err)
		return
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		log.Printf("notify %s: %v", n.url, err)
		return
	}
	resp.Body.Close()
	if resp.StatusCode >= 300 {
		log.Printf("notify %s: %s", n.url, resp.Status)
	}
}

// statusRecorder remembers the status a handler wrote.
type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (s *statusRecorder) WriteHeader(code int) {
	s.status = code
	s.ResponseWriter.WriteHeader(code)
}
