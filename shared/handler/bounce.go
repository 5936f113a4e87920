package handler

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/mail"
	"strings"
	"time"

	"github.com/aws/aws-lambda-go/events"
)

// Reasons an address is undeliverable.
const (
	ReasonBounce    = "bounce"    // a permanent bounce
	ReasonComplaint = "complaint" // the recipient reported the mail as spam
)

// Suppressor records undeliverable addresses.
type Suppressor interface {
	// MarkUndeliverable records that mail to email cannot be delivered; an
	// address already marked keeps its first record.
	MarkUndeliverable(ctx context.Context, email, reason, messageID string, at time.Time) error
}

// sesEvent is the part of an SES bounce or complaint event that matters here.
type sesEvent struct {
	EventType        string `json:"eventType"`
	NotificationType string `json:"notificationType"`
	Mail             struct {
		Timestamp time.Time `json:"timestamp"`
		MessageID string    `json:"messageId"`
	} `json:"mail"`
	Bounce *struct {
		BounceType        string      `json:"bounceType"`
		BounceSubType     string      `json:"bounceSubType"`
		BouncedRecipients []recipient `json:"bouncedRecipients"`
		Timestamp         time.Time   `json:"timestamp"`
	} `json:"bounce"`
	Complaint *struct {
		ComplainedRecipients []recipient `json:"complainedRecipients"`
		Timestamp            time.Time   `json:"timestamp"`
	} `json:"complaint"`
}

type recipient struct {
	EmailAddress string `json:"emailAddress"`
}

// undeliverable is what one SES event says: these addresses are
// undeliverable for reason, as of at, about the SES message messageID.
type undeliverable struct {
	reason    string
	messageID string
	at        time.Time
	addresses []string
}

// errMalformed marks an event that is not a well-formed SES event.
var errMalformed = errors.New("malformed SES event")

// parseSESEvent reads one SES event. It returns ok=false, with what kind of event it
// was, for events that mark nobody (transient bounces, deliveries, ...).
func parseSESEvent(message string) (u undeliverable, ok bool, kind string, err error) {
	var e sesEvent
	if err := json.Unmarshal([]byte(message), &e); err != nil {
		return undeliverable{}, false, "", fmt.Errorf("%w: %v", errMalformed, err)
	}
	kind = e.EventType
	if kind == "" {
		kind = e.NotificationType
	}
	var rcpts []recipient
	switch {
	case kind == "":
		return undeliverable{}, false, "", fmt.Errorf("%w: neither eventType nor notificationType is set", errMalformed)
	case kind == "Bounce" && e.Bounce != nil:
		if e.Bounce.BounceType != "Permanent" {
			return undeliverable{}, false, kind + "/" + e.Bounce.BounceType, nil
		}
		u = undeliverable{reason: ReasonBounce, at: e.Bounce.Timestamp}
		rcpts = e.Bounce.BouncedRecipients
	case kind == "Complaint" && e.Complaint != nil:
		u = undeliverable{reason: ReasonComplaint, at: e.Complaint.Timestamp}
		rcpts = e.Complaint.ComplainedRecipients
	case kind == "Bounce" || kind == "Complaint":
		return undeliverable{}, false, "", fmt.Errorf("%w: a %s event without its %s object", errMalformed, kind, strings.ToLower(kind))
	default:
		return undeliverable{}, false, kind, nil
	}
	if e.Mail.MessageID == "" {
		return undeliverable{}, false, "", fmt.Errorf("%w: mail.messageId is missing", errMalformed)
	}
	if len(rcpts) == 0 {
		return undeliverable{}, false, "", fmt.Errorf("%w: no recipients", errMalformed)
	}
	u.messageID = e.Mail.MessageID
	if u.at.IsZero() {
		u.at = e.Mail.Timestamp
	}
	for _, r := range rcpts {
		u.addresses = append(u.addresses, r.EmailAddress)
	}
	return u, true, kind, nil
}

// Bounce returns the handler of the Lambda that SNS invokes with the bounce
// and complaint events SES publishes: a permanent bounce or a complaint
// marks the recipient's address undeliverable, so no more reminders go to
// it; everything else is ignored. It reads both SES formats:
// configuration-set event publishing ("eventType") and the older identity
// notifications ("notificationType"). Every permanently bounced or complaining recipient is marked
// undeliverable; a malformed message or address is logged and skipped. It
// fails, so that Lambda retries the delivery, only when the store does:
// marking is idempotent, so a retried or replayed event changes nothing.
// Logs name addresses only by a hash.
func Bounce(store Suppressor, logger *slog.Logger) func(context.Context, events.SNSEvent) error {
	return func(ctx context.Context, e events.SNSEvent) error {
		for _, rec := range e.Records {
			if err := handleSESEvent(ctx, store, logger, rec.SNS); err != nil {
				return err
			}
		}
		return nil
	}
}

// handleSESEvent processes one SNS message.
func handleSESEvent(ctx context.Context, store Suppressor, logger *slog.Logger, msg events.SNSEntity) error {
	log := logger.With("snsMessageId", msg.MessageID)
	u, ok, kind, err := parseSESEvent(msg.Message)
	if err != nil {
		log.WarnContext(ctx, "SES event skipped", "err", err)
		return nil
	}
	if !ok {
		log.InfoContext(ctx, "SES event ignored", "type", kind)
		return nil
	}
	if u.at.IsZero() {
		u.at = msg.Timestamp
	}
	for _, raw := range u.addresses {
		a, err := mail.ParseAddress(raw)
		if err != nil {
			log.WarnContext(ctx, "recipient skipped: not an address", "recipient", addressHash(raw), "sesMessageId", u.messageID)
			continue
		}
		if err := store.MarkUndeliverable(ctx, a.Address, u.reason, u.messageID, u.at); err != nil {
			// Storage errors may quote the item key, which holds the address.
			err = errors.New(strings.ReplaceAll(err.Error(), strings.ToLower(a.Address), "<"+addressHash(a.Address)+">"))
			log.ErrorContext(ctx, "marking an address undeliverable failed", "recipient", addressHash(a.Address), "err", err)
			return err
		}
		log.InfoContext(ctx, "address undeliverable", "recipient", addressHash(a.Address), "reason", u.reason, "sesMessageId", u.messageID)
	}
	return nil
}

// addressHash names an address in logs without revealing it: the first 16 hex
// digits of the SHA-256 of its lower-case form.
func addressHash(address string) string {
	sum := sha256.Sum256([]byte(strings.ToLower(strings.TrimSpace(address))))
	return hex.EncodeToString(sum[:8])
}
