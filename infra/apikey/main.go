// Command apikey creates or revokes an API key in a deployed tracker's table,
// with the caller's own AWS credentials. It is how the first admin key of a
// new deployment is made:
//
//	go run ./infra/apikey -table <TableName output> -role admin -label alice
//	go run ./infra/apikey -table <TableName output> -revoke <key hash>
//
// The key is printed once and never stored; the table keeps its SHA-256.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"time"

	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/attest-oss/attest/shared/auth"
	"github.com/attest-oss/attest/shared/dynamo"
	"github.com/attest-oss/attest/shared/identity"
)

func main() {
	tableName := flag.String("table", "", "the TableName output of the deployed stack (required)")
	role := flag.String("role", "admin", "role of the new key: admin, auditor or hris")
	label := flag.String("label", "", "who or what the key is for, recorded in audit events (required to create)")
	revoke := flag.String("revoke", "", "revoke the key with this SHA-256 hash instead of creating one")
	flag.Parse()
	if err := run(*tableName, *role, *label, *revoke); err != nil {
		fmt.Fprintln(os.Stderr, "apikey:", err)
		os.Exit(1)
	}
}

func run(tableName, roleName, label, revoke string) error {
	if tableName == "" {
		return fmt.Errorf("-table is required")
	}
	ctx := context.Background()
	cfg, err := config.LoadDefaultConfig(ctx)
	if err != nil {
		return err
	}
	store := dynamo.New(dynamodb.NewFromConfig(cfg), tableName, time.Now)
	if revoke != "" {
		if err := store.RevokeAPIKey(ctx, revoke, time.Now()); err != nil {
			return err
		}
		fmt.Println("revoked", revoke)
		return nil
	}
	role, ok := identity.ParseRole(roleName)
	if !ok {
		return fmt.Errorf("-role must be admin, auditor or hris, not %q", roleName)
	}
	if label == "" {
		return fmt.Errorf("-label is required")
	}
	key, rec := auth.NewAPIKey(role, label, time.Now())
	if err := store.PutAPIKey(ctx, rec); err != nil {
		return err
	}
	fmt.Printf("key:  %s\nhash: %s (use it to revoke)\nrole: %s\nThe key is shown once; store it in your secret manager.\n", key, rec.Hash, role)
	return nil
}
