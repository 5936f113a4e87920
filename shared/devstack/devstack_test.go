package devstack_test

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	ddbtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	kmstypes "github.com/aws/aws-sdk-go-v2/service/kms/types"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/aws-sdk-go-v2/service/sesv2"
	sestypes "github.com/aws/aws-sdk-go-v2/service/sesv2/types"

	"github.com/attest-oss/attest/shared/devstack"
	"github.com/attest-oss/attest/shared/devstack/devtest"
)

func TestMain(m *testing.M) { devtest.Main(m) }

func TestDynamoDBRoundTrip(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	db := devtest.Shared(t).DynamoClient()
	table := devtest.UniqueName(t, "devstack")

	_, err := db.CreateTable(ctx, &dynamodb.CreateTableInput{
		TableName:   aws.String(table),
		BillingMode: ddbtypes.BillingModePayPerRequest,
		AttributeDefinitions: []ddbtypes.AttributeDefinition{
			{AttributeName: aws.String("PK"), AttributeType: ddbtypes.ScalarAttributeTypeS},
			{AttributeName: aws.String("SK"), AttributeType: ddbtypes.ScalarAttributeTypeS},
		},
		KeySchema: []ddbtypes.KeySchemaElement{
			{AttributeName: aws.String("PK"), KeyType: ddbtypes.KeyTypeHash},
			{AttributeName: aws.String("SK"), KeyType: ddbtypes.KeyTypeRange},
		},
	})
	if err != nil {
		t.Fatalf("CreateTable: %v", err)
	}
	item := map[string]ddbtypes.AttributeValue{
		"PK":   &ddbtypes.AttributeValueMemberS{Value: "PERSON#1"},
		"SK":   &ddbtypes.AttributeValueMemberS{Value: "PROFILE"},
		"Name": &ddbtypes.AttributeValueMemberS{Value: "Ada"},
	}
	if _, err := db.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String(table), Item: item}); err != nil {
		t.Fatalf("PutItem: %v", err)
	}
	got, err := db.GetItem(ctx, &dynamodb.GetItemInput{
		TableName:      aws.String(table),
		Key:            map[string]ddbtypes.AttributeValue{"PK": item["PK"], "SK": item["SK"]},
		ConsistentRead: aws.Bool(true),
	})
	if err != nil {
		t.Fatalf("GetItem: %v", err)
	}
	if name, ok := got.Item["Name"].(*ddbtypes.AttributeValueMemberS); !ok || name.Value != "Ada" {
		t.Fatalf("GetItem returned %#v, want Name=Ada", got.Item)
	}

	var tables []string
	for pages := dynamodb.NewListTablesPaginator(db, &dynamodb.ListTablesInput{}); pages.HasMorePages(); {
		page, err := pages.NextPage(ctx)
		if err != nil {
			t.Fatalf("ListTables: %v", err)
		}
		tables = append(tables, page.TableNames...)
	}
	if !slices.Contains(tables, table) {
		t.Fatalf("ListTables = %v, want it to contain %q", tables, table)
	}
}

func TestSendMailAndReadItBack(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	stack := devtest.Shared(t)
	to := fmt.Sprintf("learner-%08x@example.com", rand.Uint32())

	out, err := stack.SESClient().SendEmail(ctx, &sesv2.SendEmailInput{
		FromEmailAddress: aws.String("training@example.com"),
		Destination: &sestypes.Destination{
			ToAddresses: []string{to},
			CcAddresses: []string{"manager@example.com"},
		},
		ReplyToAddresses: []string{"security@example.com"},
		Content: &sestypes.EmailContent{Simple: &sestypes.Message{
			Subject: &sestypes.Content{Data: aws.String("Your training is due")},
			Body: &sestypes.Body{
				Html: &sestypes.Content{Data: aws.String("<p>Please finish <b>Phishing 101</b>.</p>")},
				Text: &sestypes.Content{Data: aws.String("Please finish Phishing 101.")},
			},
		}},
	})
	if err != nil {
		t.Fatalf("SendEmail: %v", err)
	}

	mails, err := stack.SentMail(ctx)
	if err != nil {
		t.Fatalf("SentMail: %v", err)
	}
	i := slices.IndexFunc(mails, func(m devstack.Mail) bool { return m.MessageID == aws.ToString(out.MessageId) })
	if i < 0 {
		t.Fatalf("message %s not in SentMail %+v", aws.ToString(out.MessageId), mails)
	}
	m := mails[i]
	if m.From != "training@example.com" || !slices.Equal(m.To, []string{to}) ||
		!slices.Equal(m.CC, []string{"manager@example.com"}) || len(m.BCC) != 0 ||
		!slices.Equal(m.ReplyTo, []string{"security@example.com"}) ||
		m.Subject != "Your training is due" ||
		m.HTML != "<p>Please finish <b>Phishing 101</b>.</p>" || m.Text != "Please finish Phishing 101." {
		t.Errorf("SentMail returned %+v", m)
	}
	if d := time.Since(m.At); d < -time.Second || d > time.Minute {
		t.Errorf("At = %v, want about now", m.At)
	}
}

