package httpapi

import "context"

// SuppressionStore knows which addresses are undeliverable.
type SuppressionStore interface {
	// Undeliverable returns why mail to email (any case) cannot be
	// delivered (a permanent bounce, a complaint), or found=false.
	Undeliverable(ctx context.Context, email string) (reason string, found bool, err error)
}
