// Command apikey creates or revokes an API key in a deployed tracker's table,
// with the caller's own AWS credentials. It is how the first admin key of a
// new deployment is made; later keys are managed by admins through
// /api/keys or the admin console (/admin/keys), which list the keys made
// here too:
//
//	go run ./infra/apikey -table <TableName output> -role admin -label alice [-expires YYYY-MM-DD]
//	go run ./infra/apikey -table <TableName output> -revoke <key id>
//
// The key is printed once and never stored; the table keeps its SHA-256.
// Both write their audit event (actor "cli:apikey:<$USER>").
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"time"

	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/attest-oss/attest/shared/apikey"
	"github.com/attest-oss/attest/shared/dynamo"
)

func main() {
	tableName := flag.String("table", "", "the TableName output of the deployed stack (required)")
	role := flag.String("role", "admin", "role of the new key: admin, auditor or hris")
	label := flag.String("label", "", "who or what the key is for, recorded in audit events (required to create)")
	expires := flag.String("expires", "", "last day the key works, YYYY-MM-DD (UTC); empty: until revoked")
	agreement := flag.String("agreement", "", "agreement an auditor key is scoped to (optional)")
	revoke := flag.String("revoke", "", "revoke the key with this id (key_...) instead of creating one")
	flag.Parse()
	req := apikey.Request{Role: *role, Label: *label, ExpiresOn: *expires, Agreement: *agreement}
	if err := run(*tableName, req, *revoke); err != nil {
		fmt.Fprintln(os.Stderr, "apikey:", err)
		os.Exit(1)
	}
}

func run(tableName string, req apikey.Request, revoke string) error {
	if tableName == "" {
		return fmt.Errorf("-table is required")
	}
	ctx := context.Background()
	cfg, err := config.LoadDefaultConfig(ctx)
	if err != nil {
		return err
	}
	keys := &apikey.Service{Store: dynamo.New(dynamodb.NewFromConfig(cfg), tableName, time.Now)}
	actor := "cli:apikey:" + os.Getenv("USER")
	if revoke != "" {
		k, err := keys.Revoke(ctx, revoke, actor, "cli")
		if err != nil {
			return err
		}
		fmt.Println("revoked", k.ID, k.Label, "at", k.RevokedAt.Format(time.RFC3339))
		return nil
	}
	key, k, err := keys.Create(ctx, req, actor, "cli")
	if err != nil {
		return err
	}
	fmt.Printf("key:  %s\nid:   %s (use it to revoke)\nrole: %s\nThe key is shown once; store it in your secret manager.\n", key, k.ID, k.Role)
	return nil
}