func TestS3RoundTrip(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	stack := devtest.Shared(t)
	client := stack.S3Client()
	bucket := devtest.Bucket(t, client, "devstack")
	key := "exports/2026-Q3/manifest.json"
	body := []byte(`{"quarter":"2026-Q3"}` + "\n")
	sum := sha256.Sum256(body)
	retain := time.Now().Add(7 * 365 * 24 * time.Hour).UTC().Truncate(time.Second)

	// The production call: a SHA-256 checksum and compliance-mode retention.
	_, err := client.PutObject(ctx, &s3.PutObjectInput{
		Bucket:                    aws.String(bucket),
		Key:                       aws.String(key),
		Body:                      bytes.NewReader(body),
		ContentType:               aws.String("application/json"),
		ChecksumAlgorithm:         s3types.ChecksumAlgorithmSha256,
		ChecksumSHA256:            aws.String(base64.StdEncoding.EncodeToString(sum[:])),
		ObjectLockMode:            s3types.ObjectLockModeCompliance,
		ObjectLockRetainUntilDate: aws.Time(retain),
	})
	if err != nil {
		t.Fatalf("PutObject: %v", err)
	}
	got, err := client.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(bucket), Key: aws.String(key)})
	if err != nil {
		t.Fatalf("GetObject: %v", err)
	}
	read, err := io.ReadAll(got.Body)
	got.Body.Close()
	if err != nil || !bytes.Equal(read, body) || aws.ToString(got.ContentType) != "application/json" {
		t.Fatalf("GetObject = %q (%s), %v; want %q (application/json)", read, aws.ToString(got.ContentType), err, body)
	}

	presigned, err := s3.NewPresignClient(client).PresignGetObject(ctx,
		&s3.GetObjectInput{Bucket: aws.String(bucket), Key: aws.String(key)}, s3.WithPresignExpires(5*time.Minute))
	if err != nil {
		t.Fatalf("PresignGetObject: %v", err)
	}
	if !strings.HasPrefix(presigned.URL, stack.S3Endpoint()+"/"+bucket+"/") {
		t.Errorf("presigned URL %s, want it under %s/%s/", presigned.URL, stack.S3Endpoint(), bucket)
	}
	resp, err := http.Get(presigned.URL)
	if err != nil {
		t.Fatalf("GET presigned URL: %v", err)
	}
	read, err = io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil || resp.StatusCode != http.StatusOK || !bytes.Equal(read, body) {
		t.Fatalf("GET presigned URL = %d %q, %v; want 200 %q", resp.StatusCode, read, err, body)
	}
}

