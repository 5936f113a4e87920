package s3presign_test

import (
	"bytes"
	"context"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/attest-oss/attest/shared/devstack"
	"github.com/attest-oss/attest/shared/devstack/devtest"
	"github.com/attest-oss/attest/shared/s3presign"
)

func TestMain(m *testing.M) { devtest.Main(m) }

// TestPresignGetIsTheS3Clients checks that a URL is the one the S3 client's
// PresignGetObject makes for the same object, name, expiry, credentials and
// time, byte for byte (so the same signature): AWS endpoints in and out of
// us-east-1 and China, path style on a custom endpoint, a bucket that is no
// host name, keys and file names that need escaping.
func TestPresignGetIsTheS3Clients(t *testing.T) {
	creds := credentials.NewStaticCredentialsProvider("ASIAEXAMPLE", "secret/key+", "session/token=")
	tests := []struct {
		name, region, endpoint, bucket, key, filename string
		pathStyle                                     bool
		ttl                                           time.Duration
	}{
		{"Bundle file", "eu-west-1", "", "attest-evidence-1a2b3c", "exports/2026-Q3/org/exp_3/summary.html", "summary.html", false, 5 * time.Minute},
		{"US East", "us-east-1", "", "attest-evidence", "exports/2026-Q3/acme/exp_4/manifest.json", "manifest.json", false, time.Hour},
		{"China", "cn-north-1", "", "attest-evidence", "exports/x/SHA256SUMS", "SHA256SUMS", false, 5 * time.Minute},
		{"No file name", "eu-west-1", "", "attest-evidence", "exports/x/audit.csv", "", false, 5 * time.Minute},
		{"Escaping", "eu-central-1", "", "attest-evidence", "exports/2026 Q3/Müller & Söhne/a+b=c?.csv", "Bericht für Q3; \"final\".csv", false, 90 * time.Second},
		{"Path style", "us-east-1", "http://127.0.0.1:4566", "evidence", "exports/x/summary.html", "summary.html", true, 5 * time.Minute},
		{"Custom endpoint", "us-east-1", "http://s3.local.test:9000", "evidence", "exports/x/summary.html", "summary.html", false, 5 * time.Minute},
		{"IP endpoint", "us-east-1", "http://127.0.0.1:9", "evidence", "exports/x/summary.html", "summary.html", false, 5 * time.Minute},
		{"Bucket not a host label", "eu-west-1", "", "Attest_Evidence", "exports/x/summary.html", "summary.html", false, 5 * time.Minute},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := context.Background()
			client := s3.New(s3.Options{Region: tt.region, Credentials: creds, UsePathStyle: tt.pathStyle}, func(o *s3.Options) {
				if tt.endpoint != "" {
					o.BaseEndpoint = aws.String(tt.endpoint)
				}
			})
			in := &s3.GetObjectInput{Bucket: aws.String(tt.bucket), Key: aws.String(tt.key)}
			if tt.filename != "" {
				// What s3store.Store.PresignGet asked the client for.
				in.ResponseContentDisposition = aws.String(contentDisposition(tt.filename))
			}
			want, err := s3.NewPresignClient(client).PresignGetObject(ctx, in, s3.WithPresignExpires(tt.ttl))
			if err != nil {
				t.Fatal(err)
			}
			wantURL, err := url.Parse(want.URL)
			if err != nil {
				t.Fatal(err)
			}
			signedAt, err := time.Parse("20060102T150405Z", wantURL.Query().Get("X-Amz-Date"))
			if err != nil {
				t.Fatal(err)
			}
			p := &s3presign.Presigner{Bucket: tt.bucket, Region: tt.region, Credentials: creds, Endpoint: tt.endpoint,
				PathStyle: tt.pathStyle, Now: func() time.Time { return signedAt }}
			got, err := p.PresignGet(ctx, tt.key, tt.ttl, tt.filename)
			if err != nil {
				t.Fatal(err)
			}
			if got != want.URL {
				t.Errorf("URL\n%s\nthe S3 client's\n%s", got, want.URL)
			}
		})
	}
}

// contentDisposition is the attachment header of filename, as
// s3store.Store.PresignGet asked the S3 client for it.
func contentDisposition(filename string) string {
	return mime.FormatMediaType("attachment", map[string]string{"filename": filename})
}

// TestPresignedDownloadFromTheStandIn fetches a presigned URL from the S3
// stand-in with net/http, as a browser following the API's redirect does:
// the object's bytes come back as an attachment with the file's name.
func TestPresignedDownloadFromTheStandIn(t *testing.T) {
	ctx := t.Context()
	stack := devtest.Shared(t)
	client := stack.S3Client()
	bucket := devtest.Bucket(t, client, "presign")
	const key = "exports/2026-Q3/org/exp_3/summary report.html"
	body := []byte("<!doctype html><title>Q3</title>")
	if _, err := client.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String(bucket), Key: aws.String(key), Body: bytes.NewReader(body)}); err != nil {
		t.Fatal(err)
	}
	cfg := devstack.AWSConfig()
	p := &s3presign.Presigner{Bucket: bucket, Region: cfg.Region, Credentials: cfg.Credentials, Endpoint: stack.S3Endpoint(), PathStyle: true}
	u, err := p.PresignGet(ctx, key, 5*time.Minute, "summary report.html")
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	got, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil || resp.StatusCode != http.StatusOK || !bytes.Equal(got, body) {
		t.Fatalf("GET presigned URL = %d %q, %v; want 200 %q", resp.StatusCode, got, err, body)
	}
	if cd := resp.Header.Get("Content-Disposition"); cd != `attachment; filename="summary report.html"` {
		t.Errorf("Content-Disposition %q, want the attachment summary report.html", cd)
	}
	if !strings.Contains(u, "X-Amz-Expires=300") {
		t.Errorf("presigned URL %s, want X-Amz-Expires=300", u)
	}
}

// TestPresignGetFails: without credentials, a bucket or a key there is
// nothing to sign.
func TestPresignGetFails(t *testing.T) {
	creds := credentials.NewStaticCredentialsProvider("a", "b", "")
	for _, tt := range []struct {
		name string
		p    s3presign.Presigner
		key  string
	}{
		{"NoCredentials", s3presign.Presigner{Bucket: "evidence", Region: "eu-west-1"}, "k"},
		{"NoBucket", s3presign.Presigner{Region: "eu-west-1", Credentials: creds}, "k"},
		{"NoKey", s3presign.Presigner{Bucket: "evidence", Region: "eu-west-1", Credentials: creds}, ""},
		{"NoRegion", s3presign.Presigner{Bucket: "evidence", Credentials: creds}, "k"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if u, err := tt.p.PresignGet(context.Background(), tt.key, time.Minute, ""); err == nil {
				t.Errorf("PresignGet = %s, want an error", u)
			}
		})
	}
}
