// Package s3presign is the adapter that presigns downloads from the
// evidence bucket (URLs that GET one object for a while, as an attachment)
// and uploads into the upload bucket of large roster imports (URLs that PUT
// one object). It signs them with the SDK's Signature Version 4 signer (aws/signer/v4)
// the way the S3 client's PresignGetObject does (the test compares the two
// URLs byte for byte), without linking the S3 client: the API function
// presigns and does nothing else with S3, and the client is the largest
// package it would link (about 1 MB gzipped, and its package init).
package s3presign

import (
	"context"
	"errors"
	"fmt"
	"mime"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/smithy-go/encoding/httpbinding"
)

// unsignedPayload is the payload hash of presigned S3 requests: the body
// (none, for a GET) is not part of the signature.
const unsignedPayload = "UNSIGNED-PAYLOAD"

// Presigner presigns GETs and PUTs of the objects in one bucket.
type Presigner struct {
	// Bucket holds the objects.
	Bucket string
	// Region is the bucket's, which the signature is scoped to.
	Region string
	// Credentials sign the URLs (aws.Config's).
	Credentials aws.CredentialsProvider
	// Endpoint is S3's base URL (aws.Config's BaseEndpoint); empty is the
	// region's: https://s3.<region>.amazonaws.com.
	Endpoint string
	// PathStyle puts the bucket in the path (<endpoint>/<bucket>/<key>)
	// rather than in the host name (<bucket>.<endpoint host>/<key>), as the
	// S3 client's UsePathStyle does. Like the client, a bucket whose name is
	// not a host name label, or an endpoint that is an IP address, gets path
	// style anyway.
	PathStyle bool
	// Now is the clock of the signatures; time.Now when nil.
	Now func() time.Time
}

// PresignGet returns a URL that downloads the object key for ttl, as an
// attachment named filename (the response's Content-Disposition) when
// filename is not empty. It does not check that the object exists.
func (p *Presigner) PresignGet(ctx context.Context, key string, ttl time.Duration, filename string) (string, error) {
	q := url.Values{"x-id": {"GetObject"}}
	if filename != "" {
		q.Set("response-content-disposition", mime.FormatMediaType("attachment", map[string]string{"filename": filename}))
	}
	return p.presign(ctx, http.MethodGet, key, ttl, q)
}

// PresignPut returns a URL that uploads the object key for ttl, with any
// Content-Type (it is not signed), as the S3 client's PresignPutObject
// does. S3 cannot bound the size of a presigned PUT: the reader checks it.
func (p *Presigner) PresignPut(ctx context.Context, key string, ttl time.Duration) (string, error) {
	return p.presign(ctx, http.MethodPut, key, ttl, url.Values{"x-id": {"PutObject"}})
}

// presign signs method on the object key for ttl, with the query q.
func (p *Presigner) presign(ctx context.Context, method, key string, ttl time.Duration, q url.Values) (string, error) {
	if p.Credentials == nil {
		return "", errors.New("s3presign: no credentials")
	}
	u, err := p.objectURL(key)
	if err != nil {
		return "", fmt.Errorf("presign s3://%s/%s: %w", p.Bucket, key, err)
	}
	q.Set("X-Amz-Expires", strconv.FormatInt(int64(ttl/time.Second), 10))
	u.RawQuery = q.Encode()
	req, err := http.NewRequestWithContext(ctx, method, u.String(), nil)
	if err != nil {
		return "", fmt.Errorf("presign s3://%s/%s: %w", p.Bucket, key, err)
	}
	creds, err := p.Credentials.Retrieve(ctx)
	if err != nil {
		return "", fmt.Errorf("presign s3://%s/%s: credentials: %w", p.Bucket, key, err)
	}
	now := time.Now
	if p.Now != nil {
		now = p.Now
	}
	// S3 signs the path as sent, not escaped a second time.
	signer := v4.NewSigner(func(o *v4.SignerOptions) { o.DisableURIPathEscaping = true })
	signed, _, err := signer.PresignHTTP(ctx, creds, req, unsignedPayload, "s3", p.Region, now())
	if err != nil {
		return "", fmt.Errorf("presign s3://%s/%s: %w", p.Bucket, key, err)
	}
	return signed, nil
}

// objectURL is the URL of the object key, without a query.
func (p *Presigner) objectURL(key string) (*url.URL, error) {
	if p.Bucket == "" || key == "" {
		return nil, errors.New("empty bucket or key")
	}
	base := p.Endpoint
	if base == "" {
		if p.Region == "" {
			return nil, errors.New("no region")
		}
		base = "https://s3." + p.Region + "." + dnsSuffix(p.Region)
	}
	u, err := url.Parse(base)
	if err != nil {
		return nil, fmt.Errorf("endpoint %q: %w", base, err)
	}
	path := strings.TrimSuffix(u.Path, "/")
	if p.PathStyle || !hostLabel(p.Bucket) || net.ParseIP(u.Hostname()) != nil {
		path += "/" + p.Bucket
	} else {
		u.Host = p.Bucket + "." + u.Host
	}
	u.Path = path + "/" + key
	u.RawPath = httpbinding.EscapePath(path, false) + "/" + httpbinding.EscapePath(key, false)
	return u, nil
}

// dnsSuffix is the domain of the region's partition: the China regions'
// own, otherwise AWS's.
func dnsSuffix(region string) string {
	if strings.HasPrefix(region, "cn-") {
		return "amazonaws.com.cn"
	}
	return "amazonaws.com"
}

// hostLabel reports whether bucket can be the first label of a host name
// (virtual-hosted addressing): 3 to 63 lower-case letters, digits and
// hyphens, starting and ending with a letter or digit.
func hostLabel(bucket string) bool {
	if len(bucket) < 3 || len(bucket) > 63 || bucket[0] == '-' || bucket[len(bucket)-1] == '-' {
		return false
	}
	for _, c := range bucket {
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-') {
			return false
		}
	}
	return true
}