func TestKMSSignAndVerify(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	client := devtest.Shared(t).KMSClient()

	key, err := client.CreateKey(ctx, &kms.CreateKeyInput{
		KeySpec:     kmstypes.KeySpecEccNistP256,
		KeyUsage:    kmstypes.KeyUsageTypeSignVerify,
		Description: aws.String("devstack test: bundle manifests"),
	})
	if err != nil {
		t.Fatalf("CreateKey: %v", err)
	}
	keyID := key.KeyMetadata.Arn
	if want := "arn:aws:kms:" + devstack.Region + ":" + devstack.AccountID + ":key/"; !strings.HasPrefix(aws.ToString(keyID), want) {
		t.Errorf("key ARN %s, want it to start with %s", aws.ToString(keyID), want)
	}
	digest := sha256.Sum256([]byte(`{"quarter":"2026-Q3"}`))
	signed, err := client.Sign(ctx, &kms.SignInput{
		KeyId:            keyID,
		Message:          digest[:],
		MessageType:      kmstypes.MessageTypeDigest,
		SigningAlgorithm: kmstypes.SigningAlgorithmSpecEcdsaSha256,
	})
	if err != nil {
		t.Fatalf("Sign: %v", err)
	}
	verified, err := client.Verify(ctx, &kms.VerifyInput{
		KeyId:            keyID,
		Message:          digest[:],
		MessageType:      kmstypes.MessageTypeDigest,
		Signature:        signed.Signature,
		SigningAlgorithm: kmstypes.SigningAlgorithmSpecEcdsaSha256,
	})
	if err != nil || !verified.SignatureValid {
		t.Fatalf("Verify = %+v, %v; want a valid signature", verified, err)
	}

	// What an auditor does with the public key alone (openssl dgst -verify
	// checks the same ASN.1 DER signature).
	pub, err := client.GetPublicKey(ctx, &kms.GetPublicKeyInput{KeyId: keyID})
	if err != nil {
		t.Fatalf("GetPublicKey: %v", err)
	}
	parsed, err := x509.ParsePKIXPublicKey(pub.PublicKey)
	if err != nil {
		t.Fatalf("parse public key: %v", err)
	}
	ec, ok := parsed.(*ecdsa.PublicKey)
	if !ok || ec.Curve != elliptic.P256() {
		t.Fatalf("public key is %T, want an ECDSA P-256 key", parsed)
	}
	if !ecdsa.VerifyASN1(ec, digest[:], signed.Signature) {
		t.Error("crypto/ecdsa rejects the signature with the key's public key")
	}
	digest[0] ^= 1
	if ecdsa.VerifyASN1(ec, digest[:], signed.Signature) {
		t.Error("crypto/ecdsa accepts the signature for another digest")
	}
}

func TestStopLeavesNoProcess(t *testing.T) {
	t.Parallel()
	stack, err := devstack.Start(t.Context(), devstack.Options{})
	if err != nil {
		t.Fatal(err)
	}
	pids := stack.PIDs()
	kmsData := stack.TempDir()
	if _, err := os.Stat(kmsData); err != nil {
		t.Fatalf("temporary KMS data dir: %v", err)
	}
	for name, pid := range pids {
		if err := syscall.Kill(pid, 0); err != nil {
			t.Fatalf("%s (pid %d) not running before Stop: %v", name, pid, err)
		}
	}
	if err := stack.Stop(); err != nil {
		t.Fatalf("Stop: %v", err)
	}
	for name, pid := range pids {
		if err := syscall.Kill(pid, 0); !errors.Is(err, syscall.ESRCH) {
			t.Errorf("%s (pid %d) after Stop: kill 0 = %v, want ESRCH", name, pid, err)
		}
		if err := syscall.Kill(-pid, 0); !errors.Is(err, syscall.ESRCH) {
			t.Errorf("%s process group %d after Stop: kill 0 = %v, want ESRCH", name, pid, err)
		}
	}
	if err := stack.Err(); err != nil {
		t.Errorf("Err after a clean Stop = %v, want nil", err)
	}
	if len(pids) != 4 {
		t.Errorf("PIDs = %v, want the four stand-ins", pids)
	}
	if _, err := os.Stat(kmsData); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("temporary KMS data %s after Stop: stat = %v, want it removed", kmsData, err)
	}
}

func TestChildDeathClosesDone(t *testing.T) {
	t.Parallel()
	var log bytes.Buffer // written only under the stack's log lock, read after Stop
	stack, err := devstack.Start(t.Context(), devstack.Options{Log: &log, PrefixLog: true})
	if err != nil {
		t.Fatal(err)
	}
	defer stack.Stop()
	if err := stack.Err(); err != nil {
		t.Fatalf("Err before any death = %v", err)
	}
	if err := syscall.Kill(stack.PIDs()[devstack.SESName], syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	select {
	case <-stack.Done():
	case <-time.After(10 * time.Second):
		t.Fatal("Done not closed 10s after the SES emulator was killed")
	}
	msg := stack.Err().Error()
	if !strings.HasPrefix(msg, "ses (pid ") || !strings.Contains(msg, "exited unexpectedly: signal: killed") {
		t.Errorf("Err = %q, want it to name ses and its exit status", msg)
	}
	if err := stack.Stop(); err != nil {
		t.Errorf("Stop after a death: %v", err)
	}
	for _, want := range []string{"[ses] aws-ses-v2-local: server running at", "[s3] serving S3 on http://127.0.0.1:", "[kms] INFO"} {
		if !strings.Contains(log.String(), want) {
			t.Errorf("Log lacks the prefixed start-up line %q:\n%s", want, log.String())
		}
	}
	if strings.Contains(log.String(), "\x1b[") {
		t.Errorf("Log keeps terminal escape sequences:\n%q", log.String())
	}
}

// TestStrangerOnAPortIsNotAStandIn: another server already on DynamoDB
// Local's port (as when a parallel test's server takes a port picked free
// before the JVM binds it) answers the readiness probe, but not as DynamoDB
// does: Start must report DynamoDB Local exiting, not hand out a stack whose
// DynamoDB endpoint is the stranger.
func TestStrangerOnAPortIsNotAStandIn(t *testing.T) {
	t.Parallel()
	stranger := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "POST not implemented here", http.StatusNotImplemented)
	}))
	defer stranger.Close()
	port := stranger.Listener.Addr().(*net.TCPAddr).Port
	stack, err := devstack.Start(t.Context(), devstack.Options{DynamoPort: port})
	if err == nil {
		stack.Stop()
		t.Fatalf("Start with a stranger on the DynamoDB port %d succeeded, want DynamoDB Local's exit", port)
	}
	if !strings.HasPrefix(err.Error(), "devstack: a stand-in exited before it was ready: dynamodb (pid ") {
		t.Errorf("Start = %v, want DynamoDB Local exiting before it was ready", err)
	}
}

func TestStartWithoutNodeModules(t *testing.T) {
	t.Parallel()
	_, err := devstack.Start(context.Background(), devstack.Options{RepoRoot: t.TempDir()})
	if err == nil || !strings.Contains(err.Error(), "npm ci") {
		t.Fatalf("Start without node_modules: err = %v, want a hint to run npm ci", err)
	}
}

func TestStartWithoutTools(t *testing.T) {
	t.Parallel()
	repo, err := devstack.FindRepoRoot()
	if err != nil {
		t.Fatal(err)
	}
	root := t.TempDir() // node_modules, but no build/tools
	if err := os.Symlink(filepath.Join(repo, "node_modules"), filepath.Join(root, "node_modules")); err != nil {
		t.Fatal(err)
	}
	_, err = devstack.Start(context.Background(), devstack.Options{RepoRoot: root})
	if err == nil || !strings.Contains(err.Error(), "make deps") || !strings.Contains(err.Error(), devstack.KMSBinary) {
		t.Fatalf("Start without build/tools: err = %v, want a hint to run make deps naming %s", err, devstack.KMSBinary)
	}
}

func TestDataDirsKeepS3AndKMSAcrossRestarts(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	dir := t.TempDir()
	opts := devstack.Options{S3DataDir: filepath.Join(dir, "s3"), KMSDataDir: filepath.Join(dir, "kms")}
	first, err := devstack.Start(ctx, opts)
	if err != nil {
		t.Fatal(err)
	}
	defer first.Stop()
	bucket := devtest.Bucket(t, first.S3Client(), "restart")
	if _, err := first.S3Client().PutObject(ctx, &s3.PutObjectInput{
		Bucket: aws.String(bucket), Key: aws.String("kept.txt"), Body: strings.NewReader("kept"),
	}); err != nil {
		t.Fatalf("PutObject: %v", err)
	}
	key, err := first.KMSClient().CreateKey(ctx, &kms.CreateKeyInput{
		KeySpec: kmstypes.KeySpecEccNistP256, KeyUsage: kmstypes.KeyUsageTypeSignVerify,
	})
	if err != nil {
		t.Fatalf("CreateKey: %v", err)
	}
	if err := first.Stop(); err != nil {
		t.Fatalf("Stop: %v", err)
	}
	if _, err := os.Stat(opts.KMSDataDir); err != nil {
		t.Fatalf("Stop removed the given KMS data dir: %v", err)
	}

	second, err := devstack.Start(ctx, opts)
	if err != nil {
		t.Fatal(err)
	}
	defer second.Stop()
	got, err := second.S3Client().GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(bucket), Key: aws.String("kept.txt")})
	if err != nil {
		t.Fatalf("GetObject after restart: %v", err)
	}
	body, _ := io.ReadAll(got.Body)
	got.Body.Close()
	if string(body) != "kept" {
		t.Errorf("object after restart = %q, want kept", body)
	}
	if _, err := second.KMSClient().GetPublicKey(ctx, &kms.GetPublicKeyInput{KeyId: key.KeyMetadata.KeyId}); err != nil {
		t.Errorf("GetPublicKey after restart: %v", err)
	}
}

// TestMoveDynamoDataKeepsTheTable writes a table with DynamoDB Local's data
// in a scratch directory, moves it to another directory (as make dev does
// after seeding) and finds the item there: served at once, after a restart
// on the new directory, and with the other stand-ins and the stack's health
// untouched. A second move onto a directory holding a database of the same
// name fails and leaves DynamoDB Local serving its data.
func TestMoveDynamoDataKeepsTheTable(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	scratch, dir := filepath.Join(t.TempDir(), "scratch"), filepath.Join(t.TempDir(), "dynamodb")
	opts := devstack.Options{DynamoDataDir: scratch}
	stack, err := devstack.Start(ctx, opts)
	if err != nil {
		t.Fatal(err)
	}
	defer stack.Stop()
	table := devtest.Table(t, stack.DynamoClient(), "move")
	key := map[string]ddbtypes.AttributeValue{
		"PK": &ddbtypes.AttributeValueMemberS{Value: "PERSON#1"}, "SK": &ddbtypes.AttributeValueMemberS{Value: "PROFILE"},
	}
	if _, err := stack.DynamoClient().PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String(table), Item: key}); err != nil {
		t.Fatalf("PutItem: %v", err)
	}
	mail := sendOne(t, stack)

	if err := stack.MoveDynamoData(ctx, dir); err != nil {
		t.Fatalf("MoveDynamoData: %v", err)
	}
	found := func(s *devstack.Stack) bool {
		t.Helper()
		got, err := s.DynamoClient().GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String(table), Key: key, ConsistentRead: aws.Bool(true)})
		if err != nil {
			t.Fatalf("GetItem: %v", err)
		}
		return got.Item != nil
	}
	if !found(stack) {
		t.Error("the item is gone after the move")
	}
	if err := stack.Err(); err != nil {
		t.Errorf("the stack reports a failure after the move: %v", err)
	}
	if left, _ := os.ReadDir(scratch); len(left) > 0 {
		t.Errorf("the old data directory still holds %v", left)
	}
	if held, _ := os.ReadDir(dir); len(held) == 0 {
		t.Fatal("nothing was moved into the new data directory")
	}
	if sent, err := stack.SentMail(ctx); err != nil || !slices.ContainsFunc(sent, func(m devstack.Mail) bool { return m.Subject == mail }) {
		t.Errorf("the SES emulator lost its mail in the move (%v)", err)
	}

	// The same file name in the target: refused, and still served.
	other := t.TempDir()
	held, _ := os.ReadDir(dir)
	if err := os.WriteFile(filepath.Join(other, held[0].Name()), []byte("not this"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := stack.MoveDynamoData(ctx, other); err == nil || !strings.Contains(err.Error(), "exists already") {
		t.Errorf("a move onto an existing database: err = %v, want it refused", err)
	}
	if !found(stack) {
		t.Error("the item is gone after a refused move")
	}
	if err := stack.Stop(); err != nil {
		t.Fatalf("Stop: %v", err)
	}

	again, err := devstack.Start(ctx, devstack.Options{DynamoDataDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	defer again.Stop()
	if !found(again) {
		t.Error("the item is gone after a restart on the new data directory")
	}
}

// sendOne sends one email through the stack's SES emulator and returns its
// subject.
func sendOne(t *testing.T, stack *devstack.Stack) string {
	t.Helper()
	subject := fmt.Sprintf("kept %d", rand.Uint32())
	_, err := stack.SESClient().SendEmail(t.Context(), &sesv2.SendEmailInput{
		FromEmailAddress: aws.String("from@example.test"),
		Destination:      &sestypes.Destination{ToAddresses: []string{"to@example.test"}},
		Content: &sestypes.EmailContent{Simple: &sestypes.Message{
			Subject: &sestypes.Content{Data: aws.String(subject)}, Body: &sestypes.Body{Text: &sestypes.Content{Data: aws.String("body")}},
		}},
	})
	if err != nil {
		t.Fatalf("SendEmail: %v", err)
	}
	return subject
}
